import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILD_DIR } from '../setup/compile';
import { WxNode, userGesture } from './wx-node';

const require = createRequire(import.meta.url);

/** The parts of a j-component wrapper the tests use. */
export interface SimComponent<D = Record<string, any>> {
  readonly data: D;
  readonly dom: HTMLElement;
  readonly instance: Record<string, ((...args: any[]) => unknown) | undefined>;
  querySelector(selector: string): SimComponent | undefined;
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  attach(parent: Element): void;
  detach(): void;
}

interface Simulate {
  load(path: string, options?: { compiler?: 'official' | 'simulate'; rootPath?: string }): string;
  render(id: string): SimComponent;
}

/** miniprogram-simulate, with its `wx` stubs replaced by the Node adapter. */
export function loadSimulate(): { simulate: Simulate; wx: WxNode } {
  const simulate = require('miniprogram-simulate') as Simulate;
  const wx = new WxNode((globalThis as unknown as { wx: Record<string, unknown> }).wx);
  return { simulate, wx };
}

/** The pages by name, as app.json routes them (the staff pages are in the `staff` sub-package). */
const PAGE_PATHS = { member: 'pages/member/index', 'staff-scan': 'staff/pages/scan/index', 'staff-bind': 'staff/pages/bind/index' } as const;

/**
 * Loads a compiled page, renders it into the document and runs its lifecycle as WeChat would open it
 * (`onLoad` with the page's query, then `onShow`: miniprogram-simulate only knows components, so the
 * test plays the router).
 */
export function openPage<D>(simulate: Simulate, name: keyof typeof PAGE_PATHS, query: Record<string, string> = {}): SimComponent<D> {
  // rootPath: the project, so WXML compiles once with each page under its own path (two `index.wxml`
  // compiled apart clash in the compiler's globals).
  const id = simulate.load(join(BUILD_DIR, PAGE_PATHS[name]), { compiler: 'official', rootPath: BUILD_DIR });
  const page = simulate.render(id) as SimComponent<D>;
  page.attach(document.createElement('parent-wrapper'));
  // j-component dispatches a tap on the element first, then runs its handler in the same task: a
  // capturing listener marks that task as a tap, as WeChat knows it (wx-node.ts userGesture).
  for (const name of ['tap', 'change']) page.dom.addEventListener(name, userGesture, true);
  lifecycle(page, 'onLoad', query);
  lifecycle(page, 'onShow');
  return page;
}

/** Closes a page as WeChat does when it is navigated away from. */
export function closePage(page: SimComponent<unknown>): void {
  lifecycle(page, 'onHide');
  lifecycle(page, 'onUnload');
  page.detach();
}

/** Runs a page lifecycle method, if the page has one (as WeChat does). */
export function lifecycle(page: SimComponent<unknown>, name: 'onLoad' | 'onShow' | 'onHide' | 'onUnload', ...args: unknown[]): void {
  const method = page.instance[name];
  if (typeof method === 'function') method.apply(page.instance, args);
}

/** Waits until `check` returns something truthy; fails naming `what` and the last value seen. */
export async function until<T>(check: () => T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Lets pending socket frames and timers run, for checks that something did NOT happen. */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The text a person would read on the page. */
export function textOf(page: SimComponent<unknown>): string {
  return (page.dom.textContent ?? '').replace(/\s+/g, ' ').trim();
}
