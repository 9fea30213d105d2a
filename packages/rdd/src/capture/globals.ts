/**
 * The global scope every Node.js process shares: the names a function may use without capturing
 * them, and the native functions (`String`, `Math.sqrt`, `JSON.stringify`) that travel as a path
 * from `globalThis` because their source is `[native code]`.
 *
 * Invariant: only built-ins are listed, never what user code adds to `globalThis`, which the
 * workers do not have. The driver and the workers are assumed to run the same Node.js major.
 */

/** Globals of ECMAScript and of Node.js 20, present on every worker. */
export const STANDARD_GLOBALS: ReadonlySet<string> = new Set(
  // ECMAScript
  (
    'globalThis Infinity NaN undefined eval isFinite isNaN parseFloat parseInt decodeURI ' +
    'decodeURIComponent encodeURI encodeURIComponent escape unescape AggregateError Array ' +
    'ArrayBuffer Atomics BigInt BigInt64Array BigUint64Array Boolean DataView Date Error EvalError ' +
    'FinalizationRegistry Float16Array Float32Array Float64Array Function Int8Array Int16Array ' +
    'Int32Array Intl Iterator JSON Map Math Number Object Promise Proxy RangeError ReferenceError ' +
    'Reflect RegExp Set SharedArrayBuffer String Symbol SyntaxError TypeError Uint8Array ' +
    'Uint8ClampedArray Uint16Array Uint32Array URIError WeakMap WeakRef WeakSet WebAssembly ' +
    // Node.js
    'global process Buffer console queueMicrotask setTimeout clearTimeout setInterval ' +
    'clearInterval setImmediate clearImmediate structuredClone atob btoa performance fetch crypto ' +
    'Crypto CryptoKey SubtleCrypto AbortController AbortSignal Blob BroadcastChannel ' +
    'ByteLengthQueuingStrategy CompressionStream CountQueuingStrategy CustomEvent ' +
    'DecompressionStream DOMException Event EventTarget File FormData Headers MessageChannel ' +
    'MessageEvent MessagePort Navigator navigator Performance PerformanceEntry PerformanceMark ' +
    'PerformanceMeasure PerformanceObserver PerformanceObserverEntryList ' +
    'PerformanceResourceTiming ReadableByteStreamController ReadableStream ' +
    'ReadableStreamBYOBReader ReadableStreamBYOBRequest ReadableStreamDefaultController ' +
    'ReadableStreamDefaultReader Request Response TextDecoder TextDecoderStream TextEncoder ' +
    'TextEncoderStream TransformStream TransformStreamDefaultController URL URLSearchParams ' +
    'WebSocket WritableStream WritableStreamDefaultController WritableStreamDefaultWriter'
  ).split(' '),
);

let nativePaths: Map<unknown, readonly string[]> | undefined;

/**
 * The path from `globalThis` to a built-in function (`['Math', 'sqrt']`), or undefined when
 * `fn` is not one: globals, their static members and their prototypes' methods.
 */
export function globalPathOf(fn: unknown): readonly string[] | undefined {
  nativePaths ??= collectNativePaths();
  return nativePaths.get(fn);
}

function collectNativePaths(): Map<unknown, readonly string[]> {
  const paths = new Map<unknown, readonly string[]>();
  const add = (value: unknown, path: readonly string[]): void => {
    if (typeof value === 'function' && !paths.has(value)) paths.set(value, path);
  };
  for (const name of STANDARD_GLOBALS) {
    const root = dataValue(globalThis, name);
    if ((typeof root !== 'object' && typeof root !== 'function') || root === null) continue;
    add(root, [name]);
    if (name === 'globalThis' || name === 'global') continue;
    for (const key of Object.getOwnPropertyNames(root)) add(dataValue(root, key), [name, key]);
    const prototype = dataValue(root, 'prototype');
    if (typeof prototype === 'object' && prototype !== null) {
      for (const key of Object.getOwnPropertyNames(prototype)) {
        if (key !== 'constructor') add(dataValue(prototype, key), [name, 'prototype', key]);
      }
    }
  }
  return paths;
}

/** A property's value, without running getters (some globals load lazily or warn when read). */
function dataValue(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/** `Symbol.iterator` and the other well-known symbols, by their key on `Symbol`. */
export function wellKnownSymbolKey(symbol: symbol): string | undefined {
  for (const key of Object.getOwnPropertyNames(Symbol)) {
    if ((Symbol as unknown as Record<string, unknown>)[key] === symbol) return key;
  }
  return undefined;
}
