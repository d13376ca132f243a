import type { Storage } from '../../apps/server/src/storage/storage.js';
import type { OfficeSession } from './office.js';

// Speaking to the server as one role or another, judging its answers, and snapshotting what a store and
// a shop hold (through Storage only), for test/roles.test.ts.

export type Who = 'anonymous' | 'member' | 'staffA' | 'staffB' | 'ownerA' | 'ownerB' | 'operator';
export const PRINCIPALS: readonly Who[] = ['anonymous', 'member', 'staffA', 'staffB', 'ownerA', 'ownerB', 'operator'];

/** A credential as a client sends it: a bearer token, or the back-office cookie with its CSRF token. */
export interface Cred {
  bearer?: string;
  office?: OfficeSession;
}

export interface Req {
  method: string;
  path: string;
  body?: unknown;
  /** Another credential of the same principal (a spare session a sign-out may end). */
  as?: Cred;
}

/** The answer wanted: a status, and for errors the code (and the message where it is specified). */
export interface Want {
  status: number;
  code?: string;
  message?: string;
}

export interface Answer {
  status: number;
  body: any;
  text: string;
}

export const UNAUTHORIZED: Want = { status: 401, code: 'UNAUTHORIZED' };

/**
 * Sends as a browser or an app would: the bearer token, or the cookie and, on every method but GET, the
 * session's CSRF token (`csrf` 'none' leaves it out; any other string is sent instead of it).
 */
export async function send(base: string, req: Req, cred: Cred, csrf: 'session' | 'none' | string = 'session'): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (cred.bearer) headers.authorization = `Bearer ${cred.bearer}`;
  if (cred.office) {
    headers.cookie = cred.office.cookie;
    const token = csrf === 'session' ? cred.office.csrfToken : csrf === 'none' ? undefined : csrf;
    if (req.method !== 'GET' && token !== undefined) headers['x-csrf-token'] = token;
  }
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + req.path, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, body: json, text };
}

const ERROR_KEYS = new Set(['code', 'message', 'requestId', 'field', 'result', 'replayed']);

/** What is wrong with an answer, or undefined: the status and code wanted, every error in the one shape. */
export function judge(got: Answer, want: Want): string | undefined {
  const error = got.body?.error;
  if (got.status >= 400) {
    const shaped =
      got.body !== undefined &&
      Object.keys(got.body).join() === 'error' &&
      typeof error?.code === 'string' &&
      typeof error.message === 'string' &&
      typeof error.requestId === 'string' &&
      Object.keys(error).every((k) => ERROR_KEYS.has(k));
    if (!shaped) return `not the one error shape: ${got.status} ${got.text.slice(0, 200)}`;
  }
  if (got.status !== want.status || (want.code !== undefined && error?.code !== want.code) || (want.message !== undefined && error?.message !== want.message)) {
    return `wanted ${want.status} ${want.code ?? ''} ${want.message ?? ''}, got ${got.status} ${got.text.slice(0, 200)}`;
  }
  return undefined;
}

/** Everything kept about a store: products, invites, staff, member `memberId`'s card and ledger, all cards, the audit log. */
export async function storeState(storage: Storage, storeId: number, memberId: number) {
  return {
    products: await storage.products.list(storeId, true),
    invites: await storage.invites.listInvites(storeId),
    staff: await storage.invites.listStaff(storeId),
    card: await storage.cards.getCard(memberId, storeId),
    ledger: await storage.cards.history(memberId, storeId, 10_000),
    cards: await storage.office.listStoreCards(storeId, 500),
    audit: await storage.office.listAudit({ storeId }, 10_000),
  };
}

/** A shop's stores, audit log, owners with their password hashes and live sessions (last seen left out: reading marks it). */
export async function shopState(storage: Storage, shopId: number) {
  const { office } = storage;
  const owners = await office.listOwners(shopId);
  const sessions = await Promise.all(owners.map(async (o) => (await office.listOwnerSessions(o.id, Date.now())).map(({ id, expiresAt }) => ({ id, expiresAt }))));
  const hashes = await Promise.all(owners.map(async (o) => (await office.findOwnerByLogin(o.login))?.passwordHash));
  return { stores: await office.listShopStores(shopId), audit: await office.listAudit({ shopId }, 10_000), owners, sessions, hashes };
}
