/**
 * The demo page's markup, rendered on the server from a {@link DemoSnapshot}: the whole document
 * for the first load, and its live regions (by element id) for each update the page script swaps
 * in. One renderer for both, so the page reads the same with or without JavaScript.
 *
 * Plain HTML and inline SVG, no framework and no external asset; the inline style and script run
 * only with the response's CSP nonce. Numbers that tests read are in `data-*` attributes.
 */
import { formatCount, formatDuration } from '../table.js';
import { TUB_MODEL } from '../tub.js';
import type {
  ChunkView,
  ColleagueView,
  DemoSnapshot,
  DriverView,
  JobView,
  MethodId,
  MethodView,
  Phase,
  StageView,
} from './demoState.js';
import { html, SafeHtml } from './html.js';

/** The ids of the elements whose content each live update replaces. */
export const REGION_IDS = [
  'status',
  'flint-ui',
  'tub',
  'colleagues',
  'stages',
  'driver',
  'results',
  'colours',
] as const;
/** One live region of the page. */
export type RegionId = (typeof REGION_IDS)[number];

/** The path of the page's event stream. */
export const EVENTS_PATH = '/events';

/** More chunks than this are drawn as small tiles without text. */
const MAX_LABELLED_CHUNKS = 64;
/** The driver's sum lists this many terms, then says how many more. */
const MAX_SUM_TERMS = 16;

const METHOD_LABELS: Readonly<Record<MethodId, { name: string; how: string }>> = {
  oneByOne: { name: 'One by one', how: 'the driver alone, one thread' },
  weighing: { name: 'By weighing', how: 'total weight ÷ one M&M' },
  distributed: { name: 'Distributed', how: 'colleagues count chunks, the driver adds up' },
};

const PHASE_LABELS: Readonly<Record<Phase, string>> = {
  starting: 'starting',
  oneByOne: 'one by one',
  weighing: 'weighing',
  distributed: 'distributed count',
  colours: 'count per colour',
  done: 'done',
  failed: 'failed',
};

/** The markup of every live region. */
export function renderRegions(snapshot: DemoSnapshot): Record<RegionId, string> {
  return {
    status: renderStatus(snapshot).value,
    'flint-ui': renderFlintUiLink(snapshot).value,
    tub: renderTub(snapshot).value,
    colleagues: renderColleagues(snapshot).value,
    stages: renderStages(snapshot).value,
    driver: renderDriver(snapshot).value,
    results: renderResults(snapshot).value,
    colours: renderColours(snapshot).value,
  };
}

/** The whole page, with its style and live script carrying `nonce`. */
export function renderDocument(snapshot: DemoSnapshot, nonce: string): string {
  const regions = renderRegions(snapshot);
  const region = (id: RegionId) => new SafeHtml(regions[id]);
  const { mms, seed, partitions, workers } = snapshot.settings;
  const finished = snapshot.phase === 'done' || snapshot.phase === 'failed';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>Counting M&amp;Ms · Flint demo</title>
${finished ? '' : html`<noscript><meta http-equiv="refresh" content="2"></noscript>`}
<style nonce="${nonce}">${new SafeHtml(STYLES)}</style>
</head>
<body data-phase="${snapshot.phase}">
<a class="skip" href="#results-heading">Skip to the results</a>
<header class="top">
<div>
<h1>Counting M&amp;Ms with Flint</h1>
<p class="lede">A tub of <strong data-tub-size="${mms}">${formatCount(mms)}</strong> M&amp;Ms (seed ${seed}),
split into ${partitions} chunks for ${workers} ${workers === 1 ? 'colleague' : 'colleagues'}, counted three ways.</p>
</div>
<div class="live-box">
<p id="status" role="status">${region('status')}</p>
<p class="muted"><span id="live-state">Live updates off</span> · <span id="flint-ui">${region('flint-ui')}</span></p>
</div>
</header>
<main id="main">
<div class="board">
<section aria-labelledby="tub-heading" class="panel tub-panel">
<h2 id="tub-heading">The tub, in chunks</h2>
<div id="tub">${region('tub')}</div>
</section>
<section aria-labelledby="colleagues-heading" class="panel">
<h2 id="colleagues-heading">The colleagues (workers)</h2>
<div id="colleagues">${region('colleagues')}</div>
</section>
<section aria-labelledby="driver-heading" class="panel">
<h2 id="driver-heading">The driver adds up</h2>
<div id="driver">${region('driver')}</div>
</section>
<section aria-labelledby="stages-heading" class="panel">
<h2 id="stages-heading">Jobs and stages</h2>
<div id="stages">${region('stages')}</div>
</section>
</div>
<section aria-labelledby="results-heading" class="panel wide">
<h2 id="results-heading" tabindex="-1">Three ways to count</h2>
<div id="results">${region('results')}</div>
</section>
<section aria-labelledby="colours-heading" class="panel wide">
<h2 id="colours-heading">Per colour: two stages and a shuffle</h2>
<div id="colours">${region('colours')}</div>
</section>
</main>
<footer>Flint M&amp;M demo · <code>pnpm demo --ui</code> · the page updates itself while the demo runs</footer>
<script nonce="${nonce}">${new SafeHtml(liveScript())}</script>
</body>
</html>
`.value;
}

function renderFlintUiLink(snapshot: DemoSnapshot): SafeHtml {
  return snapshot.flintUiUrl === undefined
    ? html`Flint's web UI starts with the context.`
    : html`<a href="${snapshot.flintUiUrl}/jobs">Flint's web UI</a> has each job's DAG and task table.`;
}

function renderStatus(snapshot: DemoSnapshot): SafeHtml {
  const { workers } = snapshot.settings;
  switch (snapshot.phase) {
    case 'starting':
      return html`Starting ${workers} ${workers === 1 ? 'colleague' : 'colleagues'} (worker processes)…`;
    case 'oneByOne':
      return html`Method 1 of 3: the driver counts every M&amp;M itself, one at a time. It is busy, so this page waits until it is done…`;
    case 'weighing':
      return html`Method 2 of 3: the colleagues weigh their chunks; the driver divides the total weight by the weight of one M&amp;M…`;
    case 'distributed':
      return html`Method 3 of 3: each colleague counts the chunks it is handed, and the driver adds up their counts…`;
    case 'colours':
      return html`Counting per colour: the colleagues count the colours of their chunks, shuffle the counts by colour, and add them up…`;
    case 'done':
      return html`Done: the tub was counted three ways, then per colour.`;
    case 'failed':
      return html`The demo failed: ${snapshot.error ?? 'unknown error'}`;
    default:
      snapshot.phase satisfies never;
      return html``;
  }
}

function renderTub(snapshot: DemoSnapshot): SafeHtml {
  const { chunks, jobId } = snapshot.tub;
  const job = snapshot.jobs.find((candidate) => candidate.jobId === jobId);
  const counted = chunks.filter((chunk) => chunk.state === 'counted').length;
  const caption =
    job === undefined
      ? html`No job has read the tub yet.`
      : html`Job ${job.jobId} (${PHASE_LABELS[job.phase]}): <strong data-chunks-counted="${counted}">${counted}</strong> of ${chunks.length} chunks counted.`;
  const compact = chunks.length > MAX_LABELLED_CHUNKS;
  return html`<p>${caption}</p>
<ol class="chunks${compact ? ' compact' : ''}" aria-label="Chunks of the tub">${chunks.map(
    (chunk) => renderChunk(chunk, compact),
  )}</ol>
<ul class="legend" aria-label="Legend">
<li><span class="swatch c-waiting" aria-hidden="true"></span>waiting</li>
<li><span class="swatch c-counting" aria-hidden="true"></span>being counted</li>
<li><span class="swatch c-counted" aria-hidden="true"></span>counted</li>
</ul>`;
}

function renderChunk(chunk: ChunkView, compact: boolean): SafeHtml {
  const who = chunk.colleague === undefined ? '' : `Colleague ${chunk.colleague}`;
  const text =
    chunk.state === 'waiting'
      ? 'waiting'
      : chunk.state === 'counting'
        ? `${who} is counting it`
        : `${formatCount(chunk.count ?? 0)} M&Ms, counted by ${who}`;
  const attributes = html`class="chunk c-${chunk.state}" data-partition="${chunk.partition}" data-state="${chunk.state}"${
    chunk.count === undefined ? '' : html` data-count="${chunk.count}"`
  }${chunk.colleague === undefined ? '' : html` data-colleague="${chunk.colleague}"`}`;
  if (compact) {
    return html`<li ${attributes} title="Chunk ${chunk.partition + 1}: ${text}"><span class="visually-hidden">Chunk ${chunk.partition + 1}: ${text}</span></li>`;
  }
  const detail =
    chunk.state === 'counted'
      ? html`<span class="chunk-count">${formatCount(chunk.count ?? 0)}</span><span class="chunk-who">${who}</span>`
      : chunk.state === 'counting'
        ? html`<span class="chunk-count">counting…</span><span class="chunk-who">${who}</span>`
        : html`<span class="chunk-count">waiting</span>`;
  return html`<li ${attributes}><span class="chunk-name">Chunk ${chunk.partition + 1}</span>${detail}</li>`;
}

function renderColleagues(snapshot: DemoSnapshot): SafeHtml {
  if (snapshot.colleagues.length === 0) {
    return html`<p class="muted">The colleagues are starting…</p>`;
  }
  const jobId = snapshot.tub.jobId;
  return html`<ul class="colleagues">${snapshot.colleagues.map((colleague) =>
    renderColleague(colleague, jobId),
  )}</ul>`;
}

function renderColleague(colleague: ColleagueView, jobId: number | undefined): SafeHtml {
  const now = !colleague.alive
    ? html`<span class="badge st-failed">lost</span> ${colleague.lostReason ?? ''}`
    : colleague.counting.length > 0
      ? html`<span class="badge st-active">counting</span> ${chunkList(colleague.counting)}`
      : colleague.otherTasks > 0
        ? html`<span class="badge st-active">adding up</span> counts after the shuffle`
        : html`<span class="badge st-idle">idle</span>`;
  const tally =
    jobId === undefined
      ? html`No chunk counted yet.`
      : html`In job ${jobId}: <strong>${plural(colleague.chunks.length, 'chunk')}</strong>, <strong>${formatCount(colleague.mms)}</strong> M&amp;Ms${
          colleague.chunks.length === 0
            ? ''
            : html` <span class="muted">(${chunkList(colleague.chunks)})</span>`
        }`;
  return html`<li class="colleague${colleague.alive ? '' : ' lost'}" data-worker-id="${colleague.workerId}" data-chunks="${colleague.chunks.length}" data-mms="${colleague.mms}">
<svg class="avatar" viewBox="0 0 40 40" width="40" height="40" aria-hidden="true"><circle cx="20" cy="14" r="8"/><path d="M5 38c1-9 7-14 15-14s14 5 15 14z"/></svg>
<div><h3>Colleague ${colleague.number}</h3>
<p class="muted small">worker ${colleague.workerId}${colleague.pid === undefined ? '' : ` · pid ${colleague.pid}`} · ${plural(colleague.cores, 'core')}</p>
<p>${now}</p>
<p>${tally}</p></div>
</li>`;
}

function renderStages(snapshot: DemoSnapshot): SafeHtml {
  if (snapshot.jobs.length === 0) return html`<p class="muted">No job yet.</p>`;
  // Newest first: the job running now is where the eye goes.
  const jobs = [...snapshot.jobs].reverse();
  return html`<ol class="jobs" reversed>${jobs.map(renderJob)}</ol>`;
}

function renderJob(job: JobView): SafeHtml {
  const stages = job.stages.map((stage) => {
    const shuffle =
      stage.parentStageIds.length === 0
        ? ''
        : html`<li class="shuffle">⇣ shuffle from stage ${stage.parentStageIds.join(', ')}: the stage boundary</li>`;
    return html`${shuffle}${renderStage(stage)}`;
  });
  return html`<li class="job" data-job-id="${job.jobId}" data-job-status="${job.status}">
<p><strong>Job ${job.jobId}</strong> · ${PHASE_LABELS[job.phase]} · <span class="badge st-${job.status}">${job.status}</span></p>
<p class="muted small">${job.description}</p>
<ol class="stages">${stages}</ol>
</li>`;
}

function renderStage(stage: StageView): SafeHtml {
  return html`<li class="stage" data-stage-id="${stage.stageId}" data-stage-status="${stage.status}">
<span class="stage-name">Stage ${stage.stageId} <span class="muted">${stage.kind}</span></span>
<progress max="${stage.numTasks}" value="${stage.done}" aria-label="Stage ${stage.stageId}: ${stage.done} of ${stage.numTasks} tasks done"></progress>
<span class="num">${stage.done}/${stage.numTasks}${stage.running > 0 ? ` (${stage.running} running)` : ''}</span>
</li>`;
}

function renderDriver(snapshot: DemoSnapshot): SafeHtml {
  const driver = snapshot.driver;
  if (driver === undefined) {
    return html`<p class="muted">In the distributed count, each colleague sends the driver the count of each chunk it counted, and the driver adds them up here.</p>`;
  }
  return renderSum(driver, snapshot.settings.mms);
}

function renderSum(driver: DriverView, tubSize: number): SafeHtml {
  const shown = driver.counts.slice(0, MAX_SUM_TERMS);
  const more = driver.counts.length - shown.length;
  const terms = shown.map(
    ({ partition, count }, index) =>
      html`${index > 0 ? html`<span class="op" aria-hidden="true">+</span>` : ''}<span class="term" title="chunk ${partition + 1}">${formatCount(count)}</span>`,
  );
  const rest =
    more > 0 ? html`<span class="op">+</span><span class="term muted">… ${more} more</span>` : '';
  const received = html`<p>${driver.counts.length} of ${plural(driver.chunks, 'chunk count')} received.</p>`;
  if (driver.finalSum === undefined) {
    return html`${received}<p class="sum" aria-label="Sum so far">${terms}${rest}<span class="op">=</span><strong class="total" data-running-sum="${driver.runningSum}">${formatCount(driver.runningSum)}</strong></p>`;
  }
  const exact = driver.finalSum === tubSize;
  return html`${received}<p class="sum">${terms}${rest}</p>
<p class="final">Final sum: <strong class="total" data-final-sum="${driver.finalSum}">${formatCount(driver.finalSum)}</strong></p>
<p class="check ${exact ? 'ok' : 'bad'}" data-equals-tub="${String(exact)}">${
    exact
      ? html`✓ exactly the tub's ${formatCount(tubSize)} M&amp;Ms`
      : html`✗ the tub holds ${formatCount(tubSize)} M&amp;Ms`
  }</p>`;
}

function renderResults(snapshot: DemoSnapshot): SafeHtml {
  const size = snapshot.settings.mms;
  const methods = snapshot.methods;
  const counts = methods.map((m) => m.count ?? 0);
  const times = methods.map((m) => m.ms ?? 0);
  const countChart = barChart({
    id: 'count-chart',
    title: 'Count',
    description: `How many M&Ms each method found; the dashed line is the tub's true size, ${formatCount(size)}.`,
    max: Math.max(size, ...counts) * 1.04,
    reference: { value: size, label: `the tub: ${formatCount(size)}` },
    bars: methods.map((m) => ({
      label: METHOD_LABELS[m.method].name,
      value: m.count,
      text: m.count === undefined ? pendingText(m) : `${formatCount(m.count)} · ${exactness(m)}`,
      tone: m.count === undefined ? 'pending' : m.exact ? 'ok' : 'off',
    })),
  });
  const timeChart = barChart({
    id: 'time-chart',
    title: 'Time',
    description: 'How long each method took; shorter is better.',
    max: Math.max(1, ...times) * 1.04,
    bars: methods.map((m) => ({
      label: METHOD_LABELS[m.method].name,
      value: m.ms,
      text: m.ms === undefined ? pendingText(m) : formatDuration(m.ms),
      tone: m.ms === undefined ? 'pending' : 'time',
    })),
  });
  return html`<div class="charts">${countChart}${timeChart}</div>
<div class="table-wrap"><table class="results-table">
<caption>The three methods (the same as the command line's table)</caption>
<thead><tr><th scope="col">Method</th><th scope="col" class="num">Count</th><th scope="col">Exact?</th><th scope="col" class="num">Error</th><th scope="col" class="num">Time</th></tr></thead>
<tbody>${methods.map(renderResultRow)}</tbody>
</table></div>`;
}

function renderResultRow(m: MethodView): SafeHtml {
  const label = METHOD_LABELS[m.method];
  const data =
    m.status === 'done'
      ? html` data-count="${m.count}" data-exact="${String(m.exact)}" data-ms="${Math.round(m.ms ?? 0)}"`
      : '';
  const cells =
    m.status === 'done'
      ? html`<td class="num">${formatCount(m.count ?? 0)}</td><td>${m.exact ? html`<span class="badge st-succeeded">exact</span>` : html`<span class="badge st-off">not exact</span>`}</td><td class="num">${errorText(m)}</td><td class="num">${formatDuration(m.ms ?? 0)}</td>`
      : html`<td class="num muted" colspan="4">${pendingText(m)}</td>`;
  return html`<tr data-method="${m.method}" data-status="${m.status}"${data}><th scope="row">${label.name} <span class="kind">${m.detail ?? label.how}</span></th>${cells}</tr>`;
}

function renderColours(snapshot: DemoSnapshot): SafeHtml {
  const colours = snapshot.colours;
  if (colours === undefined) {
    return html`<p class="muted">${
      snapshot.phase === 'colours'
        ? 'Counting: the colleagues count the colours of their chunks, then the counts are shuffled so that each colour is added up in one place.'
        : 'After the three methods, the tub is counted per colour: a job with two stages and a shuffle by colour between them.'
    }</p>`;
  }
  const total = colours.reduce((sum, [, count]) => sum + count, 0);
  const largest = Math.max(1, ...colours.map(([, count]) => count));
  const known = new Set(TUB_MODEL.colours.map((colour) => colour.name));
  const rows = colours.map(
    ([colour, count]) =>
      html`<tr data-colour="${colour}" data-count="${count}"><th scope="row">${colour}</th><td class="num">${formatCount(count)}</td><td class="num">${percent(count, total)}</td><td class="bar-cell"><svg viewBox="0 0 200 14" width="200" height="14" aria-hidden="true"><rect class="mm-${known.has(colour) ? colour : 'other'}" x="0" y="1" rx="6" height="12" width="${((200 * count) / largest).toFixed(1)}"/></svg></td></tr>`,
  );
  return html`<div class="table-wrap"><table class="colours-table">
<caption>M&amp;Ms per colour, most common first (total ${formatCount(total)})</caption>
<thead><tr><th scope="col">Colour</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th><th scope="col"><span class="visually-hidden">Bar</span></th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

interface Bar {
  readonly label: string;
  readonly value: number | undefined;
  readonly text: string;
  readonly tone: 'ok' | 'off' | 'time' | 'pending';
}

/** A horizontal bar chart in inline SVG, described for screen readers by its title and desc. */
function barChart(chart: {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly max: number;
  readonly bars: readonly Bar[];
  readonly reference?: { readonly value: number; readonly label: string };
}): SafeHtml {
  const labelWidth = 110;
  const plotWidth = 300;
  const rowHeight = 34;
  const top = chart.reference === undefined ? 8 : 24;
  const height = top + chart.bars.length * rowHeight + 4;
  const width = labelWidth + plotWidth + 10;
  const x = (value: number) => labelWidth + (plotWidth * value) / chart.max;
  const rows = chart.bars.map((bar, index) => {
    const y = top + index * rowHeight;
    const barWidth = bar.value === undefined ? 0 : Math.max(2, x(bar.value) - labelWidth);
    return html`<g class="bar ${bar.tone}"><text class="bar-label" x="0" y="${y + 14}">${bar.label}</text>
<rect x="${labelWidth}" y="${y + 2}" height="16" rx="3" width="${barWidth.toFixed(1)}"/>
<text class="bar-text" x="${labelWidth + 4}" y="${y + 31}">${bar.text}</text></g>`;
  });
  const reference =
    chart.reference === undefined
      ? ''
      : html`<line class="reference" x1="${x(chart.reference.value).toFixed(1)}" x2="${x(chart.reference.value).toFixed(1)}" y1="16" y2="${height}"/>
<text class="reference-label" x="${x(chart.reference.value).toFixed(1)}" y="11" text-anchor="end">${chart.reference.label}</text>`;
  return html`<figure class="chart">
<figcaption>${chart.title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc">
<title id="${chart.id}-title">${chart.title}</title>
<desc id="${chart.id}-desc">${chart.description} ${chart.bars.map((bar) => `${bar.label}: ${bar.text}.`).join(' ')}</desc>
${rows}${reference}
</svg>
</figure>`;
}

function pendingText(m: MethodView): string {
  return m.status === 'counting' ? 'counting…' : 'waiting';
}

function exactness(m: MethodView): string {
  return m.exact ? 'exact' : errorText(m);
}

function errorText(m: MethodView): string {
  if (m.exact) return '0%';
  const error = m.errorPercent ?? 0;
  return `${error > 0 ? '+' : ''}${error.toFixed(2)}%`;
}

function percent(count: number, total: number): string {
  return total === 0 ? '0%' : `${((count / total) * 100).toFixed(1)}%`;
}

/** Partitions as the page numbers chunks, from 1: `chunk 5`, `chunks 1, 4`. */
function chunkList(partitions: readonly number[]): string {
  const numbers = partitions.map((partition) => partition + 1).join(', ');
  return `${partitions.length === 1 ? 'chunk' : 'chunks'} ${numbers}`;
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The page's one script: it listens to the event stream and swaps in each region whose markup
 * changed. Everything is readable without it (the page then refreshes itself while running).
 */
function liveScript(): string {
  return `(() => {
  const live = document.getElementById('live-state');
  if (!window.EventSource || !live) return;
  const last = new Map();
  let phase = document.body.dataset.phase;
  const source = new EventSource(${JSON.stringify(EVENTS_PATH)});
  source.addEventListener('open', () => { live.textContent = 'Live'; });
  source.addEventListener('error', () => {
    if (phase === 'done' || phase === 'failed') {
      // The demo was stopped after it finished: what is shown is final.
      source.close();
      live.textContent = 'The demo has ended; these are its final results';
    } else {
      live.textContent = 'Reconnecting…';
    }
  });
  source.addEventListener('state', (message) => {
    const update = JSON.parse(message.data);
    for (const [id, markup] of Object.entries(update.regions)) {
      if (last.get(id) === markup) continue;
      last.set(id, markup);
      const element = document.getElementById(id);
      if (element) element.innerHTML = markup;
    }
    phase = update.phase;
    document.body.dataset.phase = phase;
  });
  window.addEventListener('pagehide', () => source.close());
})();`;
}

/** The page's stylesheet: readable on a laptop, light and dark, 4.5:1 text contrast. */
const STYLES = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--link:#0550ae;--border:#d1d9e0;
--surface:#f6f8fa;--focus:#0969da;--ok-fg:#116329;--ok-bg:#dafbe1;--bad-fg:#82071e;--bad-bg:#ffebe9;
--run-fg:#0550ae;--run-bg:#ddf4ff;--off-fg:#7d4e00;--off-bg:#fff8c5;--idle-fg:#59636e;--idle-bg:#eff2f5;
--bar-ok:#1a7f37;--bar-off:#bf8700;--bar-time:#0969da;--wait:#e6eaef;--count:#54aeff;--done:#4ac26b}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--link:#4493f8;
--border:#3d444d;--surface:#151b23;--focus:#4493f8;--ok-fg:#56d364;--ok-bg:#12261e;--bad-fg:#ff9492;
--bad-bg:#2d1214;--run-fg:#79c0ff;--run-bg:#0c2d6b;--off-fg:#e3b341;--off-bg:#2e2309;--idle-fg:#9198a1;
--idle-bg:#212830;--bar-ok:#3fb950;--bar-off:#d29922;--bar-time:#388bfd;--wait:#2a313c;--count:#1f6feb;
--done:#238636}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-10000px;top:0}
.skip:focus{left:1rem;top:.5rem;z-index:2;background:var(--bg);padding:.5rem 1rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem 2rem;padding:.75rem 1.5rem;
border-bottom:1px solid var(--border);background:var(--surface)}
h1{font-size:1.45rem;margin:0}
.lede{margin:.2rem 0 0}
.live-box{max-width:46rem}
.live-box p{margin:.1rem 0}
#status{font-weight:600}
h2{font-size:1.1rem;margin:0 0 .5rem}
h3{font-size:1rem;margin:0}
.muted{color:var(--muted)}
.small{font-size:.85rem}
main{max-width:1400px;margin:0 auto;padding:1rem 1.5rem 2rem}
.board{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
.panel{border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;background:var(--bg)}
.panel.wide{margin-top:1rem}
.panel p{margin:.25rem 0}
.chunks{list-style:none;margin:.5rem 0;padding:.6rem;display:grid;gap:.4rem;
grid-template-columns:repeat(auto-fill,minmax(6.5rem,1fr));border:3px solid var(--muted);
border-radius:4px 4px 22px 22px;background:var(--surface)}
.chunks.compact{grid-template-columns:repeat(auto-fill,minmax(.9rem,1fr));gap:2px}
.chunk{border-radius:6px;padding:.3rem .45rem;display:flex;flex-direction:column;min-height:3.6rem;
border:1px solid var(--border);font-variant-numeric:tabular-nums}
.chunks.compact .chunk{min-height:.9rem;padding:0;border-radius:2px}
.chunk-name{font-weight:600;font-size:.85rem}
.chunk-count,.chunk-who{font-size:.8rem}
.c-waiting{background:var(--wait)}
.c-counting{background:var(--run-bg);border-color:var(--count);box-shadow:inset 0 -4px 0 var(--count)}
.c-counted{background:var(--ok-bg);border-color:var(--done);box-shadow:inset 0 -4px 0 var(--done)}
.legend{display:flex;gap:1rem;list-style:none;padding:0;margin:0;color:var(--muted);font-size:.85rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:3px;margin-right:.3rem;vertical-align:-2px;
border:1px solid var(--border)}
.colleagues{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
.colleague{display:flex;gap:.75rem;align-items:flex-start;border:1px solid var(--border);border-radius:6px;
padding:.5rem .75rem}
.colleague.lost{opacity:.7}
.avatar{flex:none;fill:var(--muted)}
.badge{display:inline-block;padding:0 .55rem;border-radius:999px;font-size:.85em;font-weight:600;white-space:nowrap}
.st-succeeded,.st-complete{color:var(--ok-fg);background:var(--ok-bg)}
.st-failed,.st-cancelled{color:var(--bad-fg);background:var(--bad-bg)}
.st-running,.st-active{color:var(--run-fg);background:var(--run-bg)}
.st-off{color:var(--off-fg);background:var(--off-bg)}
.st-idle{color:var(--idle-fg);background:var(--idle-bg)}
.jobs{margin:0;padding-left:1.25rem;display:grid;gap:.5rem}
.stages{list-style:none;padding:0;margin:.25rem 0 0}
.stage{display:grid;grid-template-columns:minmax(10rem,1fr) 8rem 7rem;gap:.5rem;align-items:center}
.stage progress{width:100%}
.shuffle{color:var(--off-fg);font-size:.85rem;padding-left:1rem}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.sum{display:flex;flex-wrap:wrap;gap:.25rem .4rem;align-items:baseline;font-variant-numeric:tabular-nums}
.term{background:var(--surface);border:1px solid var(--border);border-radius:4px;padding:0 .35rem}
.op{color:var(--muted)}
.total{font-size:1.25rem}
.final{font-size:1.05rem}
.check{font-weight:600;padding:.25rem .6rem;border-radius:6px;display:inline-block}
.check.ok{color:var(--ok-fg);background:var(--ok-bg)}
.check.bad{color:var(--bad-fg);background:var(--bad-bg)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem 2rem}
.chart{margin:0}
.chart svg{width:100%;height:auto;max-width:40rem}
.chart figcaption{font-weight:600}
svg text{font-family:inherit;fill:var(--fg)}
.bar-label{font-size:13px;font-weight:600}
.bar-text{font-size:12px}
.bar.ok rect{fill:var(--bar-ok)}
.bar.off rect{fill:var(--bar-off)}
.bar.time rect{fill:var(--bar-time)}
.bar.pending rect{fill:var(--wait)}
.reference{stroke:var(--fg);stroke-width:1.5;stroke-dasharray:5 4}
.reference-label{font-size:11px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin-top:.75rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{background:var(--surface)}
th.num,td.num{text-align:right}
.kind{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.bar-cell{width:210px}
.mm-blue{fill:#1f6fd1}.mm-orange{fill:#f28c28}.mm-green{fill:#2e9d47}.mm-yellow{fill:#f5c400}
.mm-red{fill:#d62d20}.mm-brown{fill:#7a4a2a}.mm-other{fill:var(--muted)}
footer{max-width:1400px;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.85rem}
`;
