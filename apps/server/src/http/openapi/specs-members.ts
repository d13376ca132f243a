import type { ApiErrorCode } from '@scanpush/shared';
import { z } from 'zod';
import type { ReversalRefusal, SaleRefusal } from '../../core/counter.js';
import type { ScanVerdict } from '../../core/scan-decision.js';
import * as auth from '../routes/auth.js';
import * as counter from '../routes/counter.js';
import * as devices from '../routes/devices.js';
import * as member from '../routes/member.js';
import * as notifications from '../routes/notifications.js';
import * as notify from '../routes/notify.js';
import * as scans from '../routes/scans.js';
import * as staffJoin from '../routes/staff-join.js';
import * as stores from '../routes/stores.js';
import * as answers from './response-schemas.js';
import type { RouteSpec } from './route-spec.js';

// The refusals the core can decide, as Records over its own unions: a refusal added there fails the
// typecheck here until the document lists it.
const SCAN_REFUSALS: Record<Exclude<ScanVerdict, 'OK'>, true> = {
  QR_EXPIRED: true, QR_USED: true, NO_USES_LEFT: true, CARD_NOT_FOUND: true, QR_WRONG_STORE: true, CARD_EXPIRED: true, OFFLINE_CODE_STALE: true,
};
const SALE_REFUSALS: Record<SaleRefusal, true> = { PRODUCT_NOT_FOUND: true, PRODUCT_ARCHIVED: true, QR_EXPIRED: true, OFFLINE_CODE_STALE: true, QR_WRONG_STORE: true };
const REVERSAL_REFUSALS: Record<ReversalRefusal, true> = { NOT_REVERSIBLE: true, REVERSAL_NOT_ALLOWED: true, ALREADY_REVERSED: true, REVERSAL_WINDOW_PASSED: true };
const codes = (r: Partial<Record<ApiErrorCode, true>>) => Object.keys(r) as ApiErrorCode[];

/** What the staff's writes add to their refusals: a forged QR, a reused key, the per-key refusal budget. */
const STAFF_WRITE: ApiErrorCode[] = ['QR_INVALID', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'];

const health = z.object({ ok: z.literal(true), sockets: z.number().int().meta({ description: 'Sockets open on this node' }) });
const cards = z.object({ cards: z.array(answers.cardView) });
const history = z.object({ entries: z.array(answers.ledgerEntry).meta({ description: 'Newest first; page with `before` = the last id' }) });
const deviceList = z.object({ devices: z.array(answers.deviceView).meta({ description: 'Newest first' }), serverTime: z.string() });
const revokedOne = z.object({ revoked: z.literal(true) });
const products = z.object({ products: z.array(answers.productView) });
const credits = z.record(z.string(), z.number().int()).meta({ description: 'Credits held per template id: each is one message WeChat allows' });
const notifySettings = z.object({ enabled: z.boolean(), templateIds: z.array(z.string()), credits });

/** The routes members, staff and anyone use: the integrator's API. */
export const MEMBER_SPECS: RouteSpec[] = [
  {
    method: 'GET', path: '/healthz', tag: 'monitoring', summary: 'Liveness and the database', auth: 'public',
    ok: { status: 200, description: 'Up, the database answering', body: health },
  },
  {
    method: 'GET', path: '/metrics', tag: 'monitoring', summary: 'Prometheus metrics', auth: 'metrics',
    description: 'Served here only outside production or with METRICS_TOKEN (then it needs that bearer token); METRICS_PORT moves it to a listener of its own.',
    ok: { status: 200, description: 'The Prometheus text format', body: { type: 'text/plain', description: 'Prometheus exposition format' } },
  },
  {
    method: 'GET', path: '/webSocket/*', tag: 'push', summary: 'The WebSocket push (upgrade only)', auth: 'public',
    description:
      'The member\'s socket at `/webSocket/<memberId>/<storeId>` (text dialect: the seed\'s push text, e.g. `0_扣费成功_剩余次数: 3`) or the ' +
      'structured dialect (JSON envelopes, resume by epoch and seq); see docs/api.md, WebSocket. A plain GET without the upgrade answers 400 UPGRADE_REQUIRED.',
    ok: { status: 101, description: 'Switching Protocols: the socket is open' },
    errors: ['UPGRADE_REQUIRED'],
  },
  {
    method: 'POST', path: '/api/auth/wechat', tag: 'auth', summary: 'Sign a member in with a wx.login code', auth: 'public', body: auth.wechatLogin,
    ok: { status: 200, description: 'A member session (created on the first login)', body: answers.sessionResponse },
    errors: ['WECHAT_LOGIN_FAILED', 'UNAVAILABLE'],
  },
  {
    method: 'POST', path: '/api/auth/dev', tag: 'auth', summary: 'Sign in as any member (development only)', auth: 'public', body: auth.devLogin,
    description: 'Off in production (DEV_LOGIN): answers 404 then.',
    ok: { status: 200, description: 'A member session', body: answers.sessionResponse },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/auth/logout', tag: 'auth', summary: "End the member's session (its devices and sockets too)", auth: 'member',
    ok: { status: 204, description: 'Signed out' },
  },
  {
    method: 'GET', path: '/api/cards', tag: 'member', summary: "The member's cards", auth: 'member',
    ok: { status: 200, description: 'Every card the member holds', body: cards },
  },
  {
    method: 'GET', path: '/api/cards/:storeId/history', tag: 'member', summary: "A card's ledger", auth: 'member', params: member.historyPath, query: member.historyQuery,
    ok: { status: 200, description: 'Ledger rows, newest first', body: history },
    errors: ['CARD_NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/qr', tag: 'member', summary: 'Mint a one-time QR code for a store', auth: 'member', body: member.qrRequest,
    description: 'A member without a card at an existing store gets one too: staff scan it to sell the first card.',
    ok: { status: 200, description: 'The QR token (and its SVG when asked)', body: answers.qrResponse },
    errors: ['CARD_NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/devices', tag: 'member', summary: 'Enrol this device for offline member codes', auth: 'member', body: devices.newDevice,
    description: `The device secret is answered this once. A member holds at most ${devices.MAX_LIVE_DEVICES} live devices: enrolling one more revokes the oldest.`,
    ok: { status: 201, description: 'Enrolled', body: answers.deviceEnrolment },
  },
  {
    method: 'GET', path: '/api/devices', tag: 'member', summary: "The member's devices", auth: 'member',
    ok: { status: 200, description: 'Devices and the server time', body: deviceList },
  },
  {
    method: 'DELETE', path: '/api/devices/:id', tag: 'member', summary: 'Revoke one of the member\'s devices', auth: 'member', params: devices.idPath,
    ok: { status: 200, description: 'Revoked', body: revokedOne },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'GET', path: '/api/stores/:storeId', tag: 'member', summary: 'A store by id (card or not)', auth: 'member', params: stores.storePath,
    ok: { status: 200, description: 'The store', body: answers.storeSummary },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'GET', path: '/m/store/:storeId', tag: 'member', summary: "A store's 办卡 entry URL opened outside WeChat", auth: 'public', params: stores.storePath,
    ok: { status: 200, description: 'A small page naming the store and saying to scan it with WeChat', body: { type: 'text/html' } },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'GET', path: '/api/notifications', tag: 'push', summary: "Long-poll the member's results at a store", auth: 'member', query: notifications.pollQuery,
    description: 'The socket\'s stream over HTTP: send back `epoch` and `lastSeq` (as `after`) each time. Held up to `wait` seconds while nothing is new.',
    ok: { status: 200, description: 'Results after the position, or none when the wait ran out', body: answers.notificationsResponse },
  },
  {
    method: 'GET', path: '/api/notify/settings', tag: 'member', summary: 'Subscription messages (订阅消息): templates and credits', auth: 'member',
    ok: { status: 200, description: 'Which templates to ask for, and the credits held', body: notifySettings },
  },
  {
    method: 'POST', path: '/api/notify/subscriptions', tag: 'member', summary: 'Report what wx.requestSubscribeMessage answered', auth: 'member', body: notify.subscriptions,
    ok: { status: 200, description: 'The credits held now', body: z.object({ credits }) },
  },
  {
    method: 'POST', path: '/api/scans', tag: 'staff', summary: 'Deduct one use for a scanned member QR code', auth: 'merchant', idempotencyKey: true, body: scans.scanRequest,
    description: 'A refusal is the error shape with the status of its code and `result` (with the push text the member saw); a retry with the same Idempotency-Key answers the first answer again (`replayed: true`).',
    ok: { status: 200, description: 'Deducted (result OK)', body: answers.scanResponse },
    errors: [...codes(SCAN_REFUSALS), ...STAFF_WRITE],
  },
  {
    method: 'GET', path: '/api/products', tag: 'staff', summary: "The staff's store's products on sale", auth: 'merchant',
    ok: { status: 200, description: 'Active products', body: products },
  },
  {
    method: 'POST', path: '/api/sales', tag: 'staff', summary: 'Sell a product to the member whose QR this is', auth: 'merchant', idempotencyKey: true, body: counter.saleRequest,
    ok: { status: 200, description: 'Sold (result TOPPED_UP)', body: answers.scanResponse },
    errors: [...codes(SALE_REFUSALS), ...STAFF_WRITE],
  },
  {
    method: 'POST', path: '/api/reversals', tag: 'staff', summary: 'Give back the use a deduction took (own deductions, within the window)', auth: 'merchant', idempotencyKey: true, body: counter.reversalRequest,
    ok: { status: 200, description: 'Reversed (result REVERSED)', body: answers.scanResponse },
    errors: [...codes(REVERSAL_REFUSALS), 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  },
  {
    method: 'POST', path: '/api/staff/join', tag: 'staff', summary: 'Redeem a one-time staff invite for a merchant key', auth: 'public', body: staffJoin.joinRequest,
    description: `Refused codes are limited per client address (${staffJoin.JOIN_REFUSALS.burst} at once, then ${staffJoin.JOIN_REFUSALS.perMinute} a minute).`,
    ok: { status: 201, description: 'The new staff credential', body: answers.staffJoinResponse },
    errors: ['INVITE_INVALID', 'INVITE_EXPIRED', 'INVITE_USED', 'RATE_LIMITED'],
  },
  {
    method: 'GET', path: '/openapi.json', tag: 'monitoring', summary: 'This document', auth: 'public',
    description: 'Off in production unless OPENAPI is on: answers 404 then.',
    ok: { status: 200, description: 'The OpenAPI 3.1 document', body: { type: 'application/json' } },
    errors: ['NOT_FOUND'],
  },
];

/** Pages and files with no data and no credential: the console and the back office. */
export const PAGE_SPECS: RouteSpec[] = [
  {
    method: 'GET', path: '/', tag: 'pages', summary: 'The browser console (CONSOLE)', auth: 'public',
    ok: { status: 200, description: 'The page', body: { type: 'text/html' } },
  },
  {
    method: 'GET', path: '/console/:file', tag: 'pages', summary: "The console's assets", auth: 'public',
    params: z.object({ file: z.string() }),
    ok: { status: 200, description: 'A file', body: { type: 'application/octet-stream' } },
    errors: ['NOT_FOUND'],
  },
  { method: 'GET', path: '/office', tag: 'pages', summary: 'The back office', auth: 'public', ok: { status: 200, description: 'The page', body: { type: 'text/html' } } },
  {
    method: 'GET', path: '/office/', tag: 'pages', summary: 'The back office', auth: 'public',
    ok: { status: 200, description: 'The page', body: { type: 'text/html' } },
  },
  {
    method: 'GET', path: '/office/:file', tag: 'pages', summary: "The back office's assets", auth: 'public',
    params: z.object({ file: z.string() }),
    ok: { status: 200, description: 'A file', body: { type: 'application/octet-stream' } },
    errors: ['NOT_FOUND'],
  },
];
