/**
 * Where a module comes from, and so how a value imported from it travels: Node.js built-ins,
 * modules declared with `sc.addModule(specifier)` and packages that resolve from the importing
 * module's directory are loaded by the workers themselves (the value travels as a module
 * reference, with the directory the workers resolve it from); the project's own files are copied
 * by value (functions by source); anything else must be installed or declared first.
 *
 * Specifiers are read as the running code writes them: `lodash`, `./util.js`, `node:fs`, and
 * vite's ids, `/src/util.ts` for a project file and `/@fs/.../node_modules/lodash/lodash.js`
 * for a dependency; the workers import such a resolved dependency from the very same file,
 * unless its package was declared.
 */
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How a module's values travel. */
export type ModuleOrigin =
  /** Loaded by every worker under `specifier`, resolved from the directory `from`. */
  | { readonly kind: 'loadable'; readonly specifier: string; readonly from?: string }
  /** A file of the project: its values are captured by value. */
  | { readonly kind: 'project' }
  /**
   * A package the workers would not find: not declared, and not found from `searched` (the
   * importing module's directory) when that is known.
   */
  | { readonly kind: 'undeclared'; readonly packageName: string; readonly searched?: string };

/** Declared specifiers, each with the directory (a `file:` URL) of the code that declared it. */
export type DeclaredModules = ReadonlyMap<string, string | undefined>;

const BUILTINS = new Set(builtinModules);
const NODE_MODULES = '/node_modules/';

/**
 * Classifies `specifier` against the specifiers declared with `sc.addModule`. A declared module
 * resolves from the importing module's directory (`importer()`, a `file:` URL), as Node.js
 * resolved it on the driver, else from where it was declared; an undeclared package is loadable
 * when it resolves from the importing module's directory.
 */
export function moduleOrigin(
  specifier: string,
  declared: DeclaredModules,
  importer: () => string | undefined = () => undefined,
): ModuleOrigin {
  if (isBuiltin(specifier)) return { kind: 'loadable', specifier };
  if (declared.has(specifier)) return loadable(specifier, importer() ?? declared.get(specifier));
  const path = specifier.startsWith('file://')
    ? decodeURIComponent(new URL(specifier).pathname)
    : specifier;
  const packageIndex = path.lastIndexOf(NODE_MODULES);
  if (packageIndex !== -1) {
    // A resolved file inside a dependency: find what the user declared for that package.
    const packagePath = path.slice(packageIndex + NODE_MODULES.length);
    const packageName = packageNameOf(packagePath);
    const match = declaredForPackage(packageName, packagePath, declared);
    if (match !== undefined) return loadable(match, importer() ?? declared.get(match));
    // Not declared: the workers import the very file the driver's loader resolved.
    const file = existingFile(path, importer());
    return file === undefined
      ? { kind: 'undeclared', packageName }
      : { kind: 'loadable', specifier: pathToFileURL(file).href };
  }
  if (
    path.startsWith('.') ||
    path.startsWith('/') ||
    path.startsWith('#') ||
    /^[a-zA-Z]:[\\/]/.test(path)
  ) {
    return { kind: 'project' };
  }
  const packageName = packageNameOf(specifier);
  const from = importer();
  if (declared.has(packageName)) return loadable(specifier, from ?? declared.get(packageName));
  if (from !== undefined && resolvesFrom(specifier, from)) return loadable(specifier, from);
  return from === undefined
    ? { kind: 'undeclared', packageName }
    : { kind: 'undeclared', packageName, searched: from };
}

/** The `file:` URL of the directory of a script (a `file:` URL or an absolute path), if any. */
export function directoryOf(scriptUrl: string): string | undefined {
  if (scriptUrl.startsWith('file:')) return new URL('.', scriptUrl).href;
  if (isAbsolute(scriptUrl)) return pathToFileURL(`${dirname(scriptUrl)}/`).href;
  return undefined;
}

function loadable(specifier: string, from: string | undefined): ModuleOrigin {
  return from === undefined
    ? { kind: 'loadable', specifier }
    : { kind: 'loadable', specifier, from };
}

const files = new Map<string, string | undefined>();

/**
 * The file a resolved module path names: an absolute path, vite's `/@fs/` + absolute path, or
 * vite's path from its root (found as the nearest ancestor of the importer's directory that has
 * it), or undefined when no such file exists.
 */
function existingFile(path: string, importer: string | undefined): string | undefined {
  const key = `${path} from ${importer ?? ''}`;
  if (!files.has(key)) {
    const candidates = path.startsWith('/@fs/') ? [path.slice('/@fs'.length)] : [path];
    if (importer !== undefined && path.startsWith('/')) {
      for (let directory = fileURLToPath(importer); ; directory = dirname(directory)) {
        candidates.push(join(directory, path));
        if (dirname(directory) === directory) break;
      }
    }
    files.set(
      key,
      candidates.find((candidate) => isAbsolute(candidate) && existsSync(candidate)),
    );
  }
  return files.get(key);
}

const resolutions = new Map<string, boolean>();

/**
 * Whether a bare specifier's package is found from the directory `from` as an `import` finds it:
 * in a `node_modules` directory of `from` or of one of its ancestors (NODE_PATH does not count
 * for ES modules). Asked once per (package, directory).
 */
function resolvesFrom(specifier: string, from: string): boolean {
  const packageName = packageNameOf(specifier);
  const key = `${packageName} from ${from}`;
  let found = resolutions.get(key);
  if (found === undefined) {
    found = false;
    for (let directory = fileURLToPath(from); ; directory = dirname(directory)) {
      if (existsSync(join(directory, 'node_modules', packageName, 'package.json'))) {
        found = true;
        break;
      }
      if (dirname(directory) === directory) break;
    }
    resolutions.set(key, found);
  }
  return found;
}

/** A package's name from a bare specifier or a path below `node_modules/`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Whether a script URL is a Node.js internal or lies inside a dependency. */
export function isLibraryUrl(url: string): boolean {
  return url.startsWith('node:') || url.includes(NODE_MODULES);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier);
}

/**
 * The declared specifier that names `packagePath` (`lodash/fp.js` under node_modules): the one
 * whose subpath the file path starts with, else the bare package name if declared.
 */
function declaredForPackage(
  packageName: string,
  packagePath: string,
  declared: DeclaredModules,
): string | undefined {
  let best: string | undefined;
  for (const specifier of declared.keys()) {
    if (specifier !== packageName && !specifier.startsWith(`${packageName}/`)) continue;
    if (specifier === packageName) best ??= specifier;
    else if (
      packagePath.startsWith(specifier) &&
      (best === undefined || specifier.length > best.length)
    ) {
      best = specifier;
    }
  }
  return best;
}
