/**
 * Rebuilds a user function on a worker from its {@link FunctionSpec}. Every function of the spec is
 * compiled first (with its captured names still unassigned), then every other reference is
 * resolved, then placeholders inside captured data are replaced, and only then are the captured
 * names assigned. So a value may refer to any other, in any order, cycles included.
 */
import { ErrorCode, FlintError } from '../errors.js';
import { buildFunction, type FactoryResult } from './functionFactory.js';
import {
  type BoundFunctionReference,
  FUNCTION_SPEC_VERSION,
  type FunctionSpec,
  type Reference,
  type SharedVariableId,
} from './functionSpec.js';
import { createLoader, resolveModule } from './moduleInterop.js';

/** What a worker provides to rebuild functions: its loaded modules and its shared variables. */
export interface CompileContext {
  /** Module namespaces by `moduleKey`, as a `ModuleLoader` loads them for the spec. */
  readonly modules?: ReadonlyMap<string, unknown>;
  /** The worker's value for a broadcast handle or an accumulator the function captured. */
  sharedVariable?(ref: SharedVariableId): unknown;
}

const NO_MODULES: ReadonlyMap<string, unknown> = new Map();

/**
 * Rebuilds the function `spec` describes, with its captured values in scope.
 * @throws FlintError `FLINT_CAPTURE` when the source does not compile or a module, global or shared
 *   variable it needs is missing here; `FLINT_PROTOCOL` for a spec of another version.
 */
export function compileFunction(
  spec: FunctionSpec,
  context: CompileContext = {},
): (...args: never[]) => unknown {
  if (spec.version !== FUNCTION_SPEC_VERSION) {
    throw new FlintError(
      ErrorCode.PROTOCOL,
      `A function spec has version ${String(spec.version)}, but this worker reads version ` +
        `${FUNCTION_SPEC_VERSION}. Run the same Flint version on the driver and the workers.`,
    );
  }
  const resolved = new Map<Reference, unknown>();
  const factories: Array<[FactoryResult, readonly unknown[]]> = [];
  for (const ref of spec.references) {
    if (ref.kind !== 'function') continue;
    const factory = buildFunction(ref);
    resolved.set(ref, factory.fn);
    factories.push([factory, ref.values]);
  }
  for (const ref of spec.references) {
    if (ref.kind !== 'function' && ref.kind !== 'bound')
      resolved.set(ref, resolveLeaf(ref, context));
  }
  const references = new Set<unknown>(spec.references);
  const resolve = (value: unknown): unknown => {
    if (!references.has(value)) return value;
    const ref = value as Reference;
    return ref.kind === 'bound' ? resolveBound(ref, resolved, resolve) : resolved.get(ref);
  };
  for (const ref of spec.references) if (ref.kind === 'bound') resolve(ref);
  for (const container of spec.patches) patchContainer(container, resolve);
  for (const [factory, values] of factories) factory.assign(values.map(resolve));
  const root = resolve(spec.root);
  if (typeof root !== 'function') {
    throw new FlintError(ErrorCode.PROTOCOL, 'A function spec whose root is not a function.');
  }
  return root as (...args: never[]) => unknown;
}

function resolveLeaf(
  ref: Exclude<Reference, { kind: 'function' | 'bound' }>,
  context: CompileContext,
): unknown {
  switch (ref.kind) {
    case 'global':
      return resolveGlobal(ref.path);
    case 'module':
      return resolveModule(ref, context.modules ?? NO_MODULES);
    case 'loader':
      return createLoader(ref, context.modules ?? NO_MODULES);
    case 'symbol':
      return ref.registry === 'for'
        ? Symbol.for(ref.key)
        : (Symbol as unknown as Record<string, unknown>)[ref.key];
    case 'sharedVariable': {
      if (context.sharedVariable === undefined) {
        throw new FlintError(
          ErrorCode.CAPTURE,
          `A shipped function uses ${ref.variable.kind} ${ref.variable.id}, but the worker was given ` +
            'no way to resolve shared variables (CompileContext.sharedVariable).',
        );
      }
      return context.sharedVariable(ref.variable);
    }
    default:
      ref satisfies never;
      throw new FlintError(
        ErrorCode.PROTOCOL,
        `A function spec holds a reference of unknown kind ${JSON.stringify((ref as { kind?: unknown }).kind)}.`,
      );
  }
}

function resolveGlobal(path: readonly string[]): unknown {
  let value: unknown = globalThis;
  for (const key of path) {
    value = (value as Record<string, unknown> | null | undefined)?.[key];
  }
  if (value === undefined) {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `A shipped function uses the global ${path.join('.')}, which this worker's Node.js lacks. ` +
        'Run the same Node.js version on the driver and the workers.',
    );
  }
  return value;
}

// A bound function may target another bound one: `resolve` reaches it through this, recursively.
function resolveBound(
  ref: BoundFunctionReference,
  resolved: Map<Reference, unknown>,
  resolve: (value: unknown) => unknown,
): unknown {
  if (resolved.has(ref)) return resolved.get(ref);
  const target = resolve(ref.target);
  if (typeof target !== 'function') {
    throw new FlintError(ErrorCode.PROTOCOL, 'A bound function in a function spec has no target.');
  }
  const bound = Function.prototype.bind.call(
    target,
    resolve(ref.thisArg),
    ...ref.args.map(resolve),
  );
  resolved.set(ref, bound);
  return bound;
}

/** Replaces placeholders among the direct entries of one captured container, in place. */
function patchContainer(container: object, resolve: (value: unknown) => unknown): void {
  if (container instanceof Map) {
    // Rebuilt rather than updated, so a placeholder used as a key keeps its insertion order.
    const entries = [...container];
    container.clear();
    for (const [key, value] of entries) container.set(resolve(key), resolve(value));
  } else if (container instanceof Set) {
    const members = [...container];
    container.clear();
    for (const member of members) container.add(resolve(member));
  } else {
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = resolve(record[key]);
  }
}
