/**
 * The codec of every protocol frame and every block of records: msgpackr (records, no
 * structuredClone) behind a scan that sends to v8, whole, what msgpackr would not give back
 * exactly (-0, lone surrogates, holes, class instances, Errors; in values also shared references
 * and cycles). Median CPU ms encode/decode/MB, v8 -> Flint (bench/codec.bench.ts): 1e6 [word, n]
 * 505/930/13.8 -> 190/622/8.6; 2e5 objects 151/443/13.4 -> 119/274/7.0; 1e6 numbers 29/94 -> 20/34;
 * 2e5 lines 53/108 -> 81/93; 1e5-row task result 25/68/1.4 -> 40/45/0.9. A block whose records
 * are all pairs of numbers (counts by id, sums by key) is written as raw float64s instead.
 * Invariants: byte 0 names the codec (0x4d msgpackr, 0xff v8, 0x50 number pairs); encodings own
 * their bytes; decoded Uint8Arrays are views.
 */
import { deserialize, serialize } from 'node:v8';
import { addExtension, Packr, RESERVE_START_SPACE, RESET_BUFFER_MODE } from 'msgpackr';
import { ErrorCode, FlintError } from './errors.js';

/** Byte 0 of a msgpackr encoding ('M'). */
const TAG_MSGPACK = 0x4d;
/** Byte 0 of a v8 encoding: v8's own version tag, so the fallback needs no copy. */
const TAG_V8 = 0xff;
/** Byte 0 of a block of `[number, number]` records, as little-endian float64s, key then value. */
const TAG_NUMBER_PAIRS = 0x50;
/** Where the pairs of a block of number pairs start: after its tag. */
export const PAIRS_OFFSET = 1;

/** Containers nested deeper than this go to v8; it also ends the scan of a cyclic record. */
const MAX_DEPTH = 64;
/**
 * Containers per record the record scan visits before it hands the block to v8: a block that
 * shares sub-objects heavily would otherwise be scanned (and written) once per path.
 */
const CONTAINERS_PER_RECORD = 64;

/** msgpackr's arena is dropped after a call that grew it past this, not kept for the next one. */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

/**
 * Records (`useRecords`) tell objects from Maps and write each object shape once; the rest keeps
 * Map, Set, Date, RegExp, bigint, undefined and typed arrays. No `structuredClone`: the scan below
 * finds shared references itself, for less than msgpackr's reference tracking costs.
 */
const packr = new Packr({
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  useBigIntExtension: true,
  useToJSON: false,
});

// msgpackr's numbering of typed arrays in its 't' extension (0x74), part of its format.
const TYPED_ARRAY_EXTENSION = 0x74;
const typedArrayTypes = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
const UINT8_ARRAY_CODE = 1;
const ARRAY_BUFFER_CODE = 16;
const DATA_VIEW_CODE = 17;

// msgpackr copies every typed array it decodes so that wide elements are aligned. Bytes need no
// alignment, so a Uint8Array (a shuffle block in a message) comes back as a view, as with v8.
// msgpackr's extensions are process-wide: this applies to any other msgpackr user here too.
addExtension({
  type: TYPED_ARRAY_EXTENSION,
  unpack(data: Uint8Array): unknown {
    const code = data[0];
    if (code === UINT8_ARRAY_CODE) {
      return new Uint8Array(data.buffer, data.byteOffset + 1, data.byteLength - 1);
    }
    // Uint8Array's slice, not Buffer's: it must copy.
    const buffer = Uint8Array.prototype.slice.call(data, 1).buffer;
    if (code === ARRAY_BUFFER_CODE) return buffer;
    if (code === DATA_VIEW_CODE) return new DataView(buffer);
    const Type = code === undefined ? undefined : typedArrayTypes[code];
    if (Type === undefined) throw new RangeError(`Unknown typed array code ${code}`);
    return new Type(buffer);
  },
});

/** Prototypes of the leaf objects msgpackr keeps exactly. */
const exactLeafPrototypes = new Set<unknown>(
  [...typedArrayTypes, Buffer, DataView, ArrayBuffer, Date, RegExp].map((type) => type.prototype),
);

// Node 20 has String.prototype.isWellFormed (ES2024), newer than the ES2023 lib we compile with.
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean })
  .isWellFormed;

/** True when msgpackr gives this primitive back exactly: not for -0 or a lone surrogate. */
function fitsPrimitive(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      return value !== 0 || 1 / value > 0;
    case 'string':
      return isWellFormed.call(value);
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true;
    default:
      // Functions and symbols: v8 then throws its DataCloneError, naming the value.
      return false;
  }
}

/**
 * Decides whether msgpackr gives a value back exactly. Besides {@link fitsPrimitive}, it does not
 * for a `__proto__` key, array holes, class instances, boxed primitives and Errors (v8 keeps their
 * stack); with `seen`, a second path to an object (shared or cyclic) also says no.
 */
class FidelityScan {
  constructor(
    private readonly seen: Set<object> | undefined,
    private budget: number,
  ) {}

  fits(value: unknown): boolean {
    return this.fitsAt(value, 0);
  }

  // Primitives are checked inline: a call per number or string would double the scan's cost.
  private fitsObject(value: object, depth: number): boolean {
    if (depth > MAX_DEPTH || --this.budget < 0) return false;
    const { seen } = this;
    if (seen !== undefined) {
      const size = seen.size;
      if (seen.add(value).size === size) return false;
    }
    const next = depth + 1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object') {
          if (item !== null && !this.fitsObject(item, next)) return false;
        } else if (item === undefined ? !(i in value) : !fitsPrimitive(item)) {
          return false;
        }
      }
      return true;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (key === '__proto__' || !isWellFormed.call(key)) return false;
        const item = record[key];
        if (typeof item === 'object') {
          if (item !== null && !this.fitsObject(item, next)) return false;
        } else if (!fitsPrimitive(item)) {
          return false;
        }
      }
      return true;
    }
    if (prototype === Map.prototype) {
      // keys() then values(): iterating entries would allocate a pair per entry.
      const map = value as Map<unknown, unknown>;
      for (const key of map.keys()) if (!this.fitsAt(key, next)) return false;
      for (const item of map.values()) if (!this.fitsAt(item, next)) return false;
      return true;
    }
    if (prototype === Set.prototype) {
      for (const item of value as Set<unknown>) {
        if (!this.fitsAt(item, next)) return false;
      }
      return true;
    }
    return exactLeafPrototypes.has(prototype);
  }

  private fitsAt(value: unknown, depth: number): boolean {
    return typeof value === 'object'
      ? value === null || this.fitsObject(value, depth)
      : fitsPrimitive(value);
  }
}

function encodeV8(value: unknown): Uint8Array {
  try {
    return serialize(value);
  } catch (error) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `Cannot serialize a value to send or store it: ${(error as Error).message} ` +
        'Records, results and captured values must be structured-cloneable data: ' +
        'no functions, symbols, WeakMaps or Promises.',
      { cause: error },
    );
  }
}

function encodeTagged(value: unknown, scan: FidelityScan): Uint8Array {
  if (!scan.fits(value)) return encodeV8(value);
  // msgpackr writes into one arena it keeps and returns a view of it, so a small block kept in a
  // cache would pin the whole arena. Blocks own their bytes instead, as v8's do (a memcpy, ~1% of
  // encoding a block), and the arena is reused from the same place each time.
  const packed = packr.pack(value, RESERVE_START_SPACE | RESET_BUFFER_MODE | 1);
  const owned = Buffer.allocUnsafe(packed.byteLength);
  packed.copy(owned);
  owned[0] = TAG_MSGPACK;
  if (packed.buffer.byteLength > MAX_ARENA_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
  return owned;
}

function decodeTagged(bytes: Uint8Array, what: string): unknown {
  const tag = bytes[0];
  if (tag !== TAG_MSGPACK && tag !== TAG_V8) {
    const found = tag === undefined ? 'is empty' : `starts with 0x${tag.toString(16)}`;
    throw new FlintError(
      ErrorCode.PROTOCOL,
      `Cannot decode ${what}: it ${found}, not a Flint codec tag. The bytes are corrupt or ` +
        'were written by another version of Flint; run the same version everywhere.',
    );
  }
  try {
    if (tag === TAG_V8) return deserialize(bytes);
    // Through a Buffer view, msgpackr gives binary data back as Buffer views, as they went in.
    const view = Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
    return packr.unpack(view);
  } catch (error) {
    throw new FlintError(ErrorCode.PROTOCOL, `Cannot decode ${what}: the bytes are corrupt.`, {
      cause: error,
    });
  }
}

/**
 * Encodes any structured-cloneable value, keeping shared references and cycles (a message, with
 * the user data inside it).
 */
export function encodeValue(value: unknown): Uint8Array {
  return encodeTagged(value, new FidelityScan(new Set(), Number.POSITIVE_INFINITY));
}

/**
 * Decodes what {@link encodeValue} wrote. Uint8Arrays and Buffers in it are views into `bytes`,
 * as with v8: don't overwrite `bytes` while the value lives.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return decodeTagged(bytes, 'a value');
}

/**
 * Encodes a block of records (a shuffle block, a cached partition). An object reached twice in the
 * block comes back as two equal objects; cycles (and sharing too heavy to scan) go to v8, which
 * keeps them.
 */
export function encodeRecords(records: readonly unknown[]): Uint8Array {
  if (areNumberPairs(records)) return encodeNumberPairs(records);
  const budget = CONTAINERS_PER_RECORD * records.length + 1024;
  return encodeTagged(records, new FidelityScan(undefined, budget));
}

/** Decodes a block of records written by {@link encodeRecords}. The same caveat as decodeValue. */
export function decodeRecords(bytes: Uint8Array): unknown[] {
  if (bytes[0] === TAG_NUMBER_PAIRS) return [...numberPairs(bytes)];
  const records = decodeTagged(bytes, 'a block of records');
  if (!Array.isArray(records)) {
    throw new FlintError(
      ErrorCode.PROTOCOL,
      'Cannot decode a block of records: it holds no array.',
    );
  }
  return records;
}

/**
 * Whether every record is a `[number, number]` array: such a block is written as raw float64s,
 * 10-20x cheaper to encode and decode than msgpack, and exact for every number including -0 and
 * NaN.
 */
function areNumberPairs(records: readonly unknown[]): records is ReadonlyArray<[number, number]> {
  if (records.length === 0) return false;
  for (const record of records) {
    if (
      !Array.isArray(record) ||
      record.length !== 2 ||
      typeof record[0] !== 'number' ||
      typeof record[1] !== 'number'
    )
      return false;
  }
  return true;
}

function encodeNumberPairs(records: ReadonlyArray<[number, number]>): Uint8Array {
  const bytes = Buffer.allocUnsafe(PAIRS_OFFSET + 16 * records.length);
  bytes[0] = TAG_NUMBER_PAIRS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PAIRS_OFFSET;
  for (const [key, value] of records) {
    view.setFloat64(offset, key, true);
    view.setFloat64(offset + 8, value, true);
    offset += 16;
  }
  return bytes;
}

/** Whether every element is a number. */
export function allNumbers(values: ArrayLike<unknown>): values is ArrayLike<number> {
  if (values instanceof Float64Array) return true;
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') return false;
  return true;
}

/**
 * Encodes the records `[keys[i], values[i]]` for i in [from, to) as {@link encodeRecords} would
 * (a block of number pairs), straight from the two columns: no pair per record.
 */
export function encodeNumberColumns(
  keys: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
): Uint8Array {
  const bytes = Buffer.allocUnsafe(PAIRS_OFFSET + 16 * (to - from));
  bytes[0] = TAG_NUMBER_PAIRS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = from, offset = PAIRS_OFFSET; i < to; i++, offset += 16) {
    view.setFloat64(offset, keys[i] as number, true);
    view.setFloat64(offset + 8, values[i] as number, true);
  }
  return bytes;
}

/**
 * The records of a block one at a time. A block of number pairs makes each pair as it is read:
 * pairs that are combined and dropped at once (a reduce side) then never pile up in memory, where
 * V8's young generation would copy them from one collection to the next.
 */
export function recordsIn(bytes: Uint8Array): Iterable<unknown> {
  return bytes[0] === TAG_NUMBER_PAIRS ? numberPairs(bytes) : decodeRecords(bytes);
}

/**
 * A block of number pairs as they are stored, for a reader that takes them without making a pair
 * each (a reduce side combining them): pair i's key is the little-endian float64 at
 * `PAIRS_OFFSET + 16 * i` and its value the one after. Undefined for any other block.
 */
export function numberPairsView(bytes: Uint8Array): DataView | undefined {
  if (bytes[0] !== TAG_NUMBER_PAIRS) return undefined;
  if ((bytes.byteLength - PAIRS_OFFSET) % 16 !== 0) {
    throw new FlintError(
      ErrorCode.PROTOCOL,
      'Cannot decode a block of number pairs: its length is not a whole number of pairs. The ' +
        'bytes are corrupt.',
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The pairs of a block of number pairs, each made as it is read; checks the length first. */
function numberPairs(bytes: Uint8Array): Generator<[number, number]> {
  return readPairs(numberPairsView(bytes) as DataView);
}

function* readPairs(view: DataView): Generator<[number, number]> {
  for (let offset = PAIRS_OFFSET; offset < view.byteLength; offset += 16)
    yield [view.getFloat64(offset, true), view.getFloat64(offset + 8, true)];
}
