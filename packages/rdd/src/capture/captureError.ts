/**
 * The FLINT_CAPTURE errors: each names the function, the variable (with its path for a nested
 * value, `config.client`), what the value is, and what to do instead. They are thrown at the
 * transformation call, so nothing fails later as a ReferenceError on a worker.
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ErrorCode, FlintError } from '@flint/worker';

/** Which captured value an error is about. */
export interface CaptureSubject {
  /** The variable and the path to the value inside it: `config`, `config.client`, `list[2]`. */
  readonly path: string;
  /** The helper function that uses the variable, when it is not the function given to Flint. */
  readonly owner?: string;
}

/** An error about `subject`: `what` it is (a phrase after the name) and the `fix`. */
export function captureError(
  site: string,
  subject: CaptureSubject | null,
  what: string,
  fix: string,
): FlintError {
  const name =
    subject === null
      ? 'it'
      : `\`${subject.path}\`${subject.owner === undefined ? '' : ` (used by ${subject.owner})`}`;
  return new FlintError(
    ErrorCode.CAPTURE,
    `Cannot send ${site} to the workers: ${name} ${what}. ${fix}`,
  );
}

const RESOURCE_FIX =
  'Create it inside the function (which runs on the worker), pass the data it needs through a ' +
  "broadcast (sc.broadcast(value)), or export it from a module declared with sc.addModule('name') " +
  'and import it there.';

/** What an object that cannot travel is, and what to do about it. */
export function describeUncapturable(value: object): { what: string; fix: string } {
  const type = typeName(value);
  if (value instanceof Promise) {
    return {
      what: 'is a Promise, whose result does not exist yet',
      fix: 'Await it before calling the transformation, and capture the result.',
    };
  }
  if (
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef ||
    value instanceof FinalizationRegistry
  ) {
    return {
      what: `is a ${type}, which holds its entries weakly and cannot be copied`,
      fix: 'Use a Map or a Set, or create it inside the function.',
    };
  }
  if (value instanceof SharedArrayBuffer) {
    return {
      what: 'is a SharedArrayBuffer, memory shared by the threads of this process',
      fix: 'Copy it into an ArrayBuffer or a typed array before capturing it.',
    };
  }
  if (value instanceof EventEmitter) {
    return {
      what: `is ${article(type)} ${type}, an EventEmitter (like a socket, a stream or a server) tied to this process`,
      fix: RESOURCE_FIX,
    };
  }
  return {
    what: `is ${article(type)} ${type}, an instance of a class, which cannot be copied to another process (only plain objects, arrays, Map, Set, Date, RegExp, typed arrays and primitives can)`,
    fix: RESOURCE_FIX,
  };
}

/** Why the workers would not load a package: it was not found from `searched`, or not declared. */
export function notFound(searched: string | undefined): string {
  return searched === undefined
    ? 'which the workers do not load'
    : `which cannot be found from ${fileURLToPath(searched)}, where the workers would resolve it`;
}

/** The fix for a value from a module the workers do not load. */
export function declareModuleFix(packageName: string, searched?: string): string {
  const declare =
    `sc.addModule('${packageName}'): every worker then imports the module, and the function ` +
    'uses the worker’s own copy.';
  return searched === undefined
    ? `Declare it with ${declare}`
    : `Install it where the application runs (npm install ${packageName}), or declare it, from a module of a directory where it resolves, with ${declare}`;
}

/** The fix for a name missing under explicit capture: the call with the env it needs. */
export function explicitEnvFix(site: string, names: readonly string[]): string {
  const method = /(\w+)\(\)/.exec(site)?.[1];
  const call = method === undefined ? '(fn, ' : `ds.${method}(fn, `;
  return (
    "With capture: 'explicit' nothing is captured automatically. Pass the values in the env " +
    `object after the function: ${call}{ ${names.join(', ')} })`
  );
}

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}

/** A readable type for an object: its constructor's name, or `Object` for odd prototypes. */
export function typeName(value: object): string {
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    const name = (prototype as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'object of an unnamed class';
  } catch {
    return 'object';
  }
}
