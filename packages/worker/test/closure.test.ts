import { deserialize, serialize } from 'node:v8';
import { describe, expect, test } from 'vitest';
import {
  type CompileContext,
  compileFunction,
  FUNCTION_SPEC_VERSION,
  type FunctionReference,
  type FunctionSpec,
  type Reference,
  requiredModules,
} from '../src/closure/index.js';
import { ErrorCode } from '../src/errors.js';

/** A spec as the driver would build it: every reference listed, containers to patch named. */
function spec(root: Reference, references: Reference[], patches: object[] = []): FunctionSpec {
  return { version: FUNCTION_SPEC_VERSION, root, references, patches };
}

function fn(
  source: string,
  captured: Record<string, unknown> = {},
  extra: Partial<Omit<FunctionReference, 'names' | 'values'>> = {},
): FunctionReference & { names: string[]; values: unknown[] } {
  return {
    kind: 'function',
    source,
    form: 'expression',
    strict: true,
    names: Object.keys(captured),
    values: Object.values(captured),
    imports: [],
    ...extra,
  };
}

/** Compiles after a trip through v8's serializer, as a spec travels to a worker. */
function compile<F>(value: FunctionSpec, context?: CompileContext): F {
  return compileFunction(deserialize(serialize(value)) as FunctionSpec, context) as F;
}

describe('compileFunction', () => {
  test('binds captured names and keeps the function callable', () => {
    const root = fn('(x) => x * k + offset', { k: 3, offset: 1 });
    expect(compile<(x: number) => number>(spec(root, [root]))(2)).toBe(7);
  });

  test('mutually recursive functions see each other', () => {
    const isEven = fn('function isEven(n) { return n === 0 ? true : isOdd(n - 1); }');
    const isOdd = fn('function isOdd(n) { return n === 0 ? false : isEven(n - 1); }');
    isEven.names.push('isOdd');
    isEven.values.push(isOdd);
    isOdd.names.push('isEven');
    isOdd.values.push(isEven);
    const compiled = compile<(n: number) => boolean>(spec(isEven, [isEven, isOdd]));
    expect([compiled(10), compiled(7)]).toEqual([true, false]);
  });

  test('replaces placeholders in objects, arrays, Map keys and values, and Set members', () => {
    const helper = fn('(x) => x + 1');
    const table = { inc: helper as unknown, list: [helper as unknown] };
    const byFunction = new Map<unknown, unknown>([
      [helper, 'key'],
      ['value', helper],
    ]);
    const members = new Set<unknown>([helper]);
    const root = fn(
      '() => [table.inc(1), table.list[0](2), [...byFunction.keys()][0](3), byFunction.get("value")(4), [...members][0](5), table.list[0] === table.inc]',
      { table, byFunction, members },
    );
    const compiled = compile<() => unknown[]>(
      spec(root, [root, helper], [table, table.list, byFunction, members]),
    );
    expect(compiled()).toEqual([2, 3, 4, 5, 6, true]);
  });

  test('keeps shared references and cycles of captured data', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared };
    cyclic.self = cyclic;
    const root = fn('() => [cyclic.self === cyclic, cyclic.shared === shared]', { cyclic, shared });
    expect(compile<() => boolean[]>(spec(root, [root]))()).toEqual([true, true]);
  });

  test('rebuilds methods, getters and generator methods from their shorthand source', () => {
    const method = fn('double(x) { return x * 2; }', {}, { form: 'method' });
    const generator = fn(
      '*pairs(n) { for (let i = 0; i < n; i++) yield [i, i * i]; }',
      {},
      { form: 'method' },
    );
    const computed = fn(
      '[Symbol.iterator]() { return [1, 2][Symbol.iterator](); }',
      {},
      { form: 'method' },
    );
    const getter = fn('get answer() { return 42; }', {}, { form: 'method' });
    expect(compile<(x: number) => number>(spec(method, [method]))(4)).toBe(8);
    expect([
      ...compile<(n: number) => Iterable<number[]>>(spec(generator, [generator]))(3),
    ]).toEqual([
      [0, 0],
      [1, 1],
      [2, 4],
    ]);
    expect([
      ...(compile<() => Iterable<number>>(spec(computed, [computed]))() as Iterable<number>),
    ]).toEqual([1, 2]);
    expect(compile<() => number>(spec(getter, [getter]))()).toBe(42);
  });

  test('compiles strict and sloppy functions as they were', () => {
    const strict = fn('function () { return this; }');
    const sloppy = fn('function () { return this; }', {}, { strict: false });
    expect(compile<() => unknown>(spec(strict, [strict]))()).toBeUndefined();
    expect(compile<() => unknown>(spec(sloppy, [sloppy]))()).toBe(globalThis);
  });

  test('resolves globals, symbols and bound functions', () => {
    const stringify = { kind: 'global', path: ['JSON', 'stringify'] } as const;
    const iterator = { kind: 'symbol', registry: 'wellKnown', key: 'iterator' } as const;
    const registered = { kind: 'symbol', registry: 'for', key: 'app.tag' } as const;
    const add = fn('function (a, b) { return this.base + a + b; }');
    const bound = { kind: 'bound', target: add, thisArg: { base: 100 }, args: [1] } as const;
    const root = fn(
      '(x) => [stringify(x), typeof [][iterator], registered === Symbol.for("app.tag"), bound(2)]',
      {
        stringify,
        iterator,
        registered,
        bound,
      },
    );
    const compiled = compile<(x: unknown) => unknown[]>(
      spec(root, [root, stringify, iterator, registered, add, bound]),
    );
    expect(compiled({ a: 1 })).toEqual(['{"a":1}', 'function', true, 103]);
  });

  test('a global root, such as String, compiles to the global', () => {
    const root = { kind: 'global', path: ['String'] } as const;
    expect(compile(spec(root, [root]))).toBe(String);
  });

  test('hands shared variables to the context', () => {
    const broadcast = { kind: 'sharedVariable', variable: { kind: 'broadcast', id: 7 } } as const;
    const root = fn('(x) => x + bc.value', { bc: broadcast });
    const compiled = compile<(x: number) => number>(spec(root, [root, broadcast]), {
      sharedVariable: (ref) => ({ value: ref.id * 10 }),
    });
    expect(compiled(1)).toBe(71);
    expect(() => compile(spec(root, [root, broadcast]))).toThrow(
      expect.objectContaining({ code: ErrorCode.CAPTURE }),
    );
  });

  test('reads modules from the context, shaped as the driver saw them', async () => {
    const path = await import('node:path');
    const modules = new Map<string, unknown>([
      ['node:path', path],
      ['cjs', { default: { twice: (x: number) => x * 2 } }],
    ]);
    const namespace = {
      kind: 'module',
      specifier: 'node:path',
      interop: 'namespace',
      path: [],
    } as const;
    const named = {
      kind: 'module',
      specifier: 'node:path',
      interop: 'namespace',
      path: ['basename'],
    } as const;
    const required = { kind: 'module', specifier: 'cjs', interop: 'require', path: [] } as const;
    const toESM = { kind: 'module', specifier: 'cjs', interop: 'toESM', path: [] } as const;
    const defaulted = {
      kind: 'module',
      specifier: 'cjs',
      interop: 'importDefault',
      path: ['default'],
    } as const;
    const root = fn(
      '() => [ns.sep, basename("/a/b"), cjs.twice(2), esm.twice(3), esm.default.twice(4), dflt.twice(5)]',
      {
        ns: namespace,
        basename: named,
        cjs: required,
        esm: toESM,
        dflt: defaulted,
      },
    );
    const value = spec(root, [root, namespace, named, required, toESM, defaulted]);
    expect(requiredModules(value)).toEqual([{ specifier: 'node:path' }, { specifier: 'cjs' }]);
    expect(compile<() => unknown[]>(value, { modules })()).toEqual(['/', 'b', 4, 6, 8, 10]);
    expect(() => compile(value)).toThrow(
      /'node:path', which was not loaded before it was compiled/,
    );
  });

  test('gives import() and require() the context modules first', async () => {
    const loader = { kind: 'loader', loader: 'import', aliases: {} } as const;
    const requireLoader = {
      kind: 'loader',
      loader: 'require',
      aliases: { path: 'node:path' },
    } as const;
    const fake = { answer: 42 };
    const root = fn(
      'async () => [(await __flint_import__("fake")).answer, (await __flint_import__("node:os")).EOL, require("path").sep]',
      { __flint_import__: loader, require: requireLoader },
      { imports: ['fake'] },
    );
    const value = spec(root, [root, loader, requireLoader]);
    expect(requiredModules(value)).toEqual([{ specifier: 'fake' }]);
    const compiled = compile<() => Promise<unknown[]>>(value, {
      modules: new Map([['fake', fake]]),
    });
    expect(await compiled()).toEqual([42, (await import('node:os')).EOL, '/']);
  });

  test('reports source that does not compile, and specs of another version', () => {
    const broken = fn('(x) => x +');
    expect(() => compile(spec(broken, [broken]))).toThrow(
      expect.objectContaining({ code: ErrorCode.CAPTURE }),
    );
    const root = fn('() => 1');
    expect(() => compileFunction({ ...spec(root, [root]), version: 99 })).toThrow(
      expect.objectContaining({ code: ErrorCode.PROTOCOL }),
    );
    const badName = fn('() => 1', { 'a;b': 1 });
    expect(() => compile(spec(badName, [badName]))).toThrow(
      expect.objectContaining({ code: ErrorCode.PROTOCOL }),
    );
  });

  test('a captured name never shadows the setter that assigns it', () => {
    const root = fn('() => [values, index, name]', { values: 'v', index: 'i', name: 'n' });
    expect(compile<() => string[]>(spec(root, [root]))()).toEqual(['v', 'i', 'n']);
  });
});
