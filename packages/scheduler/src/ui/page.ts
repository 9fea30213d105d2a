/**
 * What every page renderer gets and returns, so the router and the pages agree on one shape.
 */

import type { AppStatusStore } from './appStatusStore.js';
import type { SafeHtml } from './html.js';

/** The sections of the navigation bar. */
export type Section = 'jobs' | 'stages' | 'workers' | 'storage';

/** The inputs of a page renderer. */
export interface PageContext {
  readonly store: AppStatusStore;
  /** The prefix of every link: `''` in the live UI, `/history/<app>` in the history server. */
  readonly base: string;
  /** Whether running jobs show a kill form (a secret and a kill handler are configured). */
  readonly killEnabled: boolean;
  /** The request's query string. */
  readonly query: URLSearchParams;
}

/** A rendered page: the document's title, the section to highlight, and `<main>`'s content. */
export interface Page {
  readonly title: string;
  readonly section: Section | undefined;
  readonly body: SafeHtml;
  /** @default 200 */
  readonly status?: number;
}
