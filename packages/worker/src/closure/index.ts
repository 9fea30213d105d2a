/** User functions on the worker side: what a shipped function is, and how it is rebuilt. */
export { type CompileContext, compileFunction } from './compileFunction.js';
export type {
  BoundFunctionReference,
  FunctionReference,
  FunctionSpec,
  GlobalReference,
  LoaderReference,
  ModuleReference,
  Reference,
  SharedVariableId,
  SharedVariableReference,
  SymbolReference,
} from './functionSpec.js';
export { FUNCTION_SPEC_VERSION } from './functionSpec.js';
export {
  importModule,
  loadRequiredModules,
  ModuleLoader,
  type ModuleRequest,
  moduleKey,
  requiredModules,
} from './moduleLoader.js';
