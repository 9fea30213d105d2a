/**
 * Closure capture: how a function given to a transformation or an action becomes a
 * {@link FunctionSpec} that a worker can rebuild. Internal to `@flint/rdd`.
 *
 * With `mode: 'auto'` (the default of `createContext`), the names a function uses from its
 * surroundings are found in its source and their current values read through the inspector,
 * then copied by value, recursively; imports travel as module references when the workers can
 * load the module. With `mode: 'explicit'`, only the env object, globals and compiler helpers
 * are in scope. Either way, anything that cannot travel is a FLINT_CAPTURE error at the call.
 */
import { ErrorCode, FlintError, type FunctionSpec } from '@flint/worker';
import { ClosureEncoder } from './closureEncoder.js';
import type { DeclaredModules } from './moduleOrigin.js';
import { rememberRecapture } from './recapture.js';

export { recaptureLineage } from './recapture.js';

/** How {@link captureFunction} captures. */
export interface CaptureOptions {
  /** Names given explicitly (`ds.map(x => x * k, { k })`); they win over automatic capture. */
  env?: Readonly<Record<string, unknown>>;
  /** `auto` reads the function's closure; `explicit` uses only `env` and globals. */
  mode: 'auto' | 'explicit';
  /** The argument in messages, e.g. "the function given to map()". */
  argumentName: string;
  /**
   * Module specifiers declared with `sc.addModule`, which every worker loads, each with the
   * directory (a `file:` URL) of the module that declared it, to resolve it from.
   */
  modules?: DeclaredModules;
}

const NO_MODULES: DeclaredModules = new Map();

/**
 * Captures `fn` with the values it uses now, as a spec a worker compiles with `compileFunction`.
 * @throws FlintError `FLINT_ARGUMENT` when `fn` is not a function; `FLINT_CAPTURE` when something
 *   it uses cannot travel to the workers.
 */
export function captureFunction(fn: unknown, options: CaptureOptions): FunctionSpec {
  if (typeof fn !== 'function') {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `${capitalize(options.argumentName)} must be a function, but got ${describeArgument(fn)}.`,
    );
  }
  const encoder = new ClosureEncoder({
    env: options.env,
    mode: options.mode,
    site: options.argumentName,
    modules: options.modules ?? NO_MODULES,
  });
  const spec = encoder.encodeRoot(fn as (...args: never[]) => unknown);
  if (encoder.isChangeable) rememberRecapture(spec, () => captureFunction(fn, options));
  return spec;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function describeArgument(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}
