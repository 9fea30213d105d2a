import { parse } from 'acorn';
import { describe, expect, test } from 'vitest';
import { IMPORT_LOADER_NAME, readFunctionSource } from '../src/capture/functionSource.js';
import { analyzeProgram, findFunctionScope, lookup } from '../src/capture/scopeAnalysis.js';

/** The free names of a function's source text, sorted. */
function freeNames(text: string): string[] {
  const source = readFunctionSource(text);
  if (source.form !== 'expression' && source.form !== 'method') {
    throw new Error(`not shippable: ${source.form}`);
  }
  return [...source.freeVariables.keys()].sort();
}

describe('free variables', () => {
  test.each([
    ['(x) => x * k', ['k']],
    ['(k) => k', []],
    ['(x = k, { a, b: [c] } = o, ...rest) => x + a + c + rest.length', ['k', 'o']],
    ['function f(n) { return n ? f(n - 1) : k; }', ['k']],
    ['() => { return g(); function g() { return k; } }', ['k']],
    ['() => { try { risky(); } catch (error) { return error; } }', ['risky']],
    ['() => { for (const [i, v] of list.entries()) use(i, v); }', ['list', 'use']],
    ['() => { outer: for (;;) { break outer; } }', []],
    ['() => ({ k, [key]: 1, nested: { deep } })', ['deep', 'k', 'key']],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test is a template literal
    ['() => `${a}-${b.c}`', ['a', 'b']],
    ['() => a?.b?.[c]', ['a', 'c']],
    ['() => { class Local { m() { return k; } static s = t; } return Local; }', ['k', 't']],
    ['() => { let x; ({ x, y: z.w } = source); }', ['source', 'z']],
    ['async () => { for await (const x of stream) await x; }', ['stream']],
    ['() => typeof maybe === "undefined"', ['maybe']],
    ['function () { return arguments.length + this.n; }', []],
    ['() => arguments[0]', ['arguments']],
    ['m(x) { return x * k; }', ['k']],
    ['get size() { return items.length; }', ['items']],
    ['async *[Symbol.iterator]() { yield* source; }', ['Symbol', 'source']],
  ])('%s uses %j', (text, expected) => {
    expect(freeNames(text)).toEqual(expected);
  });

  test('member reads, typeof tests and whole uses are told apart', () => {
    const source = readFunctionSource('() => [ns.a, ns["b"], typeof g, h, h.c]');
    if (source.form !== 'expression') throw new Error(source.form);
    const { freeVariables } = source;
    expect(freeVariables.get('ns')).toEqual({
      members: new Set(['a', 'b']),
      isWholeValueUsed: false,
      isTypeofOnly: false,
    });
    expect(freeVariables.get('g')?.isTypeofOnly).toBe(true);
    expect(freeVariables.get('h')).toMatchObject({
      isWholeValueUsed: true,
      members: new Set(['c']),
    });
  });
});

describe('function forms', () => {
  test.each([
    ['(x) => x', 'expression'],
    ['async function named() {}', 'expression'],
    ['function* () {}', 'expression'],
    ['double(x) { return x * 2; }', 'method'],
    ['async later() {}', 'method'],
    ['*pairs() {}', 'method'],
    ['set value(v) {}', 'method'],
    ['[key]() {}', 'method'],
    ['class Point {}', 'class'],
    ['function max() { [native code] }', 'native'],
    ['m() { return this.#secret; }', 'invalid'],
  ])('%s is %s', (text, form) => {
    expect(readFunctionSource(text).form).toBe(form);
  });

  test('strictness: a directive, and syntax only sloppy code allows', () => {
    expect(readFunctionSource("function () { 'use strict'; return 1; }")).toMatchObject({
      hasStrictDirective: true,
      requiresSloppy: false,
    });
    expect(readFunctionSource('function () { with (o) return x; }')).toMatchObject({
      hasStrictDirective: false,
      requiresSloppy: true,
    });
    expect(readFunctionSource('() => 010')).toMatchObject({ requiresSloppy: true });
  });

  test('import() is rewritten to the worker’s loader, and literal specifiers are listed', () => {
    const source = readFunctionSource(
      "async () => [await import('node:os'), await import(name), require('node:fs')]",
    );
    expect(source).toMatchObject({
      source: `async () => [await ${IMPORT_LOADER_NAME}('node:os'), await ${IMPORT_LOADER_NAME}(name), require('node:fs')]`,
      usesDynamicImport: true,
      loadedSpecifiers: ['node:os', 'node:fs'],
    });
  });

  test.each([
    ['(x) => x * this.factor', true],
    ['() => () => this', true],
    ['function () { return () => this; }', false],
    ['m() { return this.k; }', false],
    ['() => class { f = this; }', false],
  ])('%s uses the outer this: %s', (text, expected) => {
    expect(readFunctionSource(text)).toMatchObject({ usesOuterThis: expected });
  });

  test('import.meta is noticed', () => {
    expect(readFunctionSource('() => import.meta.url')).toMatchObject({ usesImportMeta: true });
  });
});

describe('declarations of a script', () => {
  const script = [
    "import def, { named as alias } from 'pkg';",
    "import * as ns from './local.js';",
    "const cjs = require('cjs');",
    "var wrapped = __toESM(require('wrapped'));",
    "const __vite_ssr_import_0__ = await __vite_ssr_import__('/src/util.ts');",
    'let counter = 0;',
    'const k = 1;',
    'function outer(k) { return (x) => x + k + counter; }',
  ].join('\n');
  const analysis = analyzeProgram(
    parse(script, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true }),
    { collectReferences: false },
  );

  test('imports, require() and vite’s imports are module loads', () => {
    const scope = analysis.programScope;
    expect(lookup(scope, 'def')?.moduleLoad).toEqual({
      specifier: 'pkg',
      imported: 'default',
      interop: 'namespace',
    });
    expect(lookup(scope, 'alias')?.moduleLoad).toEqual({
      specifier: 'pkg',
      imported: 'named',
      interop: 'namespace',
    });
    expect(lookup(scope, 'ns')?.moduleLoad).toEqual({
      specifier: './local.js',
      imported: null,
      interop: 'namespace',
    });
    expect(lookup(scope, 'cjs')?.moduleLoad).toEqual({
      specifier: 'cjs',
      imported: null,
      interop: 'require',
    });
    expect(lookup(scope, 'wrapped')?.moduleLoad).toEqual({
      specifier: 'wrapped',
      imported: null,
      interop: 'toESM',
    });
    expect(lookup(scope, '__vite_ssr_import_0__')?.moduleLoad).toEqual({
      specifier: '/src/util.ts',
      imported: null,
      interop: 'namespace',
    });
  });

  test('a function’s names resolve from its own position, shadowing included', () => {
    const text = '(x) => x + k + counter';
    const scope = findFunctionScope(analysis, script.indexOf(text), text.length);
    expect(scope?.strict).toBe(true);
    expect(scope && lookup(scope, 'k')?.kind).toBe('param');
    expect(scope && lookup(scope, 'counter')?.kind).toBe('let');
    expect(lookup(analysis.programScope, 'k')?.kind).toBe('const');
  });
});
