/**
 * How a worker hands a shipped function the modules it uses: the namespace the worker loaded for
 * a specifier, reshaped the way the driver's code saw it (an ES namespace, a `require()` result,
 * or a bundler's interop wrapper), and the loaders that stand in for `import()` and `require`.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ErrorCode, FlintError } from '../errors.js';
import type { LoaderReference, ModuleReference } from './functionSpec.js';

/** Loaded module namespaces by specifier, as `CompileContext.modules` gives them. */
export type ModuleTable = ReadonlyMap<string, unknown>;

/** The value a {@link ModuleReference} stands for. */
export function resolveModule(ref: ModuleReference, modules: ModuleTable): unknown {
  if (!modules.has(ref.specifier)) {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `A shipped function uses the module '${ref.specifier}', which this worker has not loaded. ` +
        `Declare it with sc.addModule('${ref.specifier}') so workers load it before the task runs.`,
    );
  }
  let value = shape(modules.get(ref.specifier), ref.interop);
  for (const key of ref.path) {
    value = (value as Record<string, unknown> | null | undefined)?.[key];
  }
  return value;
}

/** The function a {@link LoaderReference} stands for. */
export function createLoader(ref: LoaderReference, modules: ModuleTable): unknown {
  const loaded = (specifier: string): string => {
    const alias = Object.hasOwn(ref.aliases, specifier) ? ref.aliases[specifier] : undefined;
    return alias ?? specifier;
  };
  if (ref.loader === 'import') {
    return (specifier: string, options?: ImportCallOptions): Promise<unknown> => {
      const name = loaded(specifier);
      return modules.has(name) ? Promise.resolve(modules.get(name)) : import(name, options);
    };
  }
  // Specifiers nobody declared resolve from the worker's working directory, as a script there would.
  const fallback = createRequire(join(process.cwd(), 'index.js'));
  return (specifier: string): unknown => {
    const name = loaded(specifier);
    return modules.has(name) ? requireValue(modules.get(name)) : fallback(name);
  };
}

function shape(namespace: unknown, interop: ModuleReference['interop']): unknown {
  switch (interop) {
    case 'namespace':
      return namespace;
    case 'require':
      return requireValue(namespace);
    case 'toESM':
      return toESM(requireValue(namespace));
    case 'importDefault': {
      const value = requireValue(namespace);
      return isEsModule(value) ? value : { default: value };
    }
    default:
      interop satisfies never;
      throw new FlintError(ErrorCode.PROTOCOL, `Unknown module interop ${String(interop)}.`);
  }
}

/** What `require(specifier)` returns, given what `import(specifier)` returned. */
function requireValue(namespace: unknown): unknown {
  if (namespace === null || typeof namespace !== 'object') return namespace;
  // A CommonJS module's namespace carries `module.exports` as its default export.
  return 'default' in namespace ? namespace.default : namespace;
}

/** esbuild's `__toESM`: a CommonJS value seen as an ES namespace whose default is the value. */
function toESM(value: unknown): unknown {
  if (isEsModule(value)) return value;
  const copy: Record<string, unknown> = {};
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    for (const key of Object.keys(value)) copy[key] = (value as Record<string, unknown>)[key];
  }
  copy.default = value;
  return copy;
}

function isEsModule(value: unknown): boolean {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    (value as { __esModule?: unknown }).__esModule === true
  );
}
