/**
 * Reads what JavaScript cannot see about a function, through an in-process `node:inspector`
 * session: the values of the variables it closes over (its `[[Scopes]]`), where it was defined,
 * what a bound function binds, and the running source of the script that defined it.
 *
 * Invariants:
 * - A same-thread session answers `post` synchronously, so every read here is synchronous;
 *   a reply that does not arrive before `post` returns is an error, never awaited.
 * - Scope objects are snapshots V8 materialises on request: reading one never runs user code.
 * - The Debugger domain is enabled only for the length of one synchronous call (it replays every
 *   script's URL and serves one script's source), then disabled again: while it is enabled a
 *   `debugger` statement would pause this very thread, and no user code runs in that window.
 */

import type { Debugger, InspectorNotification, Runtime, Session } from 'node:inspector';
import { createRequire } from 'node:module';

/** Where a function's text starts, as V8 reports it (0-based line and column). */
export interface FunctionLocation {
  readonly scriptId: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** One scope of a function's `[[Scopes]]`, innermost first; the global scope is left out. */
export interface ScopeSnapshot {
  /** V8's description: `Closure (make)`, `Block`, `Module`, `Script`, `Catch`... */
  readonly description: string;
  /** The scope's context-allocated variables and their current values. */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** What the inspector tells about one function. */
export interface FunctionInternals {
  readonly location: FunctionLocation | undefined;
  readonly scopes: readonly ScopeSnapshot[];
  /** For a bound function: its target, bound `this` and bound arguments. */
  readonly bound:
    | { readonly target: unknown; readonly thisArg: unknown; readonly args: unknown[] }
    | undefined;
}

/** The inspector operations capture uses. */
export interface FunctionInspector {
  /** Reads `fn`'s internals; what it hands out stays alive until {@link release}. */
  inspectFunction(fn: object): FunctionInternals;
  /** Lets the inspector drop what it kept for the functions inspected so far. */
  release(): void;
  /** The running source of a script (after any loader's transform), or undefined. */
  scriptSource(scriptId: string): string | undefined;
  /**
   * The URL a script was loaded from (`file:///...`, `node:fs`), or undefined.
   * @param knownOnly answer only from what earlier reads learnt, without turning the debugger on
   */
  scriptUrl(scriptId: string, knownOnly?: boolean): string | undefined;
}

const TARGET_KEY = Symbol.for('flint.capture.target');
const RECEIVER_KEY = Symbol.for('flint.capture.receiver');
const OBJECT_GROUP = 'flint-capture';
const TARGET_EXPRESSION = "globalThis[Symbol.for('flint.capture.target')]";
const RECEIVE_DECLARATION =
  "function (...values) { globalThis[Symbol.for('flint.capture.receiver')](values); }";

let instance: FunctionInspector | null | undefined;

/** The process's inspector, or null when this Node.js has none (built without it, or denied). */
export function getFunctionInspector(): FunctionInspector | null {
  if (instance === undefined) {
    try {
      // Loaded lazily: a Node.js built without the inspector throws when the module is loaded.
      const { Session: SessionClass } = createRequire(import.meta.url)(
        'node:inspector',
      ) as typeof import('node:inspector');
      const session = new SessionClass();
      session.connect();
      instance = new InspectorSession(session);
    } catch {
      // Without an inspector, automatic capture reports what it needs instead.
      instance = null;
    }
  }
  return instance;
}

class InspectorSession implements FunctionInspector {
  private readonly sources = new Map<string, string | undefined>();
  private readonly urls = new Map<string, string>();

  constructor(private readonly session: Session) {}

  inspectFunction(fn: object): FunctionInternals {
    const global = globalThis as Record<symbol, unknown>;
    global[TARGET_KEY] = fn;
    try {
      const { result } = this.post<Runtime.EvaluateReturnType>('Runtime.evaluate', {
        expression: TARGET_EXPRESSION,
        objectGroup: OBJECT_GROUP,
        silent: true,
      });
      if (result.objectId === undefined)
        throw new Error('The inspector did not return the function.');
      const { internalProperties = [] } = this.post<Runtime.GetPropertiesReturnType>(
        'Runtime.getProperties',
        { objectId: result.objectId, ownProperties: true },
      );
      const internal = new Map(internalProperties.map((p) => [p.name, p.value] as const));
      const location = internal.get('[[FunctionLocation]]')?.value as FunctionLocation | undefined;
      const scopes = internal.get('[[Scopes]]');
      const target = internal.get('[[TargetFunction]]');
      const received = this.receive(
        result.objectId,
        target === undefined
          ? [scopes]
          : [scopes, target, internal.get('[[BoundThis]]'), internal.get('[[BoundArgs]]')],
      );
      return {
        location,
        scopes: scopes === undefined ? [] : snapshotScopes(received[0]),
        bound:
          target === undefined
            ? undefined
            : {
                target: received[1],
                thisArg: received[2],
                args: Array.from(received[3] as ArrayLike<unknown>),
              },
      };
    } finally {
      delete global[TARGET_KEY];
    }
  }

  release(): void {
    this.post('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP });
  }

  scriptSource(scriptId: string): string | undefined {
    if (!this.sources.has(scriptId)) {
      this.withDebugger(() => {
        try {
          const { scriptSource } = this.post<Debugger.GetScriptSourceReturnType>(
            'Debugger.getScriptSource',
            { scriptId },
          );
          this.sources.set(scriptId, scriptSource);
        } catch {
          // A script that is gone (collected) has no source; capture then works without it.
          this.sources.set(scriptId, undefined);
        }
      });
    }
    return this.sources.get(scriptId);
  }

  scriptUrl(scriptId: string, knownOnly = false): string | undefined {
    // Scripts loaded since the last time the debugger was on are unknown: replay them once.
    if (!knownOnly && !this.urls.has(scriptId)) this.withDebugger(() => undefined);
    return this.urls.get(scriptId);
  }

  /** Runs `read` with the Debugger domain on, collecting every script's URL as it is replayed. */
  private withDebugger(read: () => void): void {
    const onScript = (message: InspectorNotification<Debugger.ScriptParsedEventDataType>): void => {
      this.urls.set(message.params.scriptId, message.params.url);
    };
    this.session.on('Debugger.scriptParsed', onScript);
    try {
      this.post('Debugger.enable', {});
      read();
    } finally {
      this.post('Debugger.disable', {});
      this.session.off('Debugger.scriptParsed', onScript);
    }
  }

  /** Hands the live values behind `remotes` to this thread, through a one-call receiver. */
  private receive(
    thisObjectId: string,
    remotes: ReadonlyArray<Runtime.RemoteObject | undefined>,
  ): unknown[] {
    const global = globalThis as Record<symbol, unknown>;
    let received: unknown[] | undefined;
    global[RECEIVER_KEY] = (values: unknown[]) => {
      received = values;
    };
    try {
      this.post('Runtime.callFunctionOn', {
        objectId: thisObjectId,
        functionDeclaration: RECEIVE_DECLARATION,
        arguments: remotes.map(toCallArgument),
        silent: true,
      });
    } finally {
      delete global[RECEIVER_KEY];
    }
    if (received === undefined) throw new Error('The inspector did not hand over the values.');
    return received;
  }

  private post<T = unknown>(method: string, params: object): T {
    let reply: { error: Error | null; result: unknown } | undefined;
    this.session.post(method, params, (error, result) => {
      reply = { error, result };
    });
    if (reply === undefined)
      throw new Error(`The inspector did not answer ${method} synchronously.`);
    if (reply.error) throw reply.error;
    return reply.result as T;
  }
}

function toCallArgument(remote: Runtime.RemoteObject | undefined): Runtime.CallArgument {
  if (remote === undefined) return { value: undefined };
  if (remote.objectId !== undefined) return { objectId: remote.objectId };
  if (remote.unserializableValue !== undefined) {
    return { unserializableValue: remote.unserializableValue };
  }
  return { value: remote.value };
}

/** The scope list V8 hands over is a null-prototype array of `{ description, object }`. */
function snapshotScopes(list: unknown): ScopeSnapshot[] {
  const scopes: ScopeSnapshot[] = [];
  const items = list as ArrayLike<{ description: string; object: Record<string, unknown> }>;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (item === undefined || item.description === 'Global') continue;
    scopes.push({ description: item.description, variables: item.object });
  }
  return scopes;
}
