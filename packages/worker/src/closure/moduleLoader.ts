/**
 * Loads the modules shipped functions use, on the worker, before their tasks run. A bare
 * specifier resolves from the application's directory the driver named (`from`), with the same
 * ES module rules as the driver's own `import`, so a driver started from any working directory
 * (and its workers, which inherit it) finds the same packages.
 *
 * Invariants:
 * - A module is imported at most once per process for each (specifier, from) pair; its namespace
 *   is kept in {@link ModuleLoader.modules} under {@link moduleKey}, which `compileFunction` reads.
 * - Loading is asynchronous and finishes before any function of the stage is compiled;
 *   compiling stays synchronous.
 */
import { existsSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { ErrorCode, FlintError } from '../errors.js';
import type { FunctionSpec } from './functionSpec.js';

/** One module a function needs: its specifier, and the directory it resolves from. */
export interface ModuleRequest {
  readonly specifier: string;
  readonly from?: string;
}

/** The key of a loaded module in `CompileContext.modules`. */
export function moduleKey(specifier: string, from: string | undefined): string {
  return from === undefined || isBuiltin(specifier) ? specifier : `${specifier} from ${from}`;
}

/**
 * The modules `spec` uses, each once: modules its functions reference, and those they load with
 * `import()` or `require()` by a literal specifier.
 */
export function requiredModules(spec: FunctionSpec): ModuleRequest[] {
  const requests = new Map<string, ModuleRequest>();
  const add = (specifier: string, from: string | undefined): void => {
    requests.set(
      moduleKey(specifier, from),
      from === undefined ? { specifier } : { specifier, from },
    );
  };
  for (const ref of spec.references) {
    if (ref.kind === 'module') add(ref.specifier, ref.from);
    else if (ref.kind === 'function') for (const specifier of ref.imports) add(specifier, ref.from);
  }
  return [...requests.values()];
}

/** Imports what `spec` needs, as a worker does, into a table for `CompileContext.modules`. */
export async function loadRequiredModules(spec: FunctionSpec): Promise<Map<string, unknown>> {
  const loader = new ModuleLoader();
  await loader.load(requiredModules(spec));
  return loader.modules;
}

/** A worker's loaded modules, shared by all its stages. */
export class ModuleLoader {
  /** Loaded namespaces by {@link moduleKey}: give this map to `compileFunction`. */
  readonly modules = new Map<string, unknown>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #prepared = new WeakMap<object, Promise<void>>();

  /**
   * Loads every module used by the function specs found in `holder` (a stage spec), once per
   * holder: its tasks all wait on the same promise.
   */
  prepare(holder: object): Promise<void> {
    let ready = this.#prepared.get(holder);
    if (ready === undefined) {
      ready = this.load(functionSpecsIn(holder).flatMap(requiredModules));
      this.#prepared.set(holder, ready);
      // A failed load is tried again by the next task rather than failing every retry at once.
      ready.catch(() => this.#prepared.delete(holder));
    }
    return ready;
  }

  /** Loads `requests` that are not loaded yet. */
  async load(requests: readonly ModuleRequest[]): Promise<void> {
    await Promise.all(requests.map((request) => this.#loadOne(request)));
  }

  #loadOne({ specifier, from }: ModuleRequest): Promise<void> {
    const key = moduleKey(specifier, from);
    if (this.modules.has(key)) return Promise.resolve();
    let loading = this.#loading.get(key);
    if (loading === undefined) {
      loading = importModule(specifier, from).then((namespace) => {
        this.modules.set(key, namespace);
      });
      this.#loading.set(key, loading);
      loading.catch(() => this.#loading.delete(key));
    }
    return loading;
  }
}

/**
 * `import(specifier)` as a module of the directory `from` would run it (the working directory
 * when `from` is absent).
 * @throws FlintError `FLINT_CAPTURE` (as a rejection) when the module cannot be loaded.
 */
export async function importModule(
  specifier: string,
  from: string | undefined,
  options?: ImportCallOptions,
): Promise<unknown> {
  if (isBuiltin(specifier)) return import(specifier, options);
  const base = baseUrl(from);
  try {
    return await importerFor(base)(specifier, options);
  } catch (error) {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `A shipped function uses the module '${specifier}', which this worker could not load from ` +
        `${base}: ${(error as Error).message} Install it where the application runs (every ` +
        'worker resolves it from that directory, as the driver did), or create what it provides ' +
        'inside the function.',
      { cause: error },
    );
  }
}

/** `require` as a module of the directory `from` would have it. */
export function requireFrom(from: string | undefined): (specifier: string) => unknown {
  return createRequire(new URL(LOADER_FILE, baseUrl(from)));
}

// A file name in the application's directory; it need not exist, only name where to resolve from.
const LOADER_FILE = '[flint-module-loader].js';
type Importer = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;
const importers = new Map<string, Importer>();

function baseUrl(from: string | undefined): string {
  if (from !== undefined && !from.startsWith('file:')) {
    throw new FlintError(
      ErrorCode.PROTOCOL,
      `A module reference resolves from ${JSON.stringify(from)}, which is not a file: URL.`,
    );
  }
  const directory = from === undefined ? undefined : from.endsWith('/') ? from : `${from}/`;
  // A worker on another host may not have the driver's directory: it resolves from its own cwd.
  if (directory !== undefined && existsSync(new URL(directory))) return directory;
  return pathToFileURL(process.cwd() + sep).href;
}

/**
 * An `import()` whose referrer is a file of `base`. Node.js resolves a dynamic import from the
 * script that makes it, so a script named after that file resolves exactly as the driver's
 * module did (ES module conditions, `exports` maps, the nearest node_modules).
 */
function importerFor(base: string): Importer {
  let importer = importers.get(base);
  if (importer === undefined) {
    const filename = new URL(LOADER_FILE, base).href;
    const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (loader === undefined) {
      // Node.js before 20.12: CommonJS resolution finds the same package in nearly every case.
      const require = createRequire(filename);
      importer = (specifier, options) =>
        import(pathToFileURL(require.resolve(specifier)).href, options);
    } else {
      const script = new vm.Script('(specifier, options) => import(specifier, options)', {
        filename,
        importModuleDynamically: loader,
      });
      const run = script.runInThisContext() as Importer;
      importer = (specifier, options) => withoutLoaderWarning(() => run(specifier, options));
    }
    importers.set(base, importer);
  }
  return importer;
}

/**
 * Runs `run` without the one ExperimentalWarning Node.js 20 prints on the first import through
 * the main context's loader: the worker's output is the user's, and the feature works as used.
 */
function withoutLoaderWarning<T>(run: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return run();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Every function spec in a stage spec's tree of plain objects and arrays. */
function functionSpecsIn(root: object): FunctionSpec[] {
  const found: FunctionSpec[] = [];
  const seen = new Set<object>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (isFunctionSpec(value)) {
      found.push(value);
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (Array.isArray(value) || prototype === Object.prototype || prototype === null) {
      for (const item of Object.values(value)) pending.push(item);
    }
  }
  return found;
}

function isFunctionSpec(value: object): value is FunctionSpec {
  const candidate = value as Partial<Record<keyof FunctionSpec, unknown>>;
  return (
    typeof candidate.version === 'number' &&
    Array.isArray(candidate.references) &&
    Array.isArray(candidate.patches) &&
    typeof candidate.root === 'object'
  );
}
