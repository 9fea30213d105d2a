/**
 * Where a module comes from, and so how a value imported from it travels: Node.js built-ins and
 * modules declared with `sc.addModule(specifier)` are loaded by the workers themselves (the
 * value travels as a module reference); the project's own files are copied by value (functions
 * by source); other packages must be declared first.
 *
 * Specifiers are read as the running code writes them: `lodash`, `./util.js`, `node:fs`, and
 * vite's ids, `/src/util.ts` for a project file and `/@fs/.../node_modules/lodash/lodash.js`
 * for a dependency.
 */
import { builtinModules } from 'node:module';

/** How a module's values travel. */
export type ModuleOrigin =
  /** Loaded by every worker under `specifier`. */
  | { readonly kind: 'loadable'; readonly specifier: string }
  /** A file of the project: its values are captured by value. */
  | { readonly kind: 'project' }
  /** A package the workers do not load: the user must declare `packageName`. */
  | { readonly kind: 'undeclared'; readonly packageName: string };

const BUILTINS = new Set(builtinModules);
const NODE_MODULES = '/node_modules/';

/** Classifies `specifier` against the specifiers declared with `sc.addModule`. */
export function moduleOrigin(specifier: string, declared: ReadonlySet<string>): ModuleOrigin {
  if (declared.has(specifier) || isBuiltin(specifier)) return { kind: 'loadable', specifier };
  const path = specifier.startsWith('file://')
    ? decodeURIComponent(new URL(specifier).pathname)
    : specifier;
  const packageIndex = path.lastIndexOf(NODE_MODULES);
  if (packageIndex !== -1) {
    // A resolved file inside a dependency: find what the user declared for that package.
    const packagePath = path.slice(packageIndex + NODE_MODULES.length);
    const packageName = packageNameOf(packagePath);
    const match = declaredForPackage(packageName, packagePath, declared);
    return match === undefined
      ? { kind: 'undeclared', packageName }
      : { kind: 'loadable', specifier: match };
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
  return declared.has(packageName)
    ? { kind: 'loadable', specifier }
    : { kind: 'undeclared', packageName };
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
  declared: ReadonlySet<string>,
): string | undefined {
  let best: string | undefined;
  for (const specifier of declared) {
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
