/**
 * The document around every page: skip link, banner with navigation, `<main>`, footer, the inline
 * stylesheet and, in the live UI, the live-update script. Both carry the response's CSP nonce.
 */

import { html, SafeHtml } from './html.js';
import { liveScript } from './liveScript.js';
import type { Page, Section } from './page.js';
import { STYLES } from './styles.js';

/** What the document needs besides the page. */
export interface LayoutOptions {
  /** The prefix of the section links; no section navigation when undefined (history index). */
  readonly base: string | undefined;
  readonly appName: string | undefined;
  /** The CSP nonce of this response, for the inline style and script. */
  readonly nonce: string;
  /** The live event stream's URL; no live script when undefined (history, error pages). */
  readonly eventsUrl: string | undefined;
  /** In the history server, the link back to the list of applications. */
  readonly historyIndexUrl?: string;
}

const SECTIONS: readonly { readonly section: Section; readonly label: string }[] = [
  { section: 'jobs', label: 'Jobs' },
  { section: 'stages', label: 'Stages' },
  { section: 'workers', label: 'Workers' },
  { section: 'storage', label: 'Storage' },
];

/** The whole HTML document of a page. */
export function renderDocument(page: Page, options: LayoutOptions): string {
  const appName = options.appName ?? 'Flint application';
  const base = options.base;
  const nav =
    base === undefined
      ? []
      : SECTIONS.map(
          ({ section, label }) =>
            html`<li><a href="${base}/${section}"${page.section === section ? html` aria-current="page"` : ''}>${label}</a></li>`,
        );
  const live =
    options.eventsUrl === undefined
      ? ''
      : html`<div class="live"><span id="live-state" role="status">Live updates off</span>
<span id="live-stamp"></span>
<button type="button" id="live-toggle" aria-pressed="false" hidden>Pause live updates</button></div>`;
  const script =
    options.eventsUrl === undefined
      ? ''
      : html`<script nonce="${options.nonce}">${trusted(liveScript(options.eventsUrl))}</script>`;
  const history =
    options.historyIndexUrl === undefined
      ? ''
      : html`<li><a href="${options.historyIndexUrl}">All applications</a></li>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${documentTitle(page, options.appName)}</title>
<style nonce="${options.nonce}">${trusted(STYLES)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${base === undefined ? '/' : `${base}/jobs`}">Flint</a>
${nav.length === 0 && history === '' ? '' : html`<nav aria-label="Sections"><ul>${nav}${history}</ul></nav>`}
<span class="app">${appName}</span>
${live}
</header>
<main id="main" tabindex="-1">
${page.body}
</main>
<footer>Flint web UI · times in the driver's local time zone</footer>
${script}
</body>
</html>
`.value;
}

/** The document title of a page, as the live script sets it after a swap. */
export function documentTitle(page: Page, appName: string | undefined): string {
  return `${page.title} · ${appName ?? 'Flint application'} · Flint`;
}

/** Script and style text we wrote ourselves: inserted as is (escaping would break it). */
function trusted(source: string): SafeHtml {
  return new SafeHtml(source);
}
