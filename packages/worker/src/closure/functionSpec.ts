/**
 * A user function as it travels to a worker: plain data that `v8.serialize` and structured clone
 * carry, from which `compileFunction` rebuilds the function.
 *
 * Invariants:
 * - Captured values are a graph of plain data (primitives, plain objects, arrays, Map, Set, Date,
 *   RegExp, typed arrays, ArrayBuffer). Everything else (functions, globals, modules, broadcast
 *   handles...) is a {@link Reference}, and each reference object is its own placeholder: wherever
 *   it appears in the graph, the worker puts the value it stands for.
 * - The serializer must keep shared references (v8's and structured clone do): the worker finds
 *   placeholders by identity, and shared references and cycles among captured values survive the
 *   trip the same way.
 * - Captured data is a copy made at capture time, so no user object is ever a placeholder.
 */

/** The version of this shape; a worker refuses a spec whose version it does not know. */
export const FUNCTION_SPEC_VERSION = 1;

/** A user function and everything it uses from its surroundings. */
export interface FunctionSpec {
  /** {@link FUNCTION_SPEC_VERSION} of the driver that built the spec. */
  readonly version: number;
  /** The function to call: one of {@link FunctionSpec.references}. */
  readonly root: Reference;
  /** Every reference the captured graph holds, functions first-seen first. */
  readonly references: readonly Reference[];
  /**
   * Captured objects, arrays, Maps and Sets that hold a reference as a direct entry (a property
   * value, an element, a Map key or value, a Set member); the worker replaces those entries.
   */
  readonly patches: readonly object[];
}

/** A value that travels by description rather than as data. */
export type Reference =
  | FunctionReference
  | GlobalReference
  | ModuleReference
  | SharedVariableReference
  | BoundFunctionReference
  | SymbolReference
  | LoaderReference;

/** A function shipped by source, with the values of the names it uses from its surroundings. */
export interface FunctionReference {
  readonly kind: 'function';
  /** The source text, as `Function.prototype.toString` gives it (dynamic `import(` rewritten). */
  readonly source: string;
  /**
   * `expression` when the source is an expression (arrow, `function`, async, generator);
   * `method` for method shorthand, getters and setters (`foo(x) {...}`), rebuilt in an object
   * literal.
   */
  readonly form: 'expression' | 'method';
  /** Whether the function ran in strict mode on the driver; it is compiled the same way. */
  readonly strict: boolean;
  /** In-scope names on the worker, each bound to the value at the same index of `values`. */
  readonly names: readonly string[];
  /** Captured values (data or references), in the order of `names`. */
  readonly values: readonly unknown[];
  /** Module specifiers the function loads with `import()` or `require()`, to load beforehand. */
  readonly imports: readonly string[];
  /** Where its `imports` resolve from (see {@link ModuleReference.from}). */
  readonly from?: string;
}

/** A built-in of the JavaScript or Node.js global scope, e.g. `['Math', 'sqrt']`. */
export interface GlobalReference {
  readonly kind: 'global';
  readonly path: readonly string[];
}

/**
 * A value a module exports, loaded on the worker by its specifier. `interop` says how the driver
 * reached the module (an ES import, `require()`, or a bundler's wrapper around `require()`), so
 * the worker hands the function the same shape; `path` then reads nested properties.
 */
export interface ModuleReference {
  readonly kind: 'module';
  readonly specifier: string;
  readonly interop: 'namespace' | 'require' | 'toESM' | 'importDefault';
  readonly path: readonly string[];
  /**
   * The `file:` URL of the application's directory, which a bare specifier resolves from on the
   * worker as it did on the driver (the directory of the importing module, or of the code that
   * called `sc.addModule`). Absent for Node.js built-ins; without it, the worker's working
   * directory.
   */
  readonly from?: string;
}

/** A broadcast handle or an accumulator, resolved on the worker through its id. */
export interface SharedVariableReference {
  readonly kind: 'sharedVariable';
  readonly variable: SharedVariableId;
}

/** What a broadcast handle or an accumulator answers under `Symbol.for('flint.sharedVariable')`. */
export interface SharedVariableId {
  readonly kind: 'broadcast' | 'accumulator';
  readonly id: number;
}

/** The result of `target.bind(thisArg, ...args)`. */
export interface BoundFunctionReference {
  readonly kind: 'bound';
  readonly target: Reference;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
}

/** A symbol that exists on every process: `Symbol.for(key)` or a well-known `Symbol[key]`. */
export interface SymbolReference {
  readonly kind: 'symbol';
  readonly registry: 'for' | 'wellKnown';
  readonly key: string;
}

/**
 * The worker's module loader, standing in for `import()` (rewritten by the driver, or vite's
 * `__vite_ssr_dynamic_import__`) and for CommonJS `require`.
 */
export interface LoaderReference {
  readonly kind: 'loader';
  readonly loader: 'import' | 'require';
  /** Specifiers as the code writes them, mapped to the declared specifier the worker loaded. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Where other specifiers resolve from (see {@link ModuleReference.from}). */
  readonly from?: string;
}
