import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILD_DIR } from '../setup/compile';
import { WxNode } from './wx-node';

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
  load(path: string, options?: { compiler?: 'official' | 'simulate' }): string;
  render(id: string): SimComponent;
}

/** miniprogram-simulate, with its `wx` stubs replaced by the Node adapter. */
export function loadSimulate(): { simulate: Simulate; wx: WxNode } {
  const simulate = require('miniprogram-simulate') as Simulate;
  const wx = new WxNode((globalThis as unknown as { wx: Record<string, unknown> }).wx);
  return { simulate, wx };
}

/**
 * Loads a compiled page, renders it into the document and runs its lifecycle as WeChat would open it
 * (`onLoad` then `onShow`: miniprogram-simulate only knows components, so the test plays the router).
 */
export function openPage<D>(simulate: Simulate, name: 'member' | 'merchant'): SimComponent<D> {
  const id = simulate.load(join(BUILD_DIR, 'pages', name, 'index'), { compiler: 'official' });
  const page = simulate.render(id) as SimComponent<D>;
  page.attach(document.createElement('parent-wrapper'));
  lifecycle(page, 'onLoad', {});
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
