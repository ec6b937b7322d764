import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * bench:console's view of the console in Chromium: Debian's chromium through playwright-core (no
 * browser download), as the console's page tests run it. Every instant is taken inside the page,
 * by a MutationObserver, the moment the awaited element is in the DOM (the browser paints it at
 * its next frame): the bench's polling never adds to a figure.
 */

/** Where the console keeps the agent's token (console/src/session.ts). */
const TOKEN_KEY = 'recado.token';
/** The inbox's conversation lines (console/src/views/inbox/inbox-view.tsx). */
export const INBOX_ROW = 'ul.conversation-list > li';
/** The incoming-call popup (console/src/calls/incoming-call-popup.tsx). */
export const RING_POPUP = 'section.incoming-call[role="alertdialog"]';

/**
 * A browser context whose pages are signed in as the agent (the token in sessionStorage before
 * the console's script runs, as the sign-in form leaves it) and note when the inbox's first line
 * is in the DOM, in ms since the navigation started (`__recadoInboxAt`).
 */
export async function signedInContext(browser: Browser, token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR' });
  await context.addInitScript(
    ({ key, value, row }) => {
      const g = globalThis as any;
      try {
        g.sessionStorage.setItem(key, value);
      } catch {
        return; // about:blank has no storage
      }
      const observer = new g.MutationObserver(() => {
        if (g.__recadoInboxAt === undefined && g.document.querySelector(row)) {
          g.__recadoInboxAt = g.performance.now();
          observer.disconnect();
        }
      });
      observer.observe(g.document, { childList: true, subtree: true });
    },
    { key: TOKEN_KEY, value: token, row: INBOX_ROW },
  );
  return context;
}

export interface InboxLoad {
  /** Navigation start to the first page of conversations in the DOM. */
  shownMs: number;
  /** The GET /v1/conversations of that first page, as the browser timed it. */
  apiMs: number | null;
  rows: number;
}

/** Opens the inbox in `page` and waits for its first page of conversations. */
export async function loadInbox(page: Page, url: string, timeoutMs: number): Promise<InboxLoad> {
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as any).__recadoInboxAt !== undefined, undefined, { timeout: timeoutMs, polling: 50 });
  return page.evaluate((row) => {
    const g = globalThis as any;
    const api = g.performance.getEntriesByType('resource').find((e: any) => e.name.includes('/v1/conversations'));
    return { shownMs: g.__recadoInboxAt, apiMs: api ? api.duration : null, rows: g.document.querySelectorAll(row).length };
  }, INBOX_ROW);
}

/** What the console's first load transferred, by kind (no compression: the API serves files as built). */
export interface ConsoleBytes {
  js_bytes: number;
  css_bytes: number;
  html_bytes: number;
  /** Every response under /console/ (HTML, JS, CSS, the rest), headers included. */
  first_load_bytes: number;
  files: number;
}

/** Counts the console's own responses while `load` runs in `page`. */
export async function consoleBytes(page: Page, load: () => Promise<unknown>): Promise<ConsoleBytes> {
  const responses: import('playwright-core').Response[] = [];
  const listener = (r: import('playwright-core').Response) => {
    if (new URL(r.url()).pathname.startsWith('/console')) responses.push(r);
  };
  page.on('response', listener);
  await load();
  page.off('response', listener);
  const bytes: ConsoleBytes = { js_bytes: 0, css_bytes: 0, html_bytes: 0, first_load_bytes: 0, files: responses.length };
  for (const r of responses) {
    await r.finished();
    const sizes = await r.request().sizes();
    const kind = r.request().resourceType();
    if (kind === 'script') bytes.js_bytes += sizes.responseBodySize;
    else if (kind === 'stylesheet') bytes.css_bytes += sizes.responseBodySize;
    else if (kind === 'document') bytes.html_bytes += sizes.responseBodySize;
    bytes.first_load_bytes += sizes.responseBodySize + sizes.responseHeadersSize;
  }
  return bytes;
}

/**
 * Starts watching `page` for an element matching `selector` (its text containing `text`, when
 * given); `at()` then waits for it and gives the wall-clock instant (ms) it came into the DOM,
 * comparable with this process's Date.now() (same machine, same clock).
 */
export async function watchFor(page: Page, selector: string, text: string | null, timeoutMs: number) {
  const key = `w${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ({ key, selector, text }) => {
      const g = globalThis as any;
      const seen = (g.__recadoSeen ??= {});
      const matches = () => {
        const el = g.document.querySelector(selector);
        return el && (text === null || (el.textContent ?? '').includes(text));
      };
      const observer = new g.MutationObserver(() => {
        if (matches()) {
          seen[key] = Date.now();
          observer.disconnect();
        }
      });
      observer.observe(g.document, { childList: true, subtree: true, characterData: true });
    },
    { key, selector, text },
  );
  return {
    async at(): Promise<number> {
      const handle = await page.waitForFunction((k) => (globalThis as any).__recadoSeen[k], key, { timeout: timeoutMs, polling: 50 });
      return (await handle.jsonValue()) as number;
    },
  };
}
