/**
 * What kind of value capture is looking at, and how built-in values are copied. Plain data is
 * recognised by its exact prototype: a subclass of Map or of Uint8Array is a class instance,
 * whose methods would be lost by a copy, so it does not count as data.
 */
import { types } from 'node:util';

/** Not an object nor a function (symbols included). */
export function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** An ES module namespace, or vite's stand-in for one (null prototype, tagged `Module`). */
export function isNamespaceLike(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (types.isModuleNamespaceObject(value)) return true;
  return (
    Object.getPrototypeOf(value) === null &&
    (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module'
  );
}

/** A plain object with a function among its own properties, such as a `require()` result. */
export function hasFunctionMember(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (typeof (value as Record<string, unknown>)[key] === 'function') return true;
  }
  return false;
}

/** Whether an object is of a kind that travels as a copy. */
export function isCopyable(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return (
    prototype === Object.prototype ||
    prototype === null ||
    prototype === Array.prototype ||
    prototype === Map.prototype ||
    prototype === Set.prototype ||
    copyBuiltin(value, prototype, true) !== undefined
  );
}

const VIEW_PROTOTYPES = new Set<unknown>(
  [
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
    DataView,
  ].map((type) => type.prototype),
);

const ERROR_TYPES = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];
const ERROR_PROTOTYPES = new Set<unknown>(ERROR_TYPES.map((type) => type.prototype));

/**
 * A copy of a Date, RegExp, ArrayBuffer, typed array, DataView, Buffer or built-in error, or
 * undefined when `value` is none of these. `probe` only answers whether it is one (the copy is
 * then `value` itself).
 */
export function copyBuiltin(value: object, prototype: unknown, probe = false): unknown {
  if (prototype === Date.prototype) return probe ? value : new Date((value as Date).getTime());
  if (prototype === RegExp.prototype) {
    return probe ? value : new RegExp((value as RegExp).source, (value as RegExp).flags);
  }
  if (prototype === ArrayBuffer.prototype) return probe ? value : (value as ArrayBuffer).slice(0);
  if (prototype === Buffer.prototype) return probe ? value : Buffer.from(value as Buffer);
  if (ERROR_PROTOTYPES.has(prototype)) return probe ? value : copyError(value as Error);
  if (
    ArrayBuffer.isView(value) &&
    VIEW_PROTOTYPES.has(prototype) &&
    !(value.buffer instanceof SharedArrayBuffer)
  ) {
    if (probe) return value;
    // Each view is copied with its own bytes: a small view of a large buffer stays small.
    if (value instanceof DataView) {
      return new DataView(
        value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
      );
    }
    return (value as unknown as { slice(): unknown }).slice();
  }
  return undefined;
}

/** A built-in error, as structured clone copies it: its type, message and stack. */
function copyError(error: Error): Error {
  const prototype: unknown = Object.getPrototypeOf(error);
  const ErrorType = ERROR_TYPES.find((type) => type.prototype === prototype) ?? Error;
  const copy = new ErrorType(error.message);
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;
// Names a function's env may not bind: reserved words, and those strict code forbids as bindings.
const RESERVED_WORDS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if import in instanceof new null return super switch this throw ' +
    'true try typeof var void while with yield let static implements interface package private ' +
    'protected public await arguments eval'
  ).split(' '),
);

/** Whether `name` can be declared as a variable of a strict function. */
export function isVariableName(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED_WORDS.has(name);
}

/** `config.client` or `config["a key"]`: the path to a property, for messages. */
export function memberPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
