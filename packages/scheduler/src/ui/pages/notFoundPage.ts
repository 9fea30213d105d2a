/** The page for a URL or an id the UI does not know. */

import { html } from '../html.js';
import type { Page, PageContext, Section } from '../page.js';

/** A 404 page that says what was not found and links back to the lists. */
export function renderNotFound(context: PageContext, message: string, section?: Section): Page {
  const body = html`<h1>Not found</h1>
<p>${message}</p>
<p><a href="${context.base}/jobs">All jobs</a> · <a href="${context.base}/stages">All stages</a></p>`;
  return { title: 'Not found', section, body, status: 404 };
}
