/**
 * `pnpm demo`: counts the M&Ms in a tub three ways, then per colour, and prints what it found.
 * The command line only: the tub is in tub.ts, the counting in countMethods.ts.
 */
import { availableParallelism } from 'node:os';
import {
  type ColourCounts,
  type CountResult,
  countByColour,
  countByWeighing,
  countDistributed,
  countOneByOne,
} from './countMethods.js';
import { type DemoSettings, parseFlags, usage } from './flags.js';
import { formatCount, formatDuration, renderTable } from './table.js';
import { makeTub } from './tub.js';

/** Exit code for a command line the demo cannot run, as most command-line tools use. */
const EXIT_USAGE = 2;

async function run(settings: DemoSettings): Promise<void> {
  const { mms, workers, partitions, seed } = settings;
  console.log(
    `A tub of ${formatCount(mms)} M&Ms (seed ${seed}), ${partitions} chunks, ${workers} workers.`,
  );
  const startedAt = performance.now();
  // Loaded here, not at the top, so --help and flag errors answer at once, engine or not.
  const { createContext } = await import('@flint/rdd');
  const sc = await createContext({ workers });
  try {
    const ui = sc.uiUrl === undefined ? '' : ` Web UI: ${sc.uiUrl}`;
    console.log(
      `Started ${workers} workers in ${formatDuration(performance.now() - startedAt)}.${ui}\n`,
    );
    const tub = makeTub(sc, { size: mms, seed, partitions });

    console.log('Counting the M&Ms three ways...\n');
    const results = [
      countOneByOne(mms, seed),
      await countByWeighing(tub, mms),
      await countDistributed(tub, mms, workers),
    ];
    console.log(renderCounts(results));

    console.log('\nCounting them per colour, in two stages with a shuffle by colour...\n');
    const byColour = await countByColour(tub);
    console.log(renderColours(byColour, mms));
    console.log('\nIts lineage (toDebugString); the indented lines run before the shuffle:\n');
    console.log(byColour.lineage);
  } finally {
    await sc.stop();
  }
}

function renderCounts(results: readonly CountResult[]): string {
  return renderTable(
    [
      { header: 'method' },
      { header: 'count', align: 'right' },
      { header: 'error', align: 'right' },
      { header: 'time', align: 'right' },
    ],
    results.map((result) => [
      result.method,
      formatCount(result.count),
      result.exact
        ? 'exact'
        : `${result.errorPercent > 0 ? '+' : ''}${result.errorPercent.toFixed(2)}%`,
      formatDuration(result.ms),
    ]),
  );
}

function renderColours(byColour: ColourCounts, size: number): string {
  const total = byColour.counts.reduce((sum, [, count]) => sum + count, 0);
  const rows = [...byColour.counts, ['all', total] as const].map(([colour, count]) => [
    colour,
    formatCount(count),
    percent(count / size),
  ]);
  return (
    renderTable(
      [
        { header: 'colour' },
        { header: 'count', align: 'right' },
        { header: 'share', align: 'right' },
      ],
      rows,
    ) + `\n(took ${formatDuration(byColour.ms)})`
  );
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

const defaultWorkers = availableParallelism();
const parsed = parseFlags(process.argv.slice(2), defaultWorkers);
if (parsed.kind === 'help') {
  console.log(usage(defaultWorkers));
} else if (parsed.kind === 'error') {
  console.error(`demo: ${parsed.message}\nRun with --help to see the flags.`);
  process.exitCode = EXIT_USAGE;
} else {
  try {
    await run(parsed.settings);
  } catch (error) {
    console.error('demo: the count failed:', error);
    process.exitCode = 1;
  }
}
