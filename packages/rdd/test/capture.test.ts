import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { compileFunction, ErrorCode, type FunctionSpec } from '@flint/worker';
import { describe, expect, test } from 'vitest';
import { captureFunction } from '../src/capture/index.js';
import { capture, overTheWire, roundTrip, SITE } from './fixtures/capture/roundTrip.js';

const moduleConstant = 7;
let moduleCounter = 1;
const moduleConfig = { scale: 2, tags: ['a', 'b'] };

function isEven(n: number): boolean {
  return n === 0 ? true : isOdd(n - 1);
}
function isOdd(n: number): boolean {
  return n === 0 ? false : isEven(n - 1);
}

/** The FlintError `fn` throws, for assertions on code and message. */
function captureFailure(fn: () => unknown): { code?: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected a capture error');
}

describe('primitives', () => {
  test('module constants, closure variables and parameters of an enclosing function', () => {
    const make = (offset: number) => {
      const local = 100;
      return (x: number) => x * moduleConstant + local + offset;
    };
    expect(roundTrip(make(5))(1)).toBe(112);
  });

  test('a let changed between two captures: each capture keeps the value it saw', () => {
    const read = (x: number) => x + moduleCounter;
    const first = roundTrip(read);
    moduleCounter = 10;
    const second = roundTrip(read);
    expect([first(0), second(0)]).toEqual([1, 10]);
  });

  test('every primitive kind, including bigint, -0, NaN and undefined', () => {
    const values = { big: 2n ** 70n, negativeZero: -0, notANumber: Number.NaN, nothing: undefined };
    const { big, negativeZero, notANumber, nothing } = values;
    const infinite = Number.POSITIVE_INFINITY;
    const empty = null;
    const read = () => [big, Object.is(negativeZero, -0), notANumber, nothing, infinite, empty];
    expect(roundTrip(read)()).toEqual([2n ** 70n, true, Number.NaN, undefined, Infinity, null]);
  });

  test('symbols that every process shares travel; unique ones do not', () => {
    const tag = Symbol.for('app.tag');
    const iterator = Symbol.iterator;
    expect(
      roundTrip(() => [tag === Symbol.for('app.tag'), iterator === Symbol.iterator])(),
    ).toEqual([true, true]);
    const secret = Symbol('secret');
    const error = captureFailure(() => capture(() => secret));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toContain('`secret`');
    expect(error.message).toContain('Symbol.for(key)');
  });
});

describe('data', () => {
  test('objects and arrays, with shared references and cycles intact', () => {
    const shared = { n: 1 };
    const list: unknown[] = [shared, shared];
    const node: Record<string, unknown> = { shared, list };
    node.self = node;
    list.push(node);
    const check = () => [
      list[0] === list[1],
      node.shared === shared,
      node.self === node,
      list[2] === node,
      shared.n,
    ];
    expect(roundTrip(check)()).toEqual([true, true, true, true, 1]);
  });

  test('Map, Set, Date, RegExp, typed arrays, ArrayBuffer, DataView and Buffer', () => {
    const map = new Map<unknown, unknown>([
      ['a', 1],
      [2, { b: true }],
    ]);
    const set = new Set([1, 'two', 3n]);
    const date = new Date('2024-01-02T03:04:05Z');
    const pattern = /fl(i)nt/gi;
    pattern.lastIndex = 3;
    const floats = new Float64Array([1.5, 2.5]);
    const big = new BigInt64Array([5n]);
    const buffer = new Uint8Array([9, 8, 7]).buffer;
    const view = new DataView(new ArrayBuffer(4));
    view.setInt16(0, -2);
    const bytes = Buffer.from('hey');
    const read = () => [
      map.get('a'),
      map.get(2),
      [...set],
      date.toISOString(),
      pattern.source,
      pattern.flags,
      [...floats],
      big[0],
      new Uint8Array(buffer)[1],
      view.getInt16(0),
      bytes.toString('utf8'),
      Buffer.isBuffer(bytes),
    ];
    expect(roundTrip(read)()).toEqual([
      1,
      { b: true },
      [1, 'two', 3n],
      '2024-01-02T03:04:05.000Z',
      'fl(i)nt',
      'gi',
      [1.5, 2.5],
      5n,
      8,
      -2,
      'hey',
      true,
    ]);
  });

  test('captured data is a copy taken at capture time', () => {
    const state = { items: [1, 2] };
    const spec = overTheWire(capture(() => state.items.length));
    state.items.push(3);
    expect(
      captureFunction(() => state.items.length, { mode: 'auto', argumentName: SITE }),
    ).not.toBe(spec);
    const fn = roundTrip(() => state.items.length);
    state.items.push(4);
    expect(fn()).toBe(3);
  });

  test('objects without a prototype and keys that look like __proto__', () => {
    const dictionary = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    const tricky = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const read = () => [
      dictionary.a,
      Object.keys(tricky),
      ({} as Record<string, unknown>).polluted,
    ];
    expect(roundTrip(read)()).toEqual([1, ['__proto__'], undefined]);
  });
});

describe('functions', () => {
  test('helper functions travel with their own captures', () => {
    const base = 10;
    const addBase = (x: number) => x + base;
    const twiceThenAdd = (x: number) => addBase(x * moduleConfig.scale);
    expect(roundTrip((x: number) => twiceThenAdd(x) + 1)(3)).toBe(17);
  });

  test('mutually recursive helpers, at module level and in a closure', () => {
    expect(roundTrip((n: number) => isEven(n))(10)).toBe(true);
    function ping(n: number): number {
      return n <= 0 ? 0 : 1 + pong(n - 1);
    }
    function pong(n: number): number {
      return n <= 0 ? 0 : 10 + ping(n - 1);
    }
    expect(roundTrip(ping)(3)).toBe(12);
  });

  test('functions inside captured objects, which may use this and each other', () => {
    const ops = {
      factor: 3,
      scale(x: number) {
        return x * this.factor;
      },
      both: (x: number) => ops.scale(x) + 1,
    };
    const table = new Map([['inc', (x: number) => x + 1]]);
    const fn = (x: number) => [ops.scale(x), ops.both(x), table.get('inc')?.(x)];
    expect(roundTrip(fn)(2)).toEqual([6, 7, 3]);
  });

  test('the same function reached twice is one function on the worker', () => {
    const helper = (x: number) => x;
    const holder = { helper, again: helper };
    expect(roundTrip(() => holder.helper === holder.again && holder.helper === helper)()).toBe(
      true,
    );
  });

  test('method shorthand, getters, async, generator and async generator functions', async () => {
    const obj = {
      factor: 2,
      double(x: number) {
        return x * 2;
      },
      async later(x: number) {
        return x + 1;
      },
      *pairs(n: number) {
        for (let i = 0; i < n; i++) yield [i, i * i];
      },
      get answer() {
        return 42;
      },
    };
    expect(roundTrip(obj.double)(4)).toBe(8);
    expect(await roundTrip(obj.later)(1)).toBe(2);
    expect([...roundTrip(obj.pairs)(2)]).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const getter = Object.getOwnPropertyDescriptor(obj, 'answer')?.get;
    expect(roundTrip(getter)?.()).toBe(42);
    const asyncGen = async function* (n: number) {
      for (let i = 0; i < n; i++) yield i * moduleConstant;
    };
    const collected: number[] = [];
    for await (const x of roundTrip(asyncGen)(3)) collected.push(x);
    expect(collected).toEqual([0, 7, 14]);
  });

  test('native global functions travel by name', () => {
    expect(roundTrip(String)(5)).toBe('5');
    expect(roundTrip(Number)('6')).toBe(6);
    expect(roundTrip(Boolean)(0)).toBe(false);
    expect(roundTrip(Math.sqrt)(9)).toBe(3);
    expect(roundTrip(JSON.stringify)({ a: 1 })).toBe('{"a":1}');
    const toUpper = String.prototype.toUpperCase;
    const parse = Number.parseInt;
    expect(roundTrip((s: string) => [toUpper.call(s), parse(s, 16)])('ff')).toEqual(['FF', 255]);
  });

  test('bound functions travel with their target, this and arguments', () => {
    const scaler = { by: 3 };
    function scale(this: { by: number }, offset: number, x: number) {
      return x * this.by + offset;
    }
    const bound = scale.bind(scaler, 1);
    expect(roundTrip(bound)(2)).toBe(7);
    expect(roundTrip((x: number) => bound(x) * 2)(2)).toBe(14);
  });

  test('a sloppy function stays sloppy, a strict one strict', () => {
    const sloppy = new Function('return this === globalThis;') as () => boolean;
    expect(roundTrip(sloppy)()).toBe(true);
    const strict = function (this: unknown) {
      return this === undefined;
    };
    expect(roundTrip(strict)()).toBe(true);
  });

  test('variables of loop iterations and catch clauses, and built-in errors', () => {
    const fns: Array<() => number> = [];
    for (let i = 0; i < 3; i++) fns.push(() => i * 10);
    let caught: () => string = () => '';
    try {
      throw new Error('boom');
    } catch (error) {
      caught = () => (error as Error).message;
    }
    expect(fns.map((fn) => roundTrip(fn)())).toEqual([0, 10, 20]);
    expect(roundTrip(caught)()).toBe('boom');
    const failure = new RangeError('too far');
    expect(roundTrip(() => failure instanceof RangeError && failure.message)()).toBe('too far');
  });

  test('names only tested with typeof need not exist', () => {
    const fn = () =>
      // @ts-expect-error a global that does not exist, guarded as libraries do
      typeof someUndefinedGlobal === 'undefined' ? 'absent' : 'present';
    expect(roundTrip(fn)()).toBe('absent');
  });

  test('globals this process added are copied; standard globals are the worker’s own', () => {
    const global = globalThis as Record<string, unknown>;
    global.flintCaptureTestSetting = { retries: 3 };
    let spec: FunctionSpec;
    try {
      // @ts-expect-error a global the test defines
      spec = capture(() => [flintCaptureTestSetting.retries, Math.max(1, 2), typeof process.pid]);
    } finally {
      delete global.flintCaptureTestSetting;
    }
    expect((compileFunction(overTheWire(spec)) as () => unknown[])()).toEqual([3, 2, 'number']);
  });
});

describe('shared variables', () => {
  test('broadcast handles and accumulators travel by reference', () => {
    const handle = (kind: 'broadcast' | 'accumulator', id: number) => ({
      secret: 'never shipped',
      [Symbol.for('flint.sharedVariable')]: () => ({ kind, id }),
    });
    const lookup = handle('broadcast', 3);
    const counter = handle('accumulator', 4);
    const fn = () => [lookup, counter];
    const spec = overTheWire(capture(fn));
    expect(JSON.stringify(spec.references.filter((ref) => ref.kind === 'sharedVariable'))).toBe(
      '[{"kind":"sharedVariable","variable":{"kind":"broadcast","id":3}},' +
        '{"kind":"sharedVariable","variable":{"kind":"accumulator","id":4}}]',
    );
    const compiled = roundTrip(fn, {}, { sharedVariable: (ref) => `${ref.kind}#${ref.id}` });
    expect(compiled()).toEqual(['broadcast#3', 'accumulator#4']);
  });
});

describe('explicit env', () => {
  test('env names win over automatic capture', () => {
    const k = 2;
    expect(roundTrip((x: number) => x * k, { env: { k: 10 } })(3)).toBe(30);
  });

  test("mode 'explicit' uses only the env and globals", () => {
    const k = 2;
    expect(roundTrip((x: number) => Math.max(x * k, 0), { mode: 'explicit', env: { k } })(3)).toBe(
      6,
    );
    const error = captureFailure(() =>
      capture((x: number) => x * k * moduleConstant, { mode: 'explicit' }),
    );
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toContain('`k`, `moduleConstant`');
    expect(error.message).toContain('ds.map(fn, { k, moduleConstant })');
  });

  test("mode 'explicit' lets functions in the env use the other env names", () => {
    const k = 3;
    const scale = (x: number) => x * k;
    expect(roundTrip((x: number) => scale(x) + 1, { mode: 'explicit', env: { scale, k } })(2)).toBe(
      7,
    );
    const error = captureFailure(() =>
      capture((x: number) => scale(x), { mode: 'explicit', env: { scale } }),
    );
    expect(error.message).toContain('`k`');
    expect(error.message).toContain('in `scale`');
  });

  test('env keys must be variable names', () => {
    const error = captureFailure(() => capture(() => 1, { env: { 'not-a-name': 1 } }));
    expect(error.code).toBe(ErrorCode.ARGUMENT);
    expect(error.message).toContain('"not-a-name"');
  });

  test('values in the env are checked like captured ones', () => {
    const error = captureFailure(() => capture(() => 1, { env: { client: new Socket() } }));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toMatch(/`client` is a Socket, an EventEmitter/);
  });
});

describe('what cannot travel', () => {
  class Point {
    #secret = 1;
    constructor(readonly x: number) {}
    get secret() {
      return this.#secret;
    }
  }

  test.each([
    [
      'a class instance with private fields',
      new Point(1),
      /`value` is a Point, an instance of a class/,
    ],
    ['an EventEmitter', new EventEmitter(), /`value` is an EventEmitter, an EventEmitter/],
    ['a socket', new Socket(), /`value` is a Socket, an EventEmitter/],
    ['a stream', Readable.from([1]), /`value` is a Readable, an EventEmitter/],
    ['a WeakMap', new WeakMap(), /`value` is a WeakMap, which holds its entries weakly/],
    ['a WeakSet', new WeakSet(), /`value` is a WeakSet/],
    ['a Promise', Promise.resolve(1), /`value` is a Promise.*Await it/],
    ['a Proxy', new Proxy({}, {}), /`value` is a Proxy/],
    ['a SharedArrayBuffer', new SharedArrayBuffer(8), /`value` is a SharedArrayBuffer/],
    ['a class', Point, /`value` is a class/],
  ])('%s is a FLINT_CAPTURE error naming the variable and the fix', (_, value, message) => {
    const error = captureFailure(() => capture(() => value));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`Cannot send ${SITE} to the workers`);
  });

  test('a nested value is named by its path, and a helper’s variable by its helper', () => {
    const config = { retries: 3, client: new Socket() };
    const nested = captureFailure(() => capture(() => config.retries));
    expect(nested.message).toContain('`config.client` is a Socket');
    expect(nested.message).toContain('sc.broadcast(value)');
    const handles = [1, new WeakMap()];
    const connect = () => handles.length;
    const viaHelper = captureFailure(() => capture(() => connect()));
    expect(viaHelper.message).toContain('`handles[1]` (used by `connect`) is a WeakMap');
  });

  test('a name defined nowhere fails at capture, not later on a worker', () => {
    // @ts-expect-error a variable that does not exist
    const error = captureFailure(() => capture(() => notDefinedAnywhere + 1));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toContain('`notDefinedAnywhere` is not defined');
  });

  test('the arguments of an enclosing function and import.meta do not travel', () => {
    function outer(..._args: unknown[]) {
      // biome-ignore lint/complexity/noArguments: the case under test
      return () => arguments[0];
    }
    expect(captureFailure(() => capture(outer(1))).message).toContain('`arguments`');
    expect(captureFailure(() => capture(() => import.meta.url)).message).toContain('import.meta');
  });

  test('an arrow function that reads the this of its method fails with Spark’s advice', () => {
    class Job {
      factor = 2;
      mapper() {
        return (x: number) => x * this.factor;
      }
    }
    const error = captureFailure(() => capture(new Job().mapper()));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toContain('uses `this`');
    expect(error.message).toContain('const factor = this.factor');
  });

  test('a method that uses private class members cannot travel', () => {
    const counter = new (class {
      #count = 1;
      read() {
        return this.#count;
      }
    })();
    const error = captureFailure(() => capture(counter.read));
    expect(error.code).toBe(ErrorCode.CAPTURE);
    expect(error.message).toContain('private class members');
  });

  test('what is not a function is a FLINT_ARGUMENT error', () => {
    const error = captureFailure(() => capture(42));
    expect(error.code).toBe(ErrorCode.ARGUMENT);
    expect(error.message).toBe(
      'The function given to map() must be a function, but got number 42.',
    );
  });
});
