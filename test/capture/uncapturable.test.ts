/**
 * What cannot travel to the workers fails at the transformation call, before any task runs, with
 * a FlintError of code FLINT_CAPTURE that names the variable, says what it is and what to do:
 * never a ReferenceError or a half-copied value on a worker.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createContext, type FlintContext, FlintError } from '@flint/rdd';
import { afterAll, beforeAll, expect, test } from 'vitest';

let sc: FlintContext;
let tasksStarted = 0;

beforeAll(async () => {
  sc = await createContext({ workers: 2, ui: false, progress: false });
  sc.addListener((event) => {
    if (event.type === 'taskStart') tasksStarted++;
  });
});

afterAll(async () => {
  await sc?.stop();
});

/** The error `call` throws synchronously (the transformation call), and the tasks it started. */
function failureAt(call: () => unknown): { error: FlintError; tasks: number } {
  const before = tasksStarted;
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(FlintError);
    return { error: error as FlintError, tasks: tasksStarted - before };
  }
  throw new Error('Expected the transformation call to throw.');
}

class Account {
  #balance = 10;
  constructor(readonly owner: string) {}
  get balance(): number {
    return this.#balance;
  }
}

const socket = new Socket();
const stream = Readable.from(['a', 'b']);
const pending = Promise.resolve(42);

afterAll(() => {
  socket.destroy();
  stream.destroy();
});

test.each([
  {
    kind: 'a socket',
    call: () => sc.range(0, 4).map((x) => (socket.writable ? x : -x)),
    what: /`socket` is a Socket, an EventEmitter \(like a socket, a stream or a server\) tied to this process/,
    fix: /Create it inside the function.*sc\.broadcast\(value\)/,
  },
  {
    kind: 'a stream',
    call: () => sc.range(0, 4).filter(() => stream.readable),
    what: /`stream` is a Readable, an EventEmitter/,
    fix: /Create it inside the function/,
  },
  {
    kind: 'a class instance with private fields',
    call: () => {
      const account = new Account('ada');
      return sc.range(0, 4).map((x) => x + account.balance);
    },
    what: /`account` is an Account, an instance of a class, which cannot be copied to another process/,
    fix: /Create it inside the function/,
  },
  {
    kind: 'a WeakMap',
    call: () => {
      const cache = new WeakMap<object, number>();
      return sc.range(0, 4).map((x) => cache.get({ x }) ?? x);
    },
    what: /`cache` is a WeakMap, which holds its entries weakly and cannot be copied/,
    fix: /Use a Map or a Set/,
  },
  {
    kind: 'a Promise',
    call: () => sc.range(0, 4).map(async (x) => x + (await pending)),
    what: /`pending` is a Promise, whose result does not exist yet/,
    fix: /Await it before calling the transformation, and capture the result/,
  },
  {
    kind: 'a module namespace held as a value',
    call: () => {
      const tools = { files: fs };
      return sc.range(0, 4).map((x) => tools.files.existsSync(String(x)));
    },
    what: /`tools\.files` is a module namespace \(import \* as …\), which travels only as the import itself/,
    fix: /Use the import directly in the function \(import \* as files from 'node:fs'/,
  },
  {
    kind: 'an EventEmitter inside a captured object',
    call: () => {
      const config = { retries: 3, events: new EventEmitter() };
      return sc.range(0, 4).map((x) => x * config.retries);
    },
    what: /`config\.events` is an EventEmitter/,
    fix: /sc\.broadcast\(value\)/,
  },
])('$kind is FLINT_CAPTURE at the transformation call, before any task', ({ call, what, fix }) => {
  const { error, tasks } = failureAt(call);
  expect(error.code).toBe('FLINT_CAPTURE');
  expect(error.message).toMatch(
    /^Cannot send the function given to (map|filter)\(\) to the workers: /,
  );
  expect(error.message).toMatch(what);
  expect(error.message).toMatch(fix);
  expect(tasks).toBe(0);
});

test('a helper’s variable that cannot travel is named with the helper that uses it', () => {
  const handles = new WeakMap<object, string>();
  const lookup = (key: object) => handles.get(key);
  const { error, tasks } = failureAt(() => sc.range(0, 2).map((x) => lookup({ x })));
  expect(error.code).toBe('FLINT_CAPTURE');
  expect(error.message).toContain('`handles` (used by `lookup`) is a WeakMap');
  expect(tasks).toBe(0);
});

test('an action fails before its job starts, and the context keeps working', async () => {
  const jobsBefore = tasksStarted;
  await expect(sc.range(0, 4).foreach(() => socket.ref())).rejects.toMatchObject({
    code: 'FLINT_CAPTURE',
    message: expect.stringContaining('`socket` is a Socket'),
  });
  expect(tasksStarted).toBe(jobsBefore);
  expect(
    await sc
      .range(0, 4)
      .map((x) => x * 2)
      .collect(),
  ).toEqual([0, 2, 4, 6]);
});
