/**
 * The one script of the live UI, inlined with a CSP nonce. It listens to the server's event stream
 * and, at most once a second, re-fetches the current page's `<main>` and swaps it in, keeping
 * focus, open `<details>` and anything being typed into a form. Pages work without it.
 */

/** The header that asks the server for only the inner HTML of `<main>`. */
export const FRAGMENT_HEADER = 'x-flint-fragment';
/** The response header that carries the page title of a fragment, URI-encoded. */
export const TITLE_HEADER = 'x-flint-title';

/** The script's source, for an inline `<script>` whose event stream is at `eventsUrl`. */
export function liveScript(eventsUrl: string): string {
  // JSON.stringify plus "<" escaped: the URL can never close the script element.
  const url = JSON.stringify(eventsUrl).replace(/</g, '\\u003c');
  return `(() => {
  const main = document.getElementById('main');
  const state = document.getElementById('live-state');
  const stamp = document.getElementById('live-stamp');
  const toggle = document.getElementById('live-toggle');
  if (!main || !state || !toggle || !window.EventSource || !window.fetch) return;
  const MIN_GAP_MS = 1000;
  let paused = false;
  let timer = 0;
  let inflight = false;
  let last = 0;
  const setState = (text) => { if (state.textContent !== text) state.textContent = text; };
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.setAttribute('aria-pressed', String(paused));
    toggle.textContent = paused ? 'Resume live updates' : 'Pause live updates';
    setState(paused ? 'Paused' : 'Live');
    if (!paused) schedule();
  });
  const source = new EventSource(${url});
  source.addEventListener('open', () => setState(paused ? 'Paused' : 'Live'));
  source.addEventListener('error', () => setState('Reconnecting…'));
  source.addEventListener('update', () => schedule());
  window.addEventListener('pagehide', () => source.close());
  function schedule() {
    if (paused || timer) return;
    timer = setTimeout(refresh, Math.max(0, last + MIN_GAP_MS - Date.now()));
  }
  function busy() {
    const active = document.activeElement;
    // Never swap a form away while someone is using it.
    return inflight || (active && main.contains(active) && active.closest('form'));
  }
  async function refresh() {
    timer = 0;
    if (paused) return;
    if (busy()) { timer = setTimeout(refresh, MIN_GAP_MS); return; }
    inflight = true;
    last = Date.now();
    try {
      const response = await fetch(location.href, {
        headers: { '${FRAGMENT_HEADER}': '1' }, cache: 'no-store', credentials: 'same-origin',
      });
      if (response.ok) swap(await response.text(), response.headers.get('${TITLE_HEADER}'));
    } catch (error) {
      setState('Reconnecting…');
    } finally {
      inflight = false;
    }
  }
  function focusSelector(element) {
    if (!element || !main.contains(element)) return null;
    if (element.id) return '#' + CSS.escape(element.id);
    const href = element.getAttribute('href');
    return href ? 'a[href="' + CSS.escape(href) + '"]' : null;
  }
  function swap(markup, title) {
    const open = Array.from(main.querySelectorAll('details[open][id]'), (d) => d.id);
    const focus = focusSelector(document.activeElement);
    main.innerHTML = markup;
    for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    if (focus) main.querySelector(focus)?.focus({ preventScroll: true });
    if (title) document.title = decodeURIComponent(title);
    if (stamp) stamp.textContent = 'updated ' + new Date().toLocaleTimeString();
    document.dispatchEvent(new CustomEvent('flint:updated'));
  }
})();`;
}
