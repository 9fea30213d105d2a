/**
 * Measures the codec candidates on realistic rows: v8's structured serializer against msgpackr
 * (with the options fidelity needs), and Flint's codec as shipped (fidelity scan + one-byte tag).
 * Run: `node --import tsx packages/worker/bench/codec.bench.ts [--quick] [--only=text,objects]`.
 * Not a test.
 *
 * Each (data, codec) pair runs in its own process: in a shared one, the heap that one candidate
 * leaves behind changed the next one's figures by up to 3x. Times are medians of process CPU time
 * (steadier than wall time on a shared machine) over samples of at least 200 ms each, after a
 * warm-up. MB/s is over each codec's own encoded bytes; records/s is the fair comparison.
 */
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Packr } from 'msgpackr';
import { decodeRecords, decodeValue, encodeRecords, encodeValue } from '../src/codec.js';
import { mulberry32 } from '../src/resultSinks.js';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
const samples = quick ? 3 : 7;

// Data ------------------------------------------------------------------------------------------

/** The engine's seeded PRNG, so every run measures the same rows. */
const seededRandom = mulberry32;

const random = seededRandom(42);
const randomInt = (min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

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
const list = <T>(length: number, make: (index: number) => T): T[] =>
  Array.from({ length }, (_, index) => make(index));
/** `count` rows, a tenth with --quick. */
const times = <T>(count: number, make: (index: number) => T): T[] =>
  list(Math.round(count * scale), make);
const wordPairs = (count: number): unknown[] => times(count, () => [word(), randomInt(1, 1000)]);
const tagNames = ['red', 'green', 'blue', 'new', 'sale', 'hot', 'eu', 'us'];

interface DataSet {
  readonly make: () => unknown;
  /** Records in the value: what records/s counts. */
  readonly count: (value: unknown) => number;
  readonly candidates: readonly string[];
}

const blockCandidates = [
  'v8',
  'msgpackr clone+rec',
  'msgpackr rec',
  'msgpackr plain',
  'flint encodeValue',
  'flint encodeRecords',
];
const messageCandidates = ['v8', 'msgpackr clone+rec', 'msgpackr rec', 'flint encodeValue'];
const block = (make: () => unknown[]): DataSet => ({
  make,
  count: (value) => (value as unknown[]).length,
  candidates: blockCandidates,
});
const message = (make: () => unknown): DataSet => ({
  make,
  count: () => 1,
  candidates: messageCandidates,
});

const dataSets: Record<string, DataSet> = {
  'pairs [w, n] 1e6': block(() => wordPairs(1e6)),
  'pairs [n, n] 1e6': block(() => times(1e6, (i) => [i, randomInt(0, 1e6)])),
  'numbers 1e6': block(() => times(1e6, () => random() * 1e6)),
  'text lines 2e5': block(() => times(2e5, () => list(randomInt(10, 20), word).join(' '))),
  'objects 2e5': block(() =>
    times(2e5, (i) => ({
      id: i,
      name: `user-${i}`,
      score: Math.round(random() * 10_000) / 100,
      tags: list(randomInt(0, 4), () => tagNames[randomInt(0, 7)]),
    })),
  ),
  'combiners [w, n[]] 1e5': block(() =>
    times(1e5, () => [word(), list(randomInt(1, 20), () => randomInt(1, 99))]),
  ),
  // The worst fallback: a -0 in the last record sends the block to v8 after a full scan.
  'pairs 1e6 + one -0 (fallback)': block(() => [...wordPairs(1e6), ['w0', -0]]),
  'blockData, 1 MB payload': message(() => ({
    type: 'blockData',
    requestId: 7,
    mapIndex: 3,
    data: new Uint8Array(1 << 20).map(() => randomInt(0, 255)),
  })),
  'launchTask (control)': message(() => ({
    type: 'launchTask',
    task: { taskId: 12, stageKey: 's3.0', partition: 5, attempt: 0 },
  })),
  'defineStage + closure values': message(() => ({
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
  })),
  'taskFinished, 1e5 pairs': message(() => ({
    type: 'taskFinished',
    taskId: 9,
    result: { kind: 'value', value: wordPairs(1e5) },
    metrics: { durationMs: 1, recordsRead: 1, recordsWritten: 1, shuffleBytesWritten: 0 },
  })),
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
const packrCodec = (packr: Packr): Codec => ({
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
});

// Built on demand: each process needs one. Importing codec.ts also makes msgpackr decode
// Uint8Arrays as views, for the raw msgpackr candidates too.
const candidates: Record<string, () => Codec> = {
  v8: () => ({ encode: serialize, decode: deserialize }),
  'msgpackr clone+rec': () => packrCodec(new Packr({ ...fidelityOptions, structuredClone: true })),
  'msgpackr rec': () => packrCodec(new Packr(fidelityOptions)),
  // Plain MessagePack maps, no records: what records buy (and it cannot tell a Map from an object).
  'msgpackr plain': () =>
    packrCodec(new Packr({ ...fidelityOptions, useRecords: false, mapsAsObjects: true })),
  'flint encodeValue': () => ({ encode: encodeValue, decode: decodeValue }),
  'flint encodeRecords': () => ({
    encode: (value) => encodeRecords(value as unknown[]),
    decode: decodeRecords,
  }),
};

// Measurement (child process) -------------------------------------------------------------------

interface Measurement {
  readonly bytes: number;
  readonly count: number;
  readonly isFaithful: boolean;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Milliseconds of process CPU time per call, over `repeat` calls after a collection. */
function cpuMs(run: () => void, repeat: number, collectGarbage: () => void): number {
  collectGarbage();
  const start = process.cpuUsage();
  for (let i = 0; i < repeat; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e3 / repeat;
}

/**
 * Calls per sample for about 200 ms: grows the batch until one takes 50 ms, so that a slow first
 * (unoptimised) call does not make samples of a fast codec too short to time. Also the warm-up.
 */
function repeatFor(run: () => void, collectGarbage: () => void): number {
  for (let repeat = 1; ; repeat *= 4) {
    const ms = cpuMs(run, repeat, collectGarbage) * repeat;
    if (ms >= 50 || repeat >= 1e6) return Math.max(1, Math.round((repeat * 200) / ms));
  }
}

function measure(dataName: string, codecName: string): Measurement {
  setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;
  const dataSet = dataSets[dataName];
  const makeCodec = candidates[codecName];
  if (dataSet === undefined || makeCodec === undefined) {
    throw new Error(`Unknown data set or codec: ${dataName}, ${codecName}`);
  }
  const value = dataSet.make();
  const codec = makeCodec();
  const bytes = codec.encode(value);
  const isFaithful = isDeepStrictEqual(codec.decode(bytes), value);
  const encode = (): unknown => codec.encode(value);
  const decode = (): unknown => codec.decode(bytes);
  const encodeRepeat = repeatFor(encode, collectGarbage);
  const decodeRepeat = repeatFor(decode, collectGarbage);
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    encodeMs.push(cpuMs(encode, encodeRepeat, collectGarbage));
    decodeMs.push(cpuMs(decode, decodeRepeat, collectGarbage));
  }
  return {
    bytes: bytes.byteLength,
    count: dataSet.count(value),
    isFaithful,
    encodeMs: median(encodeMs),
    decodeMs: median(decodeMs),
  };
}

// Report (parent process) -----------------------------------------------------------------------

const fixed = (value: number, digits = 1): string => value.toFixed(digits);
const rate = (count: number, ms: number): string => {
  const perSecond = count / (ms / 1e3);
  return perSecond >= 1e6 ? `${fixed(perSecond / 1e6, 2)}M` : `${fixed(perSecond / 1e3, 1)}k`;
};
const time = (ms: number): string => (ms >= 1 ? ms.toPrecision(3) : `${fixed(ms * 1e3, 1)} µs`);

function report(): void {
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const rows = [
    '| data | codec | size MB | encode ms | decode ms | enc MB/s | dec MB/s | enc rec/s | ' +
      'dec rec/s |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [dataName, dataSet] of Object.entries(dataSets)) {
    if (only !== undefined && !only.some((part) => dataName.includes(part))) continue;
    for (const codecName of dataSet.candidates) {
      const args = [
        ...process.execArgv,
        process.argv[1] ?? '',
        `--child=${dataName}::${codecName}`,
      ];
      if (quick) args.push('--quick');
      let row: string;
      try {
        const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
        const m = JSON.parse(output) as Measurement;
        const megabytes = m.bytes / 1e6;
        const name = `${codecName}${m.isFaithful ? '' : ' (lossy)'}`;
        const mbPerSecond = (ms: number): string => fixed(megabytes / (ms / 1e3), 0);
        row =
          `| ${dataName} | ${name} | ${fixed(megabytes, 2)} | ` +
          `${time(m.encodeMs)} | ${time(m.decodeMs)} | ` +
          `${mbPerSecond(m.encodeMs)} | ${mbPerSecond(m.decodeMs)} | ` +
          `${rate(m.count, m.encodeMs)} | ${rate(m.count, m.decodeMs)} |`;
      } catch (error) {
        row = `| ${dataName} | ${codecName} | failed: ${(error as Error).message.split('\n')[0]} |`;
      }
      rows.push(row);
      console.error(row);
    }
  }
  console.log(rows.join('\n'));
}

const child = process.argv.find((arg) => arg.startsWith('--child='))?.slice('--child='.length);
if (child === undefined) {
  report();
} else {
  const [dataName = '', codecName = ''] = child.split('::');
  process.stdout.write(JSON.stringify(measure(dataName, codecName)));
}
