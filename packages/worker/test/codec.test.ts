import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeRecords, decodeValue, encodeRecords, encodeValue, recordsIn } from '../src/codec.js';
import { ErrorCode, FlintError } from '../src/errors.js';

/** Sends `value` through both codecs: as a message and as one record of a block. */
function roundTrips(value: unknown): [asValue: unknown, asRecord: unknown] {
  const asValue = decodeValue(encodeValue(value));
  const block = decodeRecords(encodeRecords([value]));
  expect(block).toHaveLength(1);
  return [asValue, block[0]];
}

function expectSame(value: unknown): unknown[] {
  const outs = roundTrips(value);
  for (const out of outs) expect(out).toStrictEqual(value);
  return outs;
}

/** For big inputs: vitest's equality takes seconds on a million nodes, node's milliseconds. */
function expectDeepStrictEqual(actual: unknown, expected: unknown): void {
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
}

/** Big inputs on a busy two-core machine. */
const slow = { timeout: 60_000 };

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('round trips keep type and value', () => {
  test('numbers: -0, NaN, infinities, integers past 32 bits', () => {
    const values = [-0, 0, NaN, Infinity, -Infinity, 2 ** 40, -(2 ** 53), 0.1, 4294967295, -1];
    for (const out of expectSame(values)) {
      expect(Object.is((out as number[])[0], -0)).toBe(true);
      expect(Object.is((out as number[])[1], 0)).toBe(true);
      for (const item of out as unknown[]) expect(typeof item).toBe('number');
    }
  });

  test('bigint of any size stays bigint', () => {
    const values = [0n, -1n, 123n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n, -(2n ** 1000n) - 7n];
    for (const out of expectSame(values)) {
      for (const item of out as unknown[]) expect(typeof item).toBe('bigint');
    }
  });

  test('undefined inside arrays and objects, and null', () => {
    for (const out of expectSame({ list: [1, undefined, null], missing: undefined, none: null })) {
      const { list, missing, none } = out as { list: unknown[]; missing: unknown; none: unknown };
      expect(list[1]).toBeUndefined();
      expect(1 in list).toBe(true);
      expect(Object.hasOwn(out as object, 'missing')).toBe(true);
      expect(missing).toBeUndefined();
      expect(none).toBeNull();
    }
  });

  test('Map keeps key types, Set keeps members', () => {
    const key = { id: 1 };
    const map = new Map<unknown, unknown>([
      [1, 'one'],
      ['1', 'string one'],
      [2n, 'big'],
      [key, new Set([1, 'a', 3n])],
    ]);
    for (const out of expectSame({ map })) {
      const back = (out as { map: Map<unknown, unknown> }).map;
      expect(back).toBeInstanceOf(Map);
      expect([...back.keys()].map((k) => typeof k)).toEqual([
        'number',
        'string',
        'bigint',
        'object',
      ]);
      expect(back.get(1)).toBe('one');
      expect([...back.values()][3]).toBeInstanceOf(Set);
    }
  });

  test('Date (valid and invalid) and RegExp', () => {
    const values = [new Date(1_700_000_000_123), new Date(Number.NaN), /w\d+\s/giu];
    for (const out of roundTrips(values)) {
      const [date, invalid, regexp] = out as [Date, Date, RegExp];
      expect(date).toBeInstanceOf(Date);
      expect(date.getTime()).toBe(1_700_000_000_123);
      expect(invalid).toBeInstanceOf(Date);
      expect(invalid.getTime()).toBeNaN();
      expect(regexp).toBeInstanceOf(RegExp);
      expect([regexp.source, regexp.flags]).toEqual(['w\\d+\\s', 'giu']);
    }
  });

  test('typed arrays, DataView, ArrayBuffer and Buffer keep their class', () => {
    const values = [
      new Int8Array([-1, 2]),
      new Uint8Array([1, 2, 255]),
      new Uint8ClampedArray([0, 255]),
      new Int16Array([-300]),
      new Uint16Array([60_000]),
      new Int32Array([-(2 ** 31)]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -0]),
      new Float64Array([Math.PI, -0, Number.NaN]),
      new BigInt64Array([-(2n ** 63n)]),
      new BigUint64Array([2n ** 64n - 1n]),
      new DataView(new Uint8Array([9, 8, 7]).buffer),
      new Uint8Array([1, 2, 3, 4]).buffer,
      Buffer.from('bytes'),
      new Float64Array(new ArrayBuffer(24), 8, 2),
    ];
    for (const out of expectSame(values)) {
      (out as object[]).forEach((item, index) => {
        expect(item.constructor).toBe(values[index]?.constructor);
      });
    }
  });

  test('strings: any Unicode, lone surrogates, long and empty', () => {
    const values = [
      '',
      'plain',
      'é中😀',
      '\ud800',
      'a\udc00b',
      '\udbff\udfff',
      `${'é'.repeat(5000)}\ud83d`,
      'x'.repeat(100_000),
    ];
    expectSame(values);
    expectSame({ '\ud800key': 1, ké: 2 });
  });

  test('nested arrays, empty containers, deep nesting', () => {
    expectSame([[[]], [[1, [2, [3]]]], {}, [], new Map(), new Set()]);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 500; i++) deep = i % 2 === 0 ? [deep] : { next: deep };
    expectSame(deep);
  });

  test('sparse arrays keep their holes', slow, () => {
    // biome-ignore lint/suspicious/noSparseArray: the case under test
    const sparse = [1, , 3];
    for (const out of expectSame(sparse)) expect(1 in (out as unknown[])).toBe(false);
    const huge: unknown[] = [];
    huge[1e6] = 'end';
    for (const out of roundTrips(huge)) {
      expect((out as unknown[]).length).toBe(1e6 + 1);
      expect((out as unknown[])[1e6]).toBe('end');
    }
  });

  test('objects with unusual keys and prototypes', () => {
    const proto = JSON.parse('{"__proto__": {"polluted": true}, "1": "one", "": "empty"}');
    for (const out of expectSame(proto)) {
      expect(Object.keys(out as object)).toEqual(['1', '__proto__', '']);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    }
    // As with structuredClone, class instances and null-prototype objects come back plain.
    const objects = [new Point(1, 2), Object.assign(Object.create(null), { a: 1 })];
    for (const out of roundTrips(objects)) {
      expect(out).toStrictEqual([{ x: 1, y: 2 }, { a: 1 }]);
      expect(out).toStrictEqual(deserialize(serialize(objects)));
    }
  });

  test('boxed primitives and Errors, which v8 keeps best', () => {
    const error = new TypeError('boom', { cause: 'root' });
    const values = [
      new String('s'),
      new Number(-0),
      new Boolean(false),
      Object(1n) as object,
      error,
    ];
    for (const out of roundTrips(values)) {
      expect(out).toStrictEqual(values);
      const back = (out as unknown[])[4] as TypeError;
      expect(back).toBeInstanceOf(TypeError);
      expect(back.stack).toBe(error.stack);
      expect(back.cause).toBe('root');
    }
  });

  test('a value keeps shared references and cycles', () => {
    const shared = { name: 'shared' };
    const graph: Record<string, unknown> = { a: shared, b: shared, list: [shared] };
    graph.self = graph;
    const out = decodeValue(encodeValue(graph)) as typeof graph;
    expect(out.a).toBe(out.b);
    expect((out.list as unknown[])[0]).toBe(out.a);
    expect(out.self).toBe(out);
  });

  test('a block of records keeps cycles; shared objects come back equal', () => {
    const shared = { name: 'shared' };
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    const [first, second] = decodeRecords(encodeRecords([[shared, shared], cyclic])) as [
      unknown[],
      Record<string, unknown>,
    ];
    expect(first).toStrictEqual([shared, shared]);
    expect(second.self).toBe(second);
  });

  test('a block whose objects share one object many times stays small', slow, () => {
    let level: unknown = { leaf: 'x'.repeat(100) };
    for (let i = 0; i < 40; i++) level = [level, level];
    const bytes = encodeRecords([level]);
    expect(bytes.byteLength).toBeLessThan(10_000);
    // 2^40 paths: compare the shape level by level, not by deep equality.
    let back = decodeRecords(bytes)[0] as unknown[];
    for (let i = 0; i < 40; i++) {
      expect(back[0]).toBe(back[1]);
      back = back[0] as unknown[];
    }
    expect(back).toStrictEqual({ leaf: 'x'.repeat(100) });
  });

  test('functions and symbols are refused with a FlintError', () => {
    for (const bad of [{ f: () => 1 }, [Symbol('s')], new WeakMap()]) {
      expect(() => encodeValue(bad)).toThrow(FlintError);
      expect(() => encodeRecords([bad])).toThrow(
        expect.objectContaining({ code: ErrorCode.ARGUMENT }),
      );
    }
  });
});

describe('messages and blocks', () => {
  test('a Uint8Array payload in a message travels as bytes, without copies on decode', slow, () => {
    const payload = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    const bytes = encodeValue({ type: 'blockData', requestId: 1, mapIndex: 2, data: payload });
    expect(bytes.byteLength).toBeLessThan(payload.byteLength + 100);
    const out = decodeValue(bytes) as { data: Uint8Array };
    expect(out.data.constructor).toBe(Uint8Array);
    expect(Buffer.compare(out.data, payload)).toBe(0);
    expect(out.data.buffer).toBe(bytes.buffer);
  });

  test('a payload in a message that takes the v8 path is still bytes', () => {
    const payload = new Uint8Array([1, 2, 3]);
    const out = decodeValue(encodeValue({ data: payload, weight: -0 })) as { data: Uint8Array };
    expect(out.data).toStrictEqual(payload);
  });

  test('empty blocks and empty values', () => {
    expect(decodeRecords(encodeRecords([]))).toStrictEqual([]);
    expect(decodeValue(encodeValue([]))).toStrictEqual([]);
    expect(decodeValue(encodeValue({}))).toStrictEqual({});
  });

  test('large blocks of typical records', slow, () => {
    const pairs = Array.from({ length: 100_000 }, (_, i) => [`w${i % 5000}`, i]);
    const bytes = encodeRecords(pairs);
    expect(bytes.byteLength).toBeLessThan(serialize(pairs).byteLength);
    expectDeepStrictEqual(decodeRecords(bytes), pairs);

    const objects = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      name: `user-${i}`,
      score: i / 7,
      tags: i % 3 === 0 ? [] : ['a', 'b'],
    }));
    expectDeepStrictEqual(decodeRecords(encodeRecords(objects)), objects);

    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} of some text`);
    expectDeepStrictEqual(decodeRecords(encodeRecords(lines)), lines);

    // One record that msgpackr cannot keep sends the block to v8, at the end of the block too.
    const withNegativeZero = [...pairs, ['w0', -0]];
    const fallback = encodeRecords(withNegativeZero);
    const back = decodeRecords(fallback);
    expectDeepStrictEqual(back, withNegativeZero);
    expect(Object.is((back.at(-1) as number[])[1], -0)).toBe(true);

    // Byte 0 names the codec: typical blocks take msgpackr's path, the -0 block v8's.
    expect(bytes[0]).toBe(0x4d);
    expect(fallback[0]).toBe(0xff);
  });
});

describe('blocks of number pairs', () => {
  test('are written as raw float64s and come back exactly, -0 and NaN included', () => {
    const pairs = [
      [0, -0],
      [-1.5, Number.NaN],
      [2 ** 53, Number.POSITIVE_INFINITY],
      [Number.MIN_VALUE, -Number.MAX_VALUE],
      [99_999, 49_999_995_000_000],
    ];
    const bytes = encodeRecords(pairs);
    expect(bytes[0]).toBe(0x50);
    expect(bytes.byteLength).toBe(1 + 16 * pairs.length);
    const back = decodeRecords(bytes);
    expect(back).toStrictEqual(pairs);
    expect(Object.is((back[0] as number[])[1], -0)).toBe(true);
  });

  test('are decoded from any byte offset, as frames inside a larger buffer are', () => {
    const bytes = encodeRecords([
      [1, 2],
      [3, 4],
    ]);
    for (const shift of [1, 3, 8]) {
      const padded = new Uint8Array(shift + bytes.byteLength);
      padded.set(bytes, shift);
      expect(decodeRecords(padded.subarray(shift))).toStrictEqual([
        [1, 2],
        [3, 4],
      ]);
    }
  });

  test('one record of another shape sends the block to the general codec', () => {
    for (const odd of [['a', 1], [1, 2, 3], [1], [1, 2n], { 0: 1, 1: 2, length: 2 }]) {
      const records = [[1, 2], odd];
      const bytes = encodeRecords(records);
      expect(bytes[0]).not.toBe(0x50);
      expect(decodeRecords(bytes)).toStrictEqual(records);
    }
  });

  test('a length that is not whole pairs is corrupt', () => {
    const bytes = encodeRecords([[1, 2]]);
    for (const read of [decodeRecords, (b: Uint8Array) => [...recordsIn(b)]])
      expect(() => read(bytes.subarray(0, 10))).toThrow(
        expect.objectContaining({ code: ErrorCode.PROTOCOL }),
      );
  });

  test('read one at a time, they are the same records', () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => [i, -i / 3]);
    expect([...recordsIn(encodeRecords(pairs))]).toStrictEqual(pairs);
    const words = [['a', 1]];
    expect([...recordsIn(encodeRecords(words))]).toStrictEqual(words);
  });
});

describe('corrupt input', () => {
  const expectCorrupt = (bytes: Uint8Array): void => {
    expect(() => decodeValue(bytes)).toThrow(expect.objectContaining({ code: ErrorCode.PROTOCOL }));
  };

  test('empty bytes and unknown tags throw', () => {
    expectCorrupt(new Uint8Array());
    expectCorrupt(new TextEncoder().encode('{"type":"hello"}'));
    expectCorrupt(new Uint8Array([0, 1, 2]));
  });

  test('every truncation of a message throws', slow, () => {
    const fast = encodeValue({ type: 'launchTask', task: { taskId: 1, stageKey: 's1' } });
    const fallback = encodeValue({ type: 'launchTask', task: { taskId: -0, stageKey: 's1' } });
    for (const bytes of [fast, fallback]) {
      for (let end = 0; end < bytes.byteLength; end++) expectCorrupt(bytes.subarray(0, end));
    }
  });

  test('a block that holds no array is refused', () => {
    expect(() => decodeRecords(encodeValue({ type: 'x' }))).toThrow(FlintError);
  });

  test('random bytes throw a FlintError or decode, and never hang', slow, () => {
    const tagged = fc
      .tuple(fc.constantFrom(0x4d, 0xff), fc.uint8Array({ maxLength: 64 }))
      .map(([tag, rest]) => Uint8Array.of(tag, ...rest));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), tagged), (bytes) => {
        try {
          decodeValue(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(FlintError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('properties', () => {
  const leaves = [
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.string({ unit: 'grapheme' }),
    fc.boolean(),
    fc.constant(undefined),
    fc.constant(null),
  ];

  const shared = {
    withBigInt: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    maxDepth: 4,
  } as const;
  // Mostly msgpackr's path: well-formed strings, no holes or boxes.
  const plain = fc.anything({ ...shared, values: leaves, stringUnit: 'grapheme' });
  // Mostly v8's path: lone surrogates, -0, holes and boxed primitives.
  const exotic = fc.anything({
    ...shared,
    values: [...leaves, fc.string({ unit: 'binary' })],
    key: fc.string({ unit: 'binary', maxLength: 6 }),
    withSparseArray: true,
    withBoxedValues: true,
  });

  test.each([
    ['plain', plain],
    ['exotic', exotic],
  ])(
    'any %s JSON-ish value with bigints, undefined, Maps and Sets round-trips',
    (_, value) => {
      fc.assert(
        fc.property(value, (input) => {
          expect(decodeValue(encodeValue(input))).toStrictEqual(input);
          expect(decodeRecords(encodeRecords([input, input]))).toStrictEqual([input, input]);
        }),
        { numRuns: 400 },
      );
    },
    slow.timeout,
  );

  test('blocks of typical record shapes round-trip', slow, () => {
    const record = fc.oneof(
      fc.tuple(fc.string(), fc.double()),
      fc.tuple(fc.integer(), fc.integer()),
      fc.record(
        { id: fc.integer(), name: fc.string(), tags: fc.array(fc.string()) },
        { noNullPrototype: true },
      ),
      fc.tuple(fc.string({ unit: 'binary' }), fc.array(fc.oneof(fc.double(), fc.bigInt()))),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 50 }), (records) => {
        expect(decodeRecords(encodeRecords(records))).toStrictEqual(records);
      }),
      { numRuns: 300 },
    );
  });
});
