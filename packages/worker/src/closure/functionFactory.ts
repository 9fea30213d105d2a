/**
 * Turns one shipped function's source back into a function. Each function is compiled inside a
 * factory that declares its captured names with `let` and returns the function together with a
 * setter for those names, so every function of a spec can exist before any captured value is
 * assigned: that is what lets mutually recursive helpers and cyclic captures work.
 */
import { ErrorCode, FlintError } from '../errors.js';
import type { FunctionReference } from './functionSpec.js';

/** A rebuilt function, and the setter that assigns its captured names, in `names` order. */
export interface FactoryResult {
  readonly fn: (...args: never[]) => unknown;
  readonly assign: (values: readonly unknown[]) => void;
}

// Names a factory may not declare: reserved words, and the two strict mode forbids as bindings.
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if import in instanceof new null return super switch this throw ' +
    'true try typeof var void while with yield let static implements interface package private ' +
    'protected public await arguments eval'
  ).split(' '),
);
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** Compiles `ref` in a fresh factory; its captured names start as `undefined`. */
export function buildFunction(ref: FunctionReference): FactoryResult {
  for (const name of ref.names) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new FlintError(
        ErrorCode.PROTOCOL,
        `A shipped function captures the name ${JSON.stringify(name)}, which is not a valid variable name.`,
      );
    }
  }
  // The setter reads `arguments` rather than a named parameter, so no captured name can shadow it.
  const assignments = ref.names.map((name, index) => `${name} = arguments[${index}];`).join(' ');
  const declarations = ref.names.length > 0 ? `let ${ref.names.join(', ')};\n` : '';
  // Newlines around the source keep a trailing line comment from swallowing the closing brackets.
  const expression = ref.form === 'method' ? `({\n${ref.source}\n})` : `(\n${ref.source}\n)`;
  const body =
    `${ref.strict ? "'use strict';\n" : ''}${declarations}` +
    `return [${expression}, function () { ${assignments} }];`;
  let built: unknown;
  try {
    built = new Function(body)();
  } catch (error) {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `Could not compile a shipped function on the worker: ${(error as Error).message}\n${ref.source}`,
      { cause: error },
    );
  }
  const [value, setter] = built as [unknown, (...values: unknown[]) => void];
  const fn = ref.form === 'method' ? methodOf(value as object) : value;
  if (typeof fn !== 'function') {
    throw new FlintError(
      ErrorCode.CAPTURE,
      `A shipped function's source did not evaluate to a function on the worker:\n${ref.source}`,
    );
  }
  return {
    fn: fn as (...args: never[]) => unknown,
    assign: (values) => setter(...values),
  };
}

/** The one method, getter or setter of an object literal built around a method's source. */
function methodOf(holder: object): unknown {
  const key = Reflect.ownKeys(holder)[0];
  if (key === undefined) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  return descriptor?.value ?? descriptor?.get ?? descriptor?.set;
}
