/**
 * `pnpm demo`: counts the M&Ms in a tub three ways, then per colour, and prints what it found;
 * with `--ui`, also shows it live on a web page. The command line only: the tub is in tub.ts, the
 * counting in countMethods.ts, the page in page/.
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
import { type DemoSettings, type PageSettings, parseFlags, usage } from './flags.js';
import { type DemoServer, startDemoServer } from './page/demoServer.js';
import { DemoState } from './page/demoState.js';
import { hasDisplay, openBrowser } from './page/openBrowser.js';
import { formatCount, formatDuration, renderTable } from './table.js';
import { makeTub } from './tub.js';

/** Exit code for a command line the demo cannot run, as most command-line tools use. */
const EXIT_USAGE = 2;

/** The live page of a `--ui` run: its model and its server. */
interface LivePage {
  readonly state: DemoState;
  readonly server: DemoServer;
}

async function run(settings: DemoSettings, pageSettings: PageSettings | undefined): Promise<void> {
  const { mms, workers, partitions, seed } = settings;
  console.log(
    `A tub of ${formatCount(mms)} M&Ms (seed ${seed}), ${partitions} chunks, ${workers} workers.`,
  );
  // Started before the workers, so the page shows them joining.
  const page = pageSettings === undefined ? undefined : await startPage(settings, pageSettings);
  const state = page?.state;
  const startedAt = performance.now();
  try {
    // Loaded here, not at the top, so --help and flag errors answer at once, engine or not.
    const { createContext } = await import('@flint/rdd');
    const sc = await createContext({
      workers,
      ...(state === undefined ? {} : { listeners: [state.listener] }),
    });
    try {
      state?.setFlintUiUrl(sc.uiUrl);
      const ui = sc.uiUrl === undefined ? '' : ` Web UI: ${sc.uiUrl}`;
      console.log(
        `Started ${workers} workers in ${formatDuration(performance.now() - startedAt)}.${ui}\n`,
      );
      const tub = makeTub(sc, { size: mms, seed, partitions });

      console.log('Counting the M&Ms three ways...\n');
      state?.startMethod('oneByOne');
      // Counting one by one holds the driver's only thread: show the page that it started first.
      await page?.server.flush();
      const oneByOne = countOneByOne(mms, seed);
      state?.finishMethod('oneByOne', oneByOne);
      state?.startMethod('weighing');
      const weighing = await countByWeighing(tub, mms);
      state?.finishMethod('weighing', weighing);
      state?.startMethod('distributed');
      const distributed = await countDistributed(tub, mms, workers);
      state?.finishMethod('distributed', distributed);
      console.log(renderCounts([oneByOne, weighing, distributed]));

      console.log('\nCounting them per colour, in two stages with a shuffle by colour...\n');
      state?.startColours();
      const byColour = await countByColour(tub);
      state?.finishColours(byColour.counts);
      console.log(renderColours(byColour, mms));
      console.log('\nIts lineage (toDebugString); the indented lines run before the shuffle:\n');
      console.log(byColour.lineage);
      state?.finish();

      if (page !== undefined) {
        const flintUi = sc.uiUrl === undefined ? '' : ` (and Flint's web UI at ${sc.uiUrl})`;
        console.log(
          `\nThe demo page stays up at ${page.server.url}${flintUi} until you press Ctrl-C.`,
        );
        await untilInterrupted();
      }
    } finally {
      await sc.stop();
    }
  } catch (error) {
    state?.finish(error);
    await page?.server.flush(); // so an open page shows the failure before it closes
    throw error;
  } finally {
    await page?.server.close();
  }
}

/** Serves the live page, prints its URL and opens it where there is a screen to show it on. */
async function startPage(settings: DemoSettings, pageSettings: PageSettings): Promise<LivePage> {
  const state = new DemoState(settings);
  const server = await startDemoServer({ state, port: pageSettings.port });
  console.log(`The demo page: ${server.url}`);
  if (pageSettings.open && hasDisplay()) {
    openBrowser(server.url, (reason) =>
      console.error(`demo: could not open a browser (${reason}); open ${server.url} yourself.`),
    );
  }
  return { state, server };
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM, which then end the demo cleanly instead of killing it. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
    await run(parsed.settings, parsed.page);
  } catch (error) {
    console.error('demo: the count failed:', error);
    process.exitCode = 1;
  }
}
