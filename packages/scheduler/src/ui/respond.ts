/**
 * How the UI answers: security headers on every response (a nonce-based CSP, no sniffing, no
 * framing, no referrer, no caching), and small helpers for HTML, JSON, text and redirects.
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentTitle, type LayoutOptions, renderDocument } from './layout.js';
import { FRAGMENT_HEADER, TITLE_HEADER } from './liveScript.js';
import type { Page } from './page.js';

/** Headers every response carries; HTML adds its CSP. */
function baseHeaders(): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/**
 * Sends a page: the whole document, or only `<main>`'s content when the live script asks for a
 * fragment. The inline style and script run only with this response's nonce.
 */
export function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  page: Page,
  layout: Omit<LayoutOptions, 'nonce'>,
): void {
  const nonce = randomBytes(16).toString('base64');
  const fragment = req.headers[FRAGMENT_HEADER] === '1';
  const body = fragment ? page.body.value : renderDocument(page, { ...layout, nonce });
  res.writeHead(page.status ?? 200, {
    ...baseHeaders(),
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; ` +
      "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
      "base-uri 'none'",
    vary: FRAGMENT_HEADER,
    ...(fragment
      ? { [TITLE_HEADER]: encodeURIComponent(documentTitle(page, layout.appName)) }
      : {}),
  });
  res.end(body);
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { ...baseHeaders(), 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

/** Sends plain text, for errors outside any page. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...baseHeaders(),
    'content-type': 'text/plain; charset=utf-8',
    ...headers,
  });
  res.end(`${text}\n`);
}

/** Redirects; 303 after a form post, so reloading does not post again. */
export function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { ...baseHeaders(), location });
  res.end();
}

/** The headers of an event stream, with the same protections as pages. */
export function eventStreamHeaders(): Record<string, string> {
  return {
    ...baseHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  };
}
