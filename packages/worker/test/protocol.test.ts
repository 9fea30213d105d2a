import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeValue } from '../src/codec.js';
import { ErrorCode, FlintError } from '../src/errors.js';
import {
  decodeMessage,
  decodeMessages,
  encodeBatch,
  encodeMessage,
  type Message,
  type MessageType,
  PROTOCOL_VERSION,
  validateMessage,
} from '../src/protocol.js';
import type { PipelineNode, StageSpec } from '../src/taskSpec.js';
import {
  sampleFunction,
  sampleMapStage,
  sampleMessages,
  sampleResults,
  sampleStage,
} from './messageSamples.js';

/** Fields a message may leave out (or, for putBroadcast's value, hold anything in). */
const OPTIONAL: Partial<Record<MessageType, readonly string[]>> = {
  hello: ['blockServer', 'cores', 'pid'],
  welcome: ['workerId'],
  taskFailed: ['fetchFailure', 'killed'],
  putBroadcast: ['value'],
};

const samples = Object.values(sampleMessages) as Message[];

function refusal(value: unknown): string {
  try {
    decodeMessage(encodeValue(value));
  } catch (error) {
    expect(error).toBeInstanceOf(FlintError);
    expect((error as FlintError).code).toBe(ErrorCode.PROTOCOL);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

/** A copy of `value` with `path` (property names and indices) set to `replacement`. */
function withField(value: unknown, path: readonly (string | number)[], replacement: unknown) {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) delete target[last];
  else target[last] = replacement;
  return copy;
}

describe('the protocol', () => {
  it('accepts one well-formed message of every type, unchanged', () => {
    expect(samples.map((m) => m.type).sort()).toEqual(Object.keys(sampleMessages).sort());
    for (const message of samples) expect(decodeMessage(encodeMessage(message))).toEqual(message);
    for (const result of sampleResults) {
      const message: Message = { type: 'defineStage', stage: sampleStage(result) };
      expect(decodeMessage(encodeMessage(message))).toEqual(message);
    }
    const mapStage: Message = { type: 'defineStage', stage: sampleMapStage() };
    expect(decodeMessage(encodeMessage(mapStage))).toEqual(mapStage);
  });

  it('refuses unknown types, unknown fields and garbage with FLINT_PROTOCOL', () => {
    expect(refusal({ type: 'launchMissiles' })).toMatch(/unknown type/);
    expect(refusal({ type: '__proto__' })).toMatch(/unknown type/);
    expect(refusal({ type: 'toString' })).toMatch(/unknown type/);
    expect(refusal([1, 2, 3])).toMatch(/not an object/);
    expect(refusal('killTask')).toMatch(/not an object/);
    expect(refusal(new Map([['type', 'shutdown']]))).toMatch(/not an object/);
    expect(refusal({ type: 'killTask', taskId: 7, extra: 1 })).toMatch(/unknown field/);
    expect(refusal({ type: 'shutdown', now: true })).toMatch(/unknown field/);
    expect(() => decodeMessage(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(
      expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
    );
    expect(() => decodeMessage(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
    );
  });

  it('refuses every required field missing, and every field of a wrong type', () => {
    for (const message of samples) {
      for (const [key, value] of Object.entries(message)) {
        if (key === 'type') continue;
        const optional = OPTIONAL[message.type]?.includes(key) ?? false;
        if (!optional) expect(refusal(withField(message, [key], undefined))).toMatch(message.type);
        if (message.type === 'putBroadcast' && key === 'value') continue;
        const wrong =
          typeof value === 'number'
            ? ['7', -1, null, true]
            : typeof value === 'string'
              ? [7, null, {}, ['x']]
              : typeof value === 'boolean'
                ? ['yes', 1]
                : ['x', 5, null];
        for (const bad of wrong) expect(refusal(withField(message, [key], bad))).toBeTruthy();
      }
    }
  });

  it('refuses a peer of another protocol version with a message that says what to do', () => {
    const hello = { ...sampleMessages.hello, protocolVersion: PROTOCOL_VERSION + 1 };
    expect(refusal(hello)).toBe(
      `The peer speaks Flint protocol version ${PROTOCOL_VERSION + 1}, this side speaks ` +
        `${PROTOCOL_VERSION}: run the same Flint version on the driver and every worker.`,
    );
    // Even when the rest of the hello changed shape, the version is what the refusal names.
    expect(refusal({ type: 'challenge', protocolVersion: 1, salt: 'x' })).toMatch(/version 1/);
  });

  it('checks nested stage specs deep enough that a malformed one cannot reach a worker', () => {
    const stage = sampleStage();
    const defineStage = (s: unknown) => ({ type: 'defineStage', stage: s });
    const bad: Array<[path: (string | number)[], value: unknown, expected: RegExp]> = [
      [['root', 'op', 'kind'], 'launchMissiles', /not a known operator/],
      [['root', 'parents', 4, 'op', 'fn'], undefined, /fn must be a function spec/],
      [['root', 'parents', 4, 'op', 'fn', 'references', 0, 'kind'], 'eval', /known kind/],
      [['root', 'parents', 4, 'op', 'fn', 'references', 0, 'names'], [1], /array of strings/],
      [['root', 'parents', 4, 'op', 'fn', 'references', 4, 'target'], null, /known kind/],
      [['root', 'parents', 13, 'op', 'locations', 'sizes'], [[1]], /one entry per address/],
      [['root', 'parents', 13, 'op', 'locations', 'sizes', 0, 0], -1, /non-negative/],
      [['root', 'parents', 2, 'op', 'splits', 0, 'start'], '0', /start and an end/],
      [['root', 'parents', 1, 'op', 'numPartitions'], 0, /positive number of partitions/],
      [['root', 'parents', 15, 'op', 'groups', 1], 'x', /groups\[1\]/],
      [['root', 'parents', 0, 'parents'], undefined, /parents must be an array/],
      [['root', 'parents', 0, 'id'], -3, /integer id/],
      [['root', 'parents', 0, 'cache'], 'yes', /cache must be a boolean/],
      [['output', 'result'], { kind: 'take', n: -1 }, /n must be/],
      [['output', 'result'], { kind: 'steal' }, /not a known result/],
      [['output', 'kind'], 'email', /shuffleWrite' or 'result'/],
      [['stageKey'], 42, /stageKey/],
    ];
    for (const [path, value, expected] of bad) {
      expect(refusal(defineStage(withField(stage, path, value)))).toMatch(expected);
    }
    const mapStage = sampleMapStage();
    for (const [path, value, expected] of [
      [['output', 'partitioner', 'numPartitions'], 0, /positive number of partitions/],
      [['output', 'partitioner', 'kind'], 'random', /'hash' or 'range'/],
      [['output', 'mapSideCombine', 'mergeValue'], 'x => x', /mergeValue/],
    ] as const) {
      expect(refusal(defineStage(withField(mapStage, [...path], value)))).toMatch(expected);
    }
  });

  it('refuses trees too deep or cyclic without overflowing the stack', () => {
    // Validated directly: the codec itself cannot encode a tree this deep.
    let deep: PipelineNode = { id: 0, op: { kind: 'parallelize' }, parents: [] };
    for (let id = 1; id < 50_000; id++) deep = { id, op: { kind: 'glom' }, parents: [deep] };
    const stage: StageSpec = { ...sampleStage(), root: deep };
    expect(validateMessage({ type: 'defineStage', stage })).toMatch(/nests too deep/);
    const cyclic = { id: 1, op: { kind: 'glom' }, parents: [] as unknown[] };
    cyclic.parents.push(cyclic, cyclic);
    expect(
      validateMessage({ type: 'defineStage', stage: { ...sampleStage(), root: cyclic } }),
    ).toMatch(/nests too deep|too many operators/);
    const bound: Record<string, unknown> = { kind: 'bound', args: [] };
    bound.target = bound;
    const fn = sampleFunction();
    const looping = { ...fn, references: [bound], root: bound };
    const stageWithLoop = withField(sampleStage(), ['root', 'parents', 4, 'op', 'fn'], looping);
    expect(validateMessage({ type: 'defineStage', stage: stageWithLoop })).toMatch(/too deep/);
  });

  it('refuses malformed tasks, results and metrics on the task path', () => {
    const launch = sampleMessages.launchTask;
    expect(refusal(withField(launch, ['task', 'inputs', '0:1'], 5))).toMatch(/inputs/);
    expect(refusal(withField(launch, ['task', 'attempt'], 0.5))).toMatch(/attempt/);
    expect(refusal(withField(launch, ['task'], [1, 2]))).toMatch(/task must be an object/);
    const finished = sampleMessages.taskFinished;
    expect(refusal(withField(finished, ['result', 'kind'], 'lies'))).toMatch(/result.kind/);
    expect(refusal(withField(finished, ['result', 'sizes', 1], Number.NaN))).toMatch(/sizes/);
    expect(refusal(withField(finished, ['result', 'accumulatorUpdates', 0], [1]))).toMatch(
      /\[id, amount\]/,
    );
    expect(refusal(withField(finished, ['metrics', 'durationMs'], -1))).toMatch(/metrics/);
    expect(
      refusal(withField(finished, ['metrics', 'recordsRead'], Number.POSITIVE_INFINITY)),
    ).toMatch(/metrics/);
    expect(refusal(withField(sampleMessages.taskFailed, ['error', 'message'], 1))).toMatch(/error/);
    expect(refusal(withField(sampleMessages.hello, ['blockServer'], 'http://x'))).toMatch(/URL/);
    expect(refusal(withField(sampleMessages.hello, ['nonce'], 'A'.repeat(64)))).toMatch(/hex/);
    expect(refusal(withField(sampleMessages.hello, ['role'], 'driver'))).toMatch(/role/);
  });

  it('refuses frames that announce more than they hold, quickly and without allocating it', () => {
    const frames = [
      [0x4d, 0xdd, 0xff, 0xff, 0xff, 0xff], // msgpack array32 of 4 G elements
      [0x4d, 0xdf, 0xff, 0xff, 0xff, 0xff], // msgpack map32 of 4 G entries
      [0x4d, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41], // msgpack str32 of 4 GB
      [0x4d, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00], // msgpack bin32 of 4 GB
      [0xff, 0x0f, 0x41, 0xff, 0xff, 0xff, 0xff, 0x0f], // v8 dense array of 4 G elements
      [0xff, 0x0f, 0x53, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41], // v8 string of 4 GB
    ];
    const started = performance.now();
    for (const frame of frames) {
      expect(() => decodeMessage(new Uint8Array(frame))).toThrow(
        expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
      );
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    // Every truncation of every valid frame is refused, or (rarely) still a valid message.
    for (const message of samples) {
      const frame = encodeMessage(message);
      for (let length = 0; length < frame.length; length++) {
        expectRefusedOrValid(frame.subarray(0, length));
      }
    }
  });

  it('never fails any other way on mutated frames (fast-check)', { timeout: 60_000 }, () => {
    const frames = samples.map((message) => encodeMessage(message));
    fc.assert(
      fc.property(
        fc.nat(frames.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 8,
        }),
        (index, edits) => {
          const bytes = Array.from(frames[index] as Uint8Array);
          for (const [position, byte, edit] of edits) {
            const at = position % (bytes.length + 1);
            if (edit === 'set') bytes[at] = byte;
            else if (edit === 'insert') bytes.splice(at, 0, byte);
            else bytes.splice(at, 1);
          }
          expectRefusedOrValid(new Uint8Array(bytes));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('carries several messages in one batch frame, in order, and refuses broken batches', () => {
    const messages = samples.filter((m) => m.type !== 'challenge' && m.type !== 'hello');
    const batch = encodeBatch(messages.map((message) => encodeMessage(message)));
    expect(decodeMessages(batch)).toEqual(messages);
    expect(decodeMessages(encodeMessage(sampleMessages.killTask))).toEqual([
      sampleMessages.killTask,
    ]);
    const refused = (frame: Uint8Array) => {
      expect(() => decodeMessages(frame)).toThrow(
        expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
      );
      expect(() => decodeMessage(frame)).toThrow(
        expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
      );
    };
    refused(encodeBatch([])); // empty
    refused(encodeBatch([batch])); // nested
    refused(batch.subarray(0, batch.length - 1)); // cut short
    refused(encodeBatch([new Uint8Array(0)])); // an empty message
    const bad = encodeMessage({ type: 'killTask', taskId: -1 } as unknown as Message);
    refused(encodeBatch([encodeMessage(sampleMessages.killTask), bad])); // one bad message
    // Mutated batches: refused or valid, never any other error.
    fc.assert(
      fc.property(fc.nat(batch.length - 1), fc.nat(255), (at, byte) => {
        const bytes = Uint8Array.from(batch);
        bytes[at] = byte;
        try {
          for (const message of decodeMessages(bytes))
            expect(validateMessage(message)).toBeUndefined();
        } catch (error) {
          expect((error as FlintError).code).toBe(ErrorCode.PROTOCOL);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('validates any decoded value without throwing (fast-check)', { timeout: 60_000 }, () => {
    const types = Object.keys(sampleMessages);
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 3 }), {
          maxKeys: 6,
        }),
        (type, fields) => {
          const problem = validateMessage({ ...fields, type });
          expect(problem === undefined || typeof problem === 'string').toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('costs well under a microsecond per message on the task path', { timeout: 60_000 }, () => {
    const launch = decodeValueOf(sampleMessages.launchTask);
    const finished = decodeValueOf({
      ...sampleMessages.taskFinished,
      result: { kind: 'value', value: [1, 2, 3] },
    });
    const mapStatus = decodeValueOf(sampleMessages.taskFinished);
    const perMessageNs = (value: unknown) => {
      const rounds = 200_000;
      for (let i = 0; i < 10_000; i++) validateMessage(value); // warm up
      const started = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) {
        if (validateMessage(value) !== undefined) throw new Error('refused a valid message');
      }
      return Number(process.hrtime.bigint() - started) / rounds;
    };
    // Measured at 60-200 ns each on a 2-core machine; the bound leaves room for a busy one.
    for (const value of [launch, finished, mapStatus])
      expect(perMessageNs(value)).toBeLessThan(5_000);
  });
});

/** Decodes as the socket edge would, so the validator sees what a codec really returns. */
function decodeValueOf(message: Message): unknown {
  const value = decodeMessage(encodeMessage(message));
  expect(validateMessage(value)).toBeUndefined();
  return value;
}

function expectRefusedOrValid(frame: Uint8Array): void {
  let message: Message;
  try {
    message = decodeMessage(frame);
  } catch (error) {
    expect(error).toBeInstanceOf(FlintError);
    expect((error as FlintError).code).toBe(ErrorCode.PROTOCOL);
    return;
  }
  expect(validateMessage(message)).toBeUndefined();
}
