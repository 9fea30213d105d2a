/** The demo's command-line flags: parsing, checking, and the usage text. */
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from './tub.js';

/** What the demo runs with. */
export interface DemoSettings {
  /** M&Ms in the tub. @default 20_000_000 */
  readonly mms: number;
  /** Worker processes to start. @default os.availableParallelism() */
  readonly workers: number;
  /** Chunks the tub is split into. @default 4 per worker */
  readonly partitions: number;
  /** @default 42 */
  readonly seed: number;
}

/** How the demo page is served, when `--ui` asks for it. */
export interface PageSettings {
  /** The page's port; when taken, the next free one; 0 picks any. @default 0 */
  readonly port: number;
  /** Open the page in a browser, where there is a display. @default true */
  readonly open: boolean;
}

/** What the command line asks for: help, a run, or nothing valid (with the reason). */
export type ParsedFlags =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly settings: DemoSettings; readonly page?: PageSettings }
  | { readonly kind: 'error'; readonly message: string };

const DEFAULT_MMS = 20_000_000;
const PARTITIONS_PER_WORKER = 4;
const MAX_WORKERS = 256;
const MAX_SEED = 0xffff_ffff;

const OPTIONS = {
  mms: { type: 'string' },
  workers: { type: 'string' },
  partitions: { type: 'string' },
  seed: { type: 'string' },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
  'no-open': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags that are on or off, and take no value. */
type SwitchFlag = 'help' | 'ui' | 'no-open';
type ValueFlag = Exclude<keyof typeof OPTIONS, SwitchFlag>;
const SWITCHES: readonly string[] = ['help', 'ui', 'no-open'] satisfies SwitchFlag[];
const MAX_PORT = 65_535;

/** The usage text `--help` prints; `defaultWorkers` is this machine's default. */
export function usage(defaultWorkers: number): string {
  return `Usage: pnpm demo [flags]

Counts the M&Ms in a tub three ways (one by one, by weighing, and distributed over Flint
workers), then counts them per colour with a shuffle.

Flags:
  --mms N         M&Ms in the tub (default 20m). 20000000, 20_000_000, 20e6 and 20m all work,
                  as do k (thousand) and b (billion).
  --workers N     worker processes to start (default ${defaultWorkers}, this machine's CPUs)
  --partitions N  chunks the tub is split into (default ${PARTITIONS_PER_WORKER} per worker)
  --seed N        makes the tub; the same seed makes the same tub (default ${DEFAULT_SEED})
  --ui            also show the demo live on a web page: the tub, the colleagues (workers)
                  counting their chunks, the stages, the driver's sum and the three methods
                  side by side. Its URL (on 127.0.0.1) is printed, and opened in your browser
                  when there is a display. The page, and Flint's own web UI, stay up after the
                  demo until you press Ctrl-C; without --ui the demo ends when it is done.
  --ui-port N     the page's port (default: any free one; when N is taken, the next free one
                  after it); implies --ui
  --no-open       with --ui, print the page's URL but do not open a browser
  -h, --help      print this help`;
}

/**
 * Reads the demo's flags from `args` (without the node and script paths). Never throws: a bad
 * flag comes back as `{ kind: 'error' }` with a message that names it and says what it expects.
 */
export function parseFlags(args: readonly string[], defaultWorkers: number): ParsedFlags {
  // Non-strict parsing with tokens, so that every mistake gets a message written for this demo.
  // `pnpm demo -- --mms 1m` (the npm habit) hands the script a leading '--': flags follow it.
  const flags = args[0] === '--' ? args.slice(1) : [...args];
  const { tokens } = parseArgs({
    args: flags,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = new Map<ValueFlag, string>();
  const switches = new Set<SwitchFlag>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      return error(`unexpected argument '${token.value}': the demo takes only flags.`);
    }
    if (token.kind === 'option-terminator') continue;
    if (isSwitch(token.name)) {
      if (token.value !== undefined) return error(`${token.rawName} takes no value.`);
      if (token.name === 'help') return { kind: 'help' };
      switches.add(token.name);
      continue;
    }
    if (!isValueFlag(token.name)) {
      return error(
        `unknown flag ${token.rawName}; the flags are --mms, --workers, --partitions, --seed, ` +
          '--ui, --ui-port, --no-open and --help.',
      );
    }
    // `--mms --seed 1` would otherwise read '--seed' as the number of M&Ms.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      return error(`${token.rawName} needs a value, like ${token.rawName} ${example(token.name)}.`);
    }
    given.set(token.name, token.value);
  }

  const mms = readCount(given, 'mms', DEFAULT_MMS, 1, Number.MAX_SAFE_INTEGER);
  if (typeof mms === 'string') return error(mms);
  const workers = readCount(given, 'workers', defaultWorkers, 1, MAX_WORKERS);
  if (typeof workers === 'string') return error(workers);
  const defaultPartitions = workers * PARTITIONS_PER_WORKER;
  const partitions = readCount(given, 'partitions', defaultPartitions, 1, Number.MAX_SAFE_INTEGER);
  if (typeof partitions === 'string') return error(partitions);
  const seed = readCount(given, 'seed', DEFAULT_SEED, 0, MAX_SEED);
  if (typeof seed === 'string') return error(seed);
  const settings = { mms, workers, partitions, seed };
  if (!switches.has('ui') && !given.has('ui-port')) return { kind: 'run', settings };
  const port = readCount(given, 'ui-port', 0, 0, MAX_PORT);
  if (typeof port === 'string') return error(port);
  return { kind: 'run', settings, page: { port, open: !switches.has('no-open') } };
}

function error(message: string): ParsedFlags {
  return { kind: 'error', message };
}

function isSwitch(name: string): name is SwitchFlag {
  return SWITCHES.includes(name);
}

function isValueFlag(name: string): name is ValueFlag {
  return !isSwitch(name) && Object.hasOwn(OPTIONS, name);
}

function example(flag: ValueFlag): string {
  return { mms: '20m', workers: '2', partitions: '8', seed: '42', 'ui-port': '8080' }[flag];
}

/** The flag's whole number, its default when absent, or a message saying what was expected. */
function readCount(
  given: ReadonlyMap<ValueFlag, string>,
  flag: ValueFlag,
  fallback: number,
  min: number,
  max: number,
): number | string {
  const text = given.get(flag);
  if (text === undefined) return fallback;
  const value = parseCount(text);
  if (value === undefined || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    return `--${flag} expects a whole number ${range} (like --${flag} ${example(flag)}), but got '${text}'.`;
  }
  return value;
}

const SUFFIXES: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, b: 1e9 };

/**
 * A whole number written as `20000000`, `20_000_000`, `20,000,000`, `20e6`, `20m` or `1.5k`;
 * undefined for anything else, fractions included.
 */
export function parseCount(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)([kmb]?)$/.exec(
    text.replaceAll(/[_,]/g, '').toLowerCase(),
  );
  if (!match) return undefined;
  const value = Number(match[1]) * (SUFFIXES[match[2] ?? ''] ?? 1);
  const whole = Math.round(value);
  // Allow for binary rounding (0.3k is 300.00000000000006) but not for real fractions.
  if (Math.abs(value - whole) > 1e-6 || !Number.isSafeInteger(whole)) return undefined;
  return whole;
}
