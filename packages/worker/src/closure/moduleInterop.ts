/**
 * How a worker hands a shipped function the modules it uses: the namespace the worker loaded for
 * a specifier, reshaped the way the driver's code saw it (an ES namespace, a `require()` result,
 * or a bundler's interop wrapper), and the loaders that stand in for `import()` and `require`.
 */
import { ErrorCode, FlintError } from '../errors.js';
import type { LoaderReference, ModuleReference } from './functionSpec.js';
import { importModule, moduleKey, requireFrom } from './moduleLoader.js';

/** Loaded module namespaces by {@link moduleKey}, as `CompileContext.modules` gives them. */
export type ModuleTable = ReadonlyMap<string, unknown>;

/** The value a {@link ModuleReference} stands for. */
export function resolveModule(ref: ModuleReference, modules: ModuleTable): unknown {
  const key = moduleKey(ref.specifier, ref.from);
  if (!modules.has(key)) {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `A shipped function uses the module '${ref.specifier}', which was not loaded before it was ` +
        'compiled. Load what requiredModules(spec) lists (a ModuleLoader does) and pass the ' +
        'namespaces as CompileContext.modules.',
    );
  }
  let value = shape(modules.get(key), ref.interop);
  for (const key of ref.path) {
    value = (value as Record<string, unknown> | null | undefined)?.[key];
  }
  return value;
}

/** The function a {@link LoaderReference} stands for. */
export function createLoader(ref: LoaderReference, modules: ModuleTable): unknown {
  const loaded = (specifier: string): string => {
    const alias = Object.hasOwn(ref.aliases, specifier) ? ref.aliases[specifier] : undefined;
    return moduleKey(alias ?? specifier, ref.from);
  };
  // Specifiers not loaded beforehand (computed ones) resolve from the application's directory,
  // as the driver's code did.
  if (ref.loader === 'import') {
    return (specifier: string, options?: ImportCallOptions): Promise<unknown> => {
      const key = loaded(specifier);
      return modules.has(key)
        ? Promise.resolve(modules.get(key))
        : importModule(String(specifier), ref.from, options);
    };
  }
  let fallback: ((specifier: string) => unknown) | undefined;
  return (specifier: string): unknown => {
    const key = loaded(specifier);
    if (modules.has(key)) return requireValue(modules.get(key));
    fallback ??= requireFrom(ref.from);
    return fallback(specifier);
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
