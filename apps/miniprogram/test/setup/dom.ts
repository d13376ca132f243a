import { JSDOM } from 'jsdom';

// miniprogram-simulate renders into a DOM it expects as globals. One JSDOM per test file, its window's
// classes copied onto globalThis where Node does not already have its own (fetch, URL, AbortSignal,
// TextEncoder and the timers stay Node's, so sockets, fetch and esbuild keep working) — except the event
// classes, which must be jsdom's for jsdom's dispatchEvent to accept the events j-component creates.
const DOM_OWNED = new Set(['Event', 'CustomEvent', 'EventTarget']);
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
const win = dom.window as unknown as Record<string, unknown>;
const target = globalThis as Record<string, unknown>;

for (const key of Object.getOwnPropertyNames(win)) {
  if ((key in target && !DOM_OWNED.has(key)) || key.startsWith('_')) continue;
  try {
    target[key] = win[key];
  } catch {
    // Some window properties are getters that only work on the window itself; nothing here needs them.
  }
}
target.window = win;
target.document = win.document;
