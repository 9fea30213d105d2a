import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { countOneByOne } from '../src/countMethods.js';
import { parseCount, parseFlags } from '../src/flags.js';
import { formatCount, formatDuration, renderTable } from '../src/table.js';
import { type MM, mmAt, TUB_MODEL } from '../src/tub.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COLOUR_NAMES = TUB_MODEL.colours.map((colour) => colour.name);

function sampleTub(size: number, seed: number): MM[] {
  return Array.from({ length: size }, (_, index) => mmAt(index, seed, TUB_MODEL));
}

describe('the tub', () => {
  it('has six colours whose shares add up to 1', () => {
    expect(COLOUR_NAMES).toEqual(['blue', 'orange', 'green', 'yellow', 'red', 'brown']);
    const shares = TUB_MODEL.colours.reduce((sum, colour) => sum + colour.share, 0);
    expect(shares).toBeCloseTo(1, 12);
  });

  it('makes each M&M from its seed and position only, in any order', () => {
    const forwards = sampleTub(1000, 7);
    const backwards = Array.from({ length: 1000 }, (_, i) => mmAt(999 - i, 7, TUB_MODEL)).reverse();
    expect(backwards).toEqual(forwards);
    expect(sampleTub(1000, 7)).toEqual(forwards);
    // Positions past 2^32 are their own M&Ms too, not those of the low 32 bits.
    expect(mmAt(2 ** 32 + 5, 7, TUB_MODEL)).not.toEqual(mmAt(5, 7, TUB_MODEL));
  });

  it('makes a different tub from another seed', () => {
    const one = sampleTub(1000, 1).map((mm) => mm.weight);
    const other = sampleTub(1000, 2).map((mm) => mm.weight);
    expect(one.filter((weight, index) => weight === other[index]).length).toBeLessThan(5);
  });

  it('mixes the colours in their shares, each M&M near its colour weight', () => {
    const size = 200_000;
    const counts = new Map<string, number>();
    const gramsOf = new Map(TUB_MODEL.colours.map((colour) => [colour.name, colour.grams]));
    let largestStray = 0;
    for (const mm of sampleTub(size, 42)) {
      counts.set(mm.colour, (counts.get(mm.colour) ?? 0) + 1);
      const stray = Math.abs(mm.weight - (gramsOf.get(mm.colour) ?? Number.NaN));
      largestStray = Number.isNaN(stray) ? Number.POSITIVE_INFINITY : Math.max(largestStray, stray);
    }
    expect(largestStray).toBeLessThanOrEqual(TUB_MODEL.noiseGrams);
    // The noise spans its whole range, not a sliver of it.
    expect(largestStray).toBeGreaterThan(TUB_MODEL.noiseGrams * 0.99);
    expect([...counts.keys()].sort()).toEqual([...COLOUR_NAMES].sort());
    for (const colour of TUB_MODEL.colours) {
      expect(Math.abs((counts.get(colour.name) ?? 0) / size - colour.share)).toBeLessThan(0.005);
    }
  });

  it('counts exactly one by one', () => {
    const result = countOneByOne(12_345, 42);
    expect(result).toMatchObject({ count: 12_345, exact: true, errorPercent: 0 });
    expect(result.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('the table', () => {
  it('pads left and right aligned columns under a rule, without trailing spaces', () => {
    const table = renderTable(
      [{ header: 'method' }, { header: 'count', align: 'right' }, { header: 'note' }],
      [['one by one', '1,000', 'exact'], ['weighing', '998', ''], ['short row']],
    );
    expect(`\n${table}\n`).toBe(`
method      count  note
----------  -----  -----
one by one  1,000  exact
weighing      998
short row
`);
  });

  it('formats counts and durations', () => {
    expect(formatCount(20_000_000)).toBe('20,000,000');
    expect(formatDuration(812.4)).toBe('812 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
  });
});

describe('the flags', () => {
  it('reads tub sizes in every style', () => {
    for (const text of [
      '20000000',
      '20_000_000',
      '20,000,000',
      '20e6',
      '2e7',
      '20m',
      '20M',
      '0.02b',
    ]) {
      expect(parseCount(text), text).toBe(20_000_000);
    }
    expect(parseCount('1.5k')).toBe(1500);
    for (const text of ['', 'lots', '-5', '1.5', '2e-3', '0x10', '20mm', 'Infinity']) {
      expect(parseCount(text), text).toBeUndefined();
    }
  });

  it('has defaults, 4 chunks per worker', () => {
    expect(parseFlags([], 3)).toEqual({
      kind: 'run',
      settings: { mms: 20_000_000, workers: 3, partitions: 12, seed: 42 },
    });
    expect(
      parseFlags(['--mms=1k', '--workers', '2', '--partitions', '5', '--seed', '0'], 3),
    ).toEqual({
      kind: 'run',
      settings: { mms: 1000, workers: 2, partitions: 5, seed: 0 },
    });
    expect(parseFlags(['--mms', 'x', '-h'], 3)).toEqual({ kind: 'help' });
    // What `pnpm demo -- --mms 1k` passes on.
    expect(parseFlags(['--', '--mms', '1k'], 3)).toMatchObject({ settings: { mms: 1000 } });
  });

  it('serves the page with --ui, on a port of its choice with --ui-port', () => {
    const settings = { mms: 20_000_000, workers: 3, partitions: 12, seed: 42 };
    expect(parseFlags(['--ui'], 3)).toEqual({
      kind: 'run',
      settings,
      page: { port: 0, open: true },
    });
    expect(parseFlags(['--ui-port', '8080', '--no-open'], 3)).toEqual({
      kind: 'run',
      settings,
      page: { port: 8080, open: false },
    });
    expect(parseFlags([], 3)).not.toHaveProperty('page');
    expect(parseFlags(['--ui=yes'], 3)).toEqual({ kind: 'error', message: '--ui takes no value.' });
    expect(parseFlags(['--ui', '--ui-port', '70000'], 3)).toEqual({
      kind: 'error',
      message:
        "--ui-port expects a whole number from 0 to 65535 (like --ui-port 8080), but got '70000'.",
    });
  });

  it('names the flag that is wrong and what it expects', () => {
    const message = (args: string[]) => {
      const parsed = parseFlags(args, 2);
      return parsed.kind === 'error' ? parsed.message : `no error: ${parsed.kind}`;
    };
    expect(message(['--mms', 'lots'])).toBe(
      "--mms expects a whole number of at least 1 (like --mms 20m), but got 'lots'.",
    );
    expect(message(['--workers', '0'])).toBe(
      "--workers expects a whole number from 1 to 256 (like --workers 2), but got '0'.",
    );
    expect(message(['--partitions'])).toBe('--partitions needs a value, like --partitions 8.');
    expect(message(['--seed', '--mms', '5'])).toBe('--seed needs a value, like --seed 42.');
    expect(message(['--colour', 'red'])).toMatch(/^unknown flag --colour; the flags are --mms/);
    expect(message(['--help=yes'])).toBe('--help takes no value.');
    expect(message(['20m'])).toBe("unexpected argument '20m': the demo takes only flags.");
  });
});

describe('the demo, run as a command', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    const pid = child?.pid;
    if (child && pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // The child leads its own process group: this also stops the workers it started.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        // It may have exited since the check: then there is nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    child = undefined;
  });

  function runDemo(
    args: readonly string[],
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const started = spawn(
      process.execPath,
      ['--conditions=@flint/source', '--import', 'tsx', 'apps/demo/src/main.ts', ...args],
      { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    started.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    return new Promise((resolve, reject) => {
      started.once('error', reject);
      started.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const count = (text: string | undefined) => Number((text ?? '').replaceAll(',', ''));

  it('counts a tub three ways and per colour', { timeout: 120_000 }, async () => {
    const size = 200_000;
    const { code, stdout, stderr } = await runDemo(['--mms', String(size), '--workers', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(0);

    const oneByOne = /^one by one \(1 thread\)\s+([\d,]+)\s+exact\s+\S+ m?s$/m.exec(stdout);
    expect(count(oneByOne?.[1])).toBe(size);

    const weighing = /^weighing \(.+?\)\s+([\d,]+)\s+([+-]?\d+\.\d+)%\s+\S+ m?s$/m.exec(stdout);
    expect(weighing).not.toBeNull();
    expect(Math.abs(count(weighing?.[1]) - size) / size).toBeLessThan(0.06);
    expect(Math.abs(Number(weighing?.[2]))).toBeLessThan(6);

    const distributed = /^distributed \((\d+) chunks, (\d+) workers\)\s+([\d,]+)\s+exact\s/m.exec(
      stdout,
    );
    expect(distributed?.slice(1, 3)).toEqual(['8', '2']);
    expect(count(distributed?.[3])).toBe(size);

    // The workers made the very tub the test makes here, chunk by chunk: same colours, same counts.
    const expected = new Map<string, number>();
    for (const mm of sampleTub(size, 42)) {
      expected.set(mm.colour, (expected.get(mm.colour) ?? 0) + 1);
    }
    let colourTotal = 0;
    for (const colour of COLOUR_NAMES) {
      const row = new RegExp(`^${colour}\\s+([\\d,]+)\\s+\\d+\\.\\d%$`, 'm').exec(stdout);
      expect(count(row?.[1]), colour).toBe(expected.get(colour));
      colourTotal += count(row?.[1]);
    }
    expect(colourTotal).toBe(size);

    // The lineage shows the shuffle: the stage before it is indented under ' +-'.
    expect(stdout).toMatch(/^\(8\) ShuffledRDD\[\d+\]/m);
    expect(stdout).toMatch(/^ \+-\(8\) MapPartitionsRDD\[\d+\]/m);
  });

  it('prints its usage with --help', async () => {
    const { code, stdout } = await runDemo(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: pnpm demo \[flags\]/);
    for (const flag of ['--mms', '--workers', '--partitions', '--seed', '--ui', '--help']) {
      expect(stdout).toContain(flag);
    }
  });

  it('exits with code 2 on a bad flag, naming it', async () => {
    const { code, stdout, stderr } = await runDemo(['--workers', 'many']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      "--workers expects a whole number from 1 to 256 (like --workers 2), but got 'many'.",
    );
    expect(stderr).toContain('--help');
  });
});
