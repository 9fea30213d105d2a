/**
 * Reads a function's source text (`Function.prototype.toString`): what form it has (an
 * expression, a method, a class, native code), whether it must run as sloppy code, which names
 * it uses from its surroundings, and the source to ship, with dynamic `import(` rewritten to the
 * worker's loader so declared modules resolve the same way as static ones.
 *
 * Invariant: a function is parsed inside exactly the wrapper the worker compiles it in, so what
 * parses here compiles there. Results are cached by source text: the same text always analyses
 * the same way.
 */
import { type ArrowFunctionExpression, type FunctionExpression, type Program, parse } from 'acorn';
import { analyzeProgram, type FreeVariableUse } from './scopeAnalysis.js';

/** The name the worker's `import()` stand-in has in shipped source. */
export const IMPORT_LOADER_NAME = '__flint_import__';

/** What a function's source says about it. */
export type FunctionSource =
  | { readonly form: 'native' }
  | { readonly form: 'class' }
  | { readonly form: 'invalid'; readonly message: string }
  | ShippableSource;

/** A function whose source can be shipped and compiled on a worker. */
export interface ShippableSource {
  readonly form: 'expression' | 'method';
  /** The source to ship: the original text, with dynamic `import(` calls rewritten. */
  readonly source: string;
  /** The body starts with a `'use strict'` directive. */
  readonly hasStrictDirective: boolean;
  /** The text does not parse as strict code, so it was sloppy on the driver. */
  readonly requiresSloppy: boolean;
  /** Names the function uses without declaring them. */
  readonly freeVariables: ReadonlyMap<string, FreeVariableUse>;
  /** Literal specifiers of its `import()`, `require()` and vite dynamic-import calls. */
  readonly loadedSpecifiers: readonly string[];
  readonly usesDynamicImport: boolean;
  readonly usesImportMeta: boolean;
  /** An arrow function reads the `this` of the code around it. */
  readonly usesOuterThis: boolean;
}

const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;
const CLASS = /^class\b/;
const STRICT_PREFIX = "'use strict';";
const WRAPPERS = {
  expression: ['(\n', '\n)'],
  method: ['({\n', '\n})'],
} as const;
const CACHE_LIMIT = 2000;
const cache = new Map<string, FunctionSource>();

/** Analyses `text`, a function's source as `Function.prototype.toString` gives it. */
export function readFunctionSource(text: string): FunctionSource {
  let result = cache.get(text);
  if (result === undefined) {
    result = analyze(text);
    // A plain bound is enough: the same few functions are captured over and over.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, result);
  }
  return result;
}

function analyze(text: string): FunctionSource {
  if (NATIVE_CODE.test(text)) return { form: 'native' };
  if (CLASS.test(text)) return { form: 'class' };
  let firstError: unknown;
  for (const strict of [true, false]) {
    for (const form of ['expression', 'method'] as const) {
      const [open, close] = WRAPPERS[form];
      const prefix = (strict ? STRICT_PREFIX : '') + open;
      let program: Program;
      try {
        // Strict attempts parse as a module, which also accepts import.meta (reported later).
        program = parse(prefix + text + close, {
          ecmaVersion: 'latest',
          sourceType: strict ? 'module' : 'script',
        });
      } catch (error) {
        firstError ??= error;
        continue;
      }
      const fn = functionNodeOf(program, form);
      if (fn === undefined) continue;
      return describe(text, program, fn, form, prefix.length, !strict);
    }
  }
  return { form: 'invalid', message: (firstError as Error).message };
}

/** The function node in a parsed wrapper, or undefined when the wrapper holds something else. */
function functionNodeOf(program: Program, form: 'expression' | 'method'): FunctionLike | undefined {
  const statement = program.body[program.body.length - 1];
  if (statement?.type !== 'ExpressionStatement') return undefined;
  const expression = statement.expression;
  if (form === 'expression') {
    return expression.type === 'FunctionExpression' || expression.type === 'ArrowFunctionExpression'
      ? expression
      : undefined;
  }
  if (expression.type !== 'ObjectExpression' || expression.properties.length !== 1) {
    return undefined;
  }
  const property = expression.properties[0];
  return property?.type === 'Property' && property.value.type === 'FunctionExpression'
    ? property.value
    : undefined;
}

type FunctionLike = FunctionExpression | ArrowFunctionExpression;

function describe(
  text: string,
  program: Program,
  fn: FunctionLike,
  form: 'expression' | 'method',
  offset: number,
  requiresSloppy: boolean,
): ShippableSource {
  const analysis = analyzeProgram(program, { collectReferences: true });
  let source = text;
  // Rewrite from the last import( to the first so earlier offsets stay valid.
  const imports = [...analysis.dynamicImports].sort((a, b) => b.keywordStart - a.keywordStart);
  for (const dynamicImport of imports) {
    const start = dynamicImport.keywordStart - offset;
    source = source.slice(0, start) + IMPORT_LOADER_NAME + source.slice(start + 'import'.length);
  }
  const loadedSpecifiers = [
    ...analysis.dynamicImports.flatMap((item) => (item.specifier === null ? [] : [item.specifier])),
    ...analysis.requiredSpecifiers,
  ];
  return {
    form,
    source,
    hasStrictDirective: bodyHasStrictDirective(fn),
    requiresSloppy,
    freeVariables: analysis.freeVariables,
    loadedSpecifiers: [...new Set(loadedSpecifiers)],
    usesDynamicImport: analysis.dynamicImports.length > 0,
    usesImportMeta: analysis.usesImportMeta,
    usesOuterThis: analysis.usesOuterThis,
  };
}

function bodyHasStrictDirective(fn: FunctionLike): boolean {
  if (fn.body.type !== 'BlockStatement') return false;
  for (const statement of fn.body.body) {
    if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) return false;
    if (statement.directive === 'use strict') return true;
  }
  return false;
}
