/**
 * Names that compilers and test runners put into a function's body, and how each travels.
 * esbuild (tsup, tsx) wraps nested functions in `__name(fn, "fn")` under `keepNames` and lowers
 * class fields to `__publicField`; vite and vitest rewrite imports to `__vite_ssr_import_0__.foo`
 * and `__vi_import_0__.foo`, `import()` to `__vite_ssr_dynamic_import__`, `import.meta` to
 * `__vite_ssr_import_meta__`. The helpers are shipped as Flint's own copies of the tools' code,
 * so they work the same with automatic and explicit capture; imports are resolved by capture.
 */
import { IMPORT_LOADER_NAME } from './functionSource.js';

/** A helper shipped by source; `uses` maps its own free names to other helpers or globals. */
export interface HelperSource {
  readonly source: string;
  readonly uses: Readonly<
    Record<string, { readonly helper: string } | { readonly global: readonly string[] }>
  >;
}

/** esbuild's runtime helpers that appear inside function bodies, as esbuild writes them. */
export const HELPER_SOURCES: Readonly<
  Record<string, HelperSource | { readonly global: readonly string[] }>
> = {
  __defProp: { global: ['Object', 'defineProperty'] },
  __name: {
    source: '(target, value) => __defProp(target, "name", { value, configurable: true })',
    uses: { __defProp: { helper: '__defProp' } },
  },
  __defNormalProp: {
    source:
      '(obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value',
    uses: { __defProp: { helper: '__defProp' } },
  },
  __publicField: {
    source:
      '(obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value)',
    uses: { __defNormalProp: { helper: '__defNormalProp' } },
  },
};

/** Names that stand for a module loader on the worker. */
export const LOADER_NAMES: Readonly<Record<string, 'import' | 'require'>> = {
  [IMPORT_LOADER_NAME]: 'import',
  __vite_ssr_dynamic_import__: 'import',
  require: 'require',
};

/** vite's and vitest's names for an imported module's namespace. */
export const REWRITTEN_IMPORT = /^__(?:vite_ssr_import|vi_import)_\d+__$/;

/** vite's name for `import.meta`. */
export const REWRITTEN_IMPORT_META = '__vite_ssr_import_meta__';
