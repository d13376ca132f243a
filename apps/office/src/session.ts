import { api, setCsrfToken } from './api.js';
import { useTimeZone } from './format.js';
import type { Owner, Store } from './office-types.js';

/** Who is signed in and which of their stores the pages show. One per page load. */
export interface Session {
  owner: Owner;
  stores: Store[];
  /** The store the store pages show; undefined while the shop has none. */
  store: Store | undefined;
}

const STORE_KEY = 'scanpush.office.store';

export const current: { session: Session | undefined } = { session: undefined };

/** Starts the session from a sign-in or `/me` answer: remembers the CSRF token and the shop's time zone, loads the stores. */
export async function begin(owner: Owner, csrfToken: string, timeZone: string): Promise<Session> {
  setCsrfToken(csrfToken);
  useTimeZone(timeZone);
  const session: Session = { owner, stores: [], store: undefined };
  current.session = session;
  await reloadStores(session);
  return session;
}

let onEnded: ((message: string) => void) | undefined;

/** Who shows the sign-in form when the session ends (main.ts). */
export function whenEnded(handler: (message: string) => void): void {
  onEnded = handler;
}

/** Forgets the session (signed out here, or found gone) and shows the sign-in form with `message`. */
export function end(message = ''): void {
  setCsrfToken('');
  current.session = undefined;
  onEnded?.(message);
}

/** Reloads the shop's stores, keeping the chosen one when it still exists (else the first). */
export async function reloadStores(session: Session): Promise<void> {
  const { stores } = await api<{ stores: Store[] }>('/api/office/stores');
  session.stores = stores;
  const remembered = Number(readStored());
  session.store = stores.find((s) => s.id === (session.store?.id ?? remembered)) ?? stores[0];
}

export function chooseStore(session: Session, storeId: number): void {
  session.store = session.stores.find((s) => s.id === storeId) ?? session.store;
  if (session.store) writeStored(String(session.store.id));
}

/** The path of a store-scoped route of the chosen store. */
export function storePath(store: Store, rest: string): string {
  return `/api/office/stores/${store.id}${rest}`;
}

// Private browsing on some phones throws on localStorage: the choice is then only per page load.
function readStored(): string | null {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

function writeStored(value: string): void {
  try {
    localStorage.setItem(STORE_KEY, value);
  } catch {
    // Not remembered; nothing else depends on it.
  }
}
