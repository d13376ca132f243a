import { parseQrToken, type CardView, type StreamPosition } from '@scanpush/shared';
import { afterAll, beforeAll, expect } from 'vitest';
import { api } from '../../../../test/helpers/client';
import { startServer, type TestServer } from '../../../../test/helpers/server';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from '../../../../test/helpers/wechat-stand-in';
import { until, type SimComponent } from './pages';
import type { WxNode } from './wx-node';

/** What the member page renders, as far as the tests read it. */
export interface MemberData {
  phase: string;
  cards: CardView[];
  cardIndex: number;
  storeName: string;
  remaining: number;
  qrReady: boolean;
  qrSeconds: number;
  connection: string;
  connectionText: string;
  online: boolean;
  qrExpired: boolean;
  qrError: string;
  syncNotice: string;
  result: { seq: number; storeId: number; ok: boolean; title: string; detail: string } | null;
  history: Array<{ id: number; label: string; delta: string; balance: string }>;
  historyMore: boolean;
  staffEntry: boolean;
}

/** The phone as a fresh install pointed at `server`; the canvas cleared (sizing a canvas clears it). */
export function resetWx(wx: WxNode, server: string): void {
  wx.storage.clear();
  wx.storage.set('scanpush.server', JSON.stringify(server));
  wx.vibrations = 0;
  wx.duplicateFrames = false;
  wx.canvas.width = 0;
  wx.canvas.height = 0;
  wx.resetPlatform();
}

/** The token a camera reads off the page's canvas right now. */
export function drawnToken(wx: WxNode): string | undefined {
  return wx.canvas.decode();
}

/**
 * The QR on the canvas if it is one for `storeId`. Right after the page switches stores, the last
 * store's QR is still drawn until the new one's request is answered: a test that took it would sell or
 * scan with another store's code (403).
 */
export function drawnTokenFor(wx: WxNode, storeId: number): string | undefined {
  const token = drawnToken(wx);
  if (token === undefined) return undefined;
  const parsed = parseQrToken(token);
  return parsed.ok && parsed.value.claims.storeId === storeId ? token : undefined;
}

/** The member session the page stored. */
export function storedSession(wx: WxNode): { memberId: number; token: string } {
  return JSON.parse(wx.storage.get('scanpush.session')!) as { memberId: number; token: string };
}

/** The stream position the page saved for one card, if any. */
export function savedPosition(wx: WxNode, memberId: number, storeId: number): StreamPosition | undefined {
  const stored = wx.storage.get(`scanpush.position.${memberId}.${storeId}`);
  return stored === undefined ? undefined : (JSON.parse(stored) as StreamPosition);
}

/** Gives a member `uses` at a store through the admin API. */
export async function topUp(base: string, adminToken: string, memberId: number, storeId: number, uses: number): Promise<void> {
  const answer = await api(base, '/api/admin/cards', { token: adminToken, body: { memberId, storeId, uses } });
  expect(answer.status).toBe(200);
}

/** A second store with its own merchant key, through the admin API. */
export async function addStore(base: string, adminToken: string, name: string): Promise<{ storeId: number; merchantKey: string }> {
  const store = await api(base, '/api/admin/stores', { token: adminToken, body: { name } });
  expect(store.status).toBe(201);
  const merchant = await api(base, '/api/admin/merchants', { token: adminToken, body: { storeId: store.body.id, name: 'Counter' } });
  expect(merchant.status).toBe(201);
  return { storeId: store.body.id as number, merchantKey: merchant.body.key as string };
}

/** Logs a WeChat user in through the API (as the page's wx.login will): their member id. */
export async function wechatMember(base: string, wechat: WechatStandIn, openid: string): Promise<number> {
  const login = await api(base, '/api/auth/wechat', { body: { code: wechat.issueCode(openid) } });
  expect(login.status).toBe(200);
  return login.body.memberId as number;
}

/** Waits until the page shows a card with its socket live. */
export async function untilLive(page: SimComponent<MemberData>, what = 'the page to be ready and live'): Promise<void> {
  await until(() => page.data.phase === 'ready' && page.data.connection === 'live', what);
}

/** A real server logging members in through a WeChat stand-in, for one test file: started before its tests, stopped after. */
export function serverWithWechat(env: Record<string, string> = {}): { readonly srv: TestServer; readonly wechat: WechatStandIn } {
  const ctx = {} as { srv: TestServer; wechat: WechatStandIn };
  beforeAll(async () => {
    ctx.wechat = await startWechatStandIn();
    ctx.srv = await startServer({ env: { ...wechatEnv(ctx.wechat), ...env } });
  });
  afterAll(async () => {
    await ctx.srv?.stop();
    await ctx.wechat?.stop();
  });
  return ctx;
}
