/**
 * Measures the codec candidates on realistic rows: v8's structured serializer against msgpackr
 * (with the options fidelity needs), and Flint's codec as shipped (fidelity scan + one-byte tag).
 * Run: `node --import tsx packages/worker/bench/codec.bench.ts [--quick]`. Not a test.
 *
 * Throughput in MB/s is over each codec's own encoded bytes; records/s is the fair comparison.
 */

import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Packr } from 'msgpackr';
import { decodeRecords, decodeValue, encodeRecords, encodeValue } from '../src/codec.js';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;

// A collection between repetitions keeps one candidate's garbage out of the next one's timing.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// Data ----------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run measures the same rows. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(42);

/** Words "w0".."w99999" drawn with Zipf (s = 1) frequencies, as in natural text. */
function zipfWords(vocabulary: number): () => string {
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let rank = 0; rank < vocabulary; rank++) {
    total += 1 / (rank + 1);
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = vocabulary - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return `w${low}`;
  };
}

const word = zipfWords(100_000);
const randomInt = (min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));
const list = <T>(length: number, make: (index: number) => T): T[] =>
  Array.from({ length }, (_, index) => make(index));
/** `count` rows, fewer with --quick. */
const times = <T>(count: number, make: (index: number) => T): T[] =>
  list(Math.round(count * scale), make);

const tagNames = ['red', 'green', 'blue', 'new', 'sale', 'hot', 'eu', 'us'];

const wordPairs = (count: number): unknown[] => times(count, () => [word(), randomInt(1, 1000)]);

/** Record blocks, made one at a time so that the heap holds only the block being measured. */
const recordSets: Record<string, () => unknown[]> = {
  'pairs [w, n] 1e6': () => wordPairs(1e6),
  'pairs [n, n] 1e6': () => times(1e6, (i) => [i, randomInt(0, 1e6)]),
  'numbers 1e6': () => times(1e6, () => random() * 1e6),
  'text lines 2e5': () => times(2e5, () => list(randomInt(10, 20), word).join(' ')),
  'objects 2e5': () =>
    times(2e5, (i) => ({
      id: i,
      name: `user-${i}`,
      score: Math.round(random() * 10_000) / 100,
      tags: list(randomInt(0, 4), () => tagNames[randomInt(0, 7)]),
    })),
  'combiners [w, n[]] 1e5': () =>
    times(1e5, () => [word(), list(randomInt(1, 20), () => randomInt(1, 99))]),
  // The worst fallback: a -0 in the last record sends the block to v8 after a full scan.
  'pairs 1e6 + one -0 (fallback)': () => [...wordPairs(1e6), ['w0', -0]],
};

/** Protocol messages, each with how many calls one timed run makes. */
const messages: Record<string, () => { value: unknown; repeat: number }> = {
  'blockData, 1 MB payload': () => ({
    value: {
      type: 'blockData',
      requestId: 7,
      mapIndex: 3,
      data: new Uint8Array(1 << 20).map(() => randomInt(0, 255)),
    },
    repeat: 50,
  }),
  'launchTask (control)': () => ({
    value: { type: 'launchTask', task: { taskId: 12, stageKey: 's3.0', partition: 5, attempt: 0 } },
    repeat: 20_000,
  }),
  'defineStage + closure values': () => ({
    value: {
      type: 'defineStage',
      stage: {
        stageKey: 's3.0',
        stageId: 3,
        root: {
          kind: 'map',
          source: '(row) => lookup.get(row.id) ?? fallback',
          captured: {
            lookup: new Map(list(1000, (i) => [i, { name: `n${i}`, at: new Date(i) }])),
            seen: new Set(list(200, (i) => `k${i}`)),
            limit: 2n ** 70n,
            missing: undefined,
            pattern: /w\d+/g,
            weights: new Float64Array(256).fill(0.5),
          },
        },
        output: { kind: 'shuffle', shuffleId: 1, partitions: 8 },
      },
    },
    repeat: 200,
  }),
  'taskFinished, 1e5 pairs': () => ({
    value: {
      type: 'taskFinished',
      taskId: 9,
      result: { kind: 'value', value: wordPairs(1e5) },
      metrics: { durationMs: 1, recordsRead: 1, recordsWritten: 1, shuffleBytesWritten: 0 },
    },
    repeat: 1,
  }),
};

// Candidates ------------------------------------------------------------------------------------

interface Codec {
  readonly encode: (value: unknown) => Uint8Array;
  readonly decode: (bytes: Uint8Array) => unknown;
}

const fidelityOptions = {
  mapsAsObjects: false,
  moreTypes: true,
  useBigIntExtension: true,
  useToJSON: false,
} as const;
const packrOf = (packr: Packr): Codec => ({
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
});

const candidates: Record<string, Codec> = {
  v8: { encode: serialize, decode: deserialize },
  'msgpackr clone+rec': packrOf(new Packr({ ...fidelityOptions, structuredClone: true })),
  'msgpackr rec': packrOf(new Packr(fidelityOptions)),
  // Plain MessagePack maps, no records: shows what records buy (and loses Map vs object).
  'msgpackr plain': packrOf(
    new Packr({ ...fidelityOptions, useRecords: false, mapsAsObjects: true }),
  ),
  'flint encodeValue': { encode: encodeValue, decode: decodeValue },
  'flint encodeRecords': {
    encode: (value) => encodeRecords(value as unknown[]),
    decode: decodeRecords,
  },
};
const recordCandidates = Object.keys(candidates);
const messageCandidates = ['v8', 'msgpackr clone+rec', 'msgpackr rec', 'flint encodeValue'];

// Measurement -----------------------------------------------------------------------------------

const median = (samples: readonly number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Milliseconds of process CPU time per call: steadier than wall time on a shared machine. */
function cpuMs(run: () => void, repeat: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < repeat; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e3 / repeat;
}

interface Trial {
  readonly name: string;
  readonly codec: Codec;
  readonly bytes: Uint8Array;
  readonly isFaithful: boolean;
  readonly encodeMs: number[];
  readonly decodeMs: number[];
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const rows: string[] = [
  '| data | codec | size MB | encode ms | decode ms | enc MB/s | dec MB/s | enc rec/s | dec rec/s |',
  '|---|---|--:|--:|--:|--:|--:|--:|--:|',
];
const perSecond = (count: number, ms: number): string => {
  const rate = count / (ms / 1e3);
  return rate >= 1e6 ? `${fixed(rate / 1e6, 2)}M` : `${fixed(rate / 1e3, 1)}k`;
};

/**
 * Runs every candidate on one value, interleaved: each repetition times every candidate once, in a
 * rotating order, so load from other processes spreads over all of them alike.
 */
function measure(
  data: string,
  names: readonly string[],
  value: unknown,
  count: number,
  repeat: number,
): void {
  const trials: Trial[] = [];
  for (const name of names) {
    const codec = candidates[name];
    if (codec === undefined) throw new Error(`No candidate named ${name}`);
    try {
      const bytes = codec.encode(value);
      const isFaithful = isDeepStrictEqual(codec.decode(bytes), value);
      trials.push({ name, codec, bytes, isFaithful, encodeMs: [], decodeMs: [] });
    } catch (error) {
      rows.push(`| ${data} | ${name} | fails: ${(error as Error).message.slice(0, 40)} |`);
    }
  }
  for (let round = -warmups; round < runs; round++) {
    for (let i = 0; i < trials.length; i++) {
      const trial = trials[(i + Math.max(round, 0)) % trials.length];
      if (trial === undefined) continue;
      collectGarbage();
      const encodeMs = cpuMs(() => trial.codec.encode(value), repeat);
      collectGarbage();
      const decodeMs = cpuMs(() => trial.codec.decode(trial.bytes), repeat);
      if (round >= 0) {
        trial.encodeMs.push(encodeMs);
        trial.decodeMs.push(decodeMs);
      }
    }
  }
  for (const trial of trials) {
    const encodeMs = median(trial.encodeMs);
    const decodeMs = median(trial.decodeMs);
    const megabytes = trial.bytes.byteLength / 1e6;
    rows.push(
      `| ${data} | ${trial.name}${trial.isFaithful ? '' : ' (lossy)'} | ${fixed(megabytes, 2)} | ` +
        `${encodeMs.toPrecision(3)} | ${decodeMs.toPrecision(3)} | ` +
        `${fixed(megabytes / (encodeMs / 1e3), 0)} | ${fixed(megabytes / (decodeMs / 1e3), 0)} | ` +
        `${perSecond(count, encodeMs)} | ${perSecond(count, decodeMs)} |`,
    );
    console.error(rows.at(-1));
  }
}

const runs = quick ? 3 : 9;
const warmups = 2;
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
for (const [data, make] of Object.entries(recordSets)) {
  if (only !== undefined && !data.includes(only)) continue;
  const records = make();
  measure(data, recordCandidates, records, records.length, 1);
}
for (const [data, make] of Object.entries(messages)) {
  if (only !== undefined && !data.includes(only)) continue;
  const { value, repeat } = make();
  measure(data, messageCandidates, value, 1, repeat);
}
console.log(rows.join('\n'));
