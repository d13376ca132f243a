import type { Session } from './session.js';
import type { Store } from './office-types.js';

/** What a page is given: who is signed in, the chosen store (store pages only), the route's parameters. */
export interface PageContext {
  session: Session;
  store: Store;
  params: string[];
  /** Redraws the header (the store list changed). */
  refreshShell(): void;
}

export interface Page {
  /** The nav entry this page belongs to (`members/17` highlights 会员). */
  nav: NavName;
  /** False for pages that work without a store (the account). */
  needsStore: boolean;
  /** Fills `root`, which is already on screen; it may be detached when the owner moves on meanwhile. */
  render(root: HTMLElement, ctx: PageContext): Promise<void> | void;
}

export type NavName = 'products' | 'staff' | 'members' | 'reports' | 'audit' | 'account';

export interface Route {
  page: Page;
  params: string[];
}

/**
 * Hash routes (`#/members/17`): the server serves one page at /office/, and a reload or a shared link
 * lands on the same screen. An unknown hash shows the first page.
 */
export function resolve(hash: string, pages: Record<string, Page>, fallback: Page): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [name = '', ...params] = parts;
  const page = pages[name];
  return page ? { page, params } : { page: fallback, params: [] };
}

export function go(path: string): void {
  const hash = `#/${path}`;
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
