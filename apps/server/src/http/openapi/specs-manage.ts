import type { ApiErrorCode } from '@scanpush/shared';
import { z } from 'zod';
import type { ReversalRefusal } from '../../core/counter.js';
import * as storeAccess from '../store-access.js';
import * as admin from '../routes/admin.js';
import * as adminShops from '../routes/admin-shops.js';
import * as counter from '../routes/counter.js';
import * as devices from '../routes/devices.js';
import * as office from '../routes/office-account.js';
import * as storeMembers from '../routes/store-members.js';
import * as storeProducts from '../routes/store-products.js';
import * as storeReports from '../routes/store-reports.js';
import * as storeStaff from '../routes/store-staff.js';
import * as manage from './manage-schemas.js';
import * as answers from './response-schemas.js';
import type { RouteSpec } from './route-spec.js';

const REVERSAL_REFUSALS: Record<ReversalRefusal, true> = { NOT_REVERSIBLE: true, REVERSAL_NOT_ALLOWED: true, ALREADY_REVERSED: true, REVERSAL_WINDOW_PASSED: true };
const csv = { type: 'text/csv', description: 'UTF-8 CSV, sent as an attachment' };
const products = z.object({ products: z.array(answers.productView) });

/** The operator's API (ADMIN_TOKEN; without it every route answers 404). */
export const OPERATOR_SPECS: RouteSpec[] = [
  {
    method: 'POST', path: '/api/admin/stores', tag: 'operator', summary: 'Create a store (in a shop, or in none)', auth: 'admin',
    body: admin.newStore,
    ok: { status: 201, description: 'The store', body: manage.storeMade },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/members', tag: 'operator', summary: 'Create a member', auth: 'admin',
    body: admin.newMember,
    ok: { status: 201, description: 'The member', body: manage.memberMade },
  },
  {
    method: 'POST', path: '/api/admin/cards', tag: 'operator', summary: "Top a member's card up at a store", auth: 'admin',
    body: admin.topUp,
    ok: { status: 200, description: 'The card', body: answers.cardView },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/merchants', tag: 'operator', summary: 'Issue a merchant key for a store (shown once)', auth: 'admin',
    body: admin.newMerchant,
    ok: { status: 201, description: 'The credential and its key', body: manage.merchantMade },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/merchants/:id/revoke', tag: 'operator', summary: 'Revoke a merchant key', auth: 'admin',
    params: admin.idPath,
    ok: { status: 200, description: 'Revoked', body: manage.revokedId },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'DELETE', path: '/api/admin/invites/:id', tag: 'operator', summary: 'Revoke a staff invite not yet redeemed', auth: 'admin',
    params: admin.idPath,
    ok: { status: 200, description: 'The invite', body: manage.inviteViewSchema },
    errors: ['NOT_FOUND', 'INVITE_USED'],
  },
  {
    method: 'POST', path: '/api/admin/members/:id/revoke-sessions', tag: 'operator', summary: "Sign a member out everywhere (sessions, devices, sockets)", auth: 'admin',
    params: admin.idPath,
    ok: { status: 200, description: 'What was revoked', body: manage.memberSignedOut },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/members/:id/revoke-devices', tag: 'operator', summary: "Revoke a member's offline-code devices", auth: 'admin',
    params: devices.idPath,
    ok: { status: 200, description: 'How many were revoked', body: manage.revokedCount },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/shops', tag: 'operator', summary: 'Create a shop', auth: 'admin',
    body: adminShops.newShop,
    ok: { status: 201, description: 'The shop', body: manage.shopView },
  },
  { method: 'GET', path: '/api/admin/shops', tag: 'operator', summary: 'List shops', auth: 'admin', ok: { status: 200, description: 'The shops', body: manage.shops } },
  {
    method: 'POST', path: '/api/admin/shops/:shopId/owners', tag: 'operator', summary: 'Create an owner of a shop', auth: 'admin',
    params: adminShops.shopPath,
    body: adminShops.newOwner,
    ok: { status: 201, description: 'The owner', body: manage.ownerMade },
    errors: ['NOT_FOUND', 'LOGIN_TAKEN'],
  },
  {
    method: 'GET', path: '/api/admin/shops/:shopId/owners', tag: 'operator', summary: "A shop's owners", auth: 'admin',
    params: adminShops.shopPath,
    ok: { status: 200, description: 'The owners', body: manage.owners },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'PUT', path: '/api/admin/stores/:storeId/shop', tag: 'operator', summary: 'Move a store into a shop, or out of any', auth: 'admin',
    params: adminShops.storePath,
    body: adminShops.storeShop,
    ok: { status: 200, description: 'The store and its shop', body: manage.storeShop },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/owners/:id/revoke-sessions', tag: 'operator', summary: "Sign an owner out everywhere", auth: 'admin',
    params: adminShops.idPath,
    ok: { status: 200, description: 'How many were revoked', body: manage.revokedCount },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/owners/:id/password', tag: 'operator', summary: "Set an owner's password (signs them out)", auth: 'admin',
    params: adminShops.idPath,
    body: adminShops.passwordReset,
    ok: { status: 200, description: 'Changed', body: manage.passwordChanged },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/admin/owners/:id/disable', tag: 'operator', summary: 'Disable or enable an owner', auth: 'admin',
    params: adminShops.idPath,
    body: adminShops.ownerDisabled,
    ok: { status: 200, description: 'The owner\'s state', body: manage.ownerDisabled },
    errors: ['NOT_FOUND'],
  },
];

/** The owners' back office: a session cookie, and X-CSRF-Token on every write. */
export const OFFICE_SPECS: RouteSpec[] = [
  {
    method: 'POST', path: '/api/office/login', tag: 'back office', summary: 'Sign an owner in (sets the session cookie)', auth: 'public', body: office.signIn,
    description: `Failed sign-ins are limited per login (${office.SIGN_IN_REFUSALS.perLogin.burst} at once, then ${office.SIGN_IN_REFUSALS.perLogin.perMinute} a minute) and per client address.`,
    ok: { status: 200, description: 'The owner, the CSRF token for writes, the session\'s end and the shop\'s time zone; Set-Cookie sp_office', body: manage.signedIn },
    errors: ['LOGIN_FAILED', 'RATE_LIMITED'],
  },
  {
    method: 'POST', path: '/api/office/logout', tag: 'back office', summary: 'Sign out (always clears the cookie)', auth: 'owner-optional',
    ok: { status: 200, description: 'Signed out', body: manage.signedOut },
    errors: ['CSRF_FAILED'],
  },
  {
    method: 'GET', path: '/api/office/me', tag: 'back office', summary: 'The signed-in owner and the CSRF token', auth: 'owner',
    ok: { status: 200, description: 'The owner and session', body: manage.me },
  },
  {
    method: 'GET', path: '/api/office/sessions', tag: 'back office', summary: "The owner's live sessions", auth: 'owner',
    ok: { status: 200, description: 'The sessions', body: manage.sessions },
  },
  {
    method: 'POST', path: '/api/office/sessions/:id/revoke', tag: 'back office', summary: 'Revoke one of the owner\'s sessions', auth: 'owner',
    params: office.idPath,
    ok: { status: 200, description: 'Revoked', body: manage.revokedOne },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'POST', path: '/api/office/sessions/revoke-others', tag: 'back office', summary: 'Revoke every other session of the owner', auth: 'owner',
    ok: { status: 200, description: 'How many were revoked', body: manage.revokedCount },
  },
  {
    method: 'POST', path: '/api/office/password', tag: 'back office', summary: 'Change the password (signs the other sessions out)', auth: 'owner',
    body: office.newPassword,
    ok: { status: 200, description: 'Changed', body: manage.passwordChanged },
    errors: ['LOGIN_FAILED'],
  },
  {
    method: 'GET', path: '/api/office/audit', tag: 'back office', summary: "The shop's audit log", auth: 'owner',
    query: office.pageQuery,
    ok: { status: 200, description: 'Entries, newest first', body: manage.auditPage },
  },
  {
    method: 'GET', path: '/api/office/stores', tag: 'back office', summary: "The shop's stores, with their 办卡 entry URLs", auth: 'owner',
    ok: { status: 200, description: 'The stores', body: manage.shopStores },
  },
  {
    method: 'POST', path: '/api/office/stores', tag: 'back office', summary: 'Create a store in the shop', auth: 'owner',
    body: office.newStore,
    ok: { status: 201, description: 'The store', body: manage.storeMade },
  },
];

/**
 * The store routes, mounted under both scopes (http/store-access.ts): the operator's
 * `/api/admin/stores/:storeId…` and the owner's `/api/office/stores/:storeId…` (another shop's store
 * answers 404 as one that does not exist).
 */
type StoreSpec = Omit<RouteSpec, 'path' | 'auth' | 'tag'> & { suffix: string };

const STORE_ROUTES: StoreSpec[] = [
  {
    method: 'POST', suffix: '/products', summary: 'Create a card product',
    body: storeProducts.newProduct,
    ok: { status: 201, description: 'The product', body: answers.productView },
  },
  { method: 'GET', suffix: '/products', summary: "The store's products, archived ones too", ok: { status: 200, description: 'The products', body: products } },
  {
    method: 'POST', suffix: '/products/:id/archive', summary: 'Archive a product (it stops being sold)',
    params: storeProducts.productPath,
    ok: { status: 200, description: 'The product', body: answers.productView },
    errors: ['PRODUCT_NOT_FOUND'],
  },
  {
    method: 'POST', suffix: '/invites', summary: 'Invite a staff device (a one-time code)',
    body: storeStaff.newInvite,
    ok: { status: 201, description: 'The invite; `code` shown once', body: answers.staffInviteResponse },
  },
  { method: 'GET', suffix: '/invites', summary: "The store's invites", ok: { status: 200, description: 'The invites', body: manage.invites } },
  {
    method: 'DELETE', suffix: '/invites/:id', summary: 'Revoke an invite not yet redeemed',
    params: storeStaff.itemPath,
    ok: { status: 200, description: 'The invite', body: manage.inviteViewSchema },
    errors: ['INVITE_USED'],
  },
  { method: 'GET', suffix: '/merchants', summary: "The store's staff credentials", ok: { status: 200, description: 'The credentials', body: manage.merchants } },
  {
    method: 'POST', suffix: '/merchants/:id/revoke', summary: 'Revoke a staff credential',
    params: storeStaff.itemPath,
    ok: { status: 200, description: 'Revoked', body: manage.revokedId },
  },
  {
    method: 'GET', suffix: '/members', summary: 'The cards held at the store',
    query: storeMembers.listQuery,
    ok: { status: 200, description: 'The cards', body: manage.storeCards },
  },
  {
    method: 'GET', suffix: '/members/:memberId', summary: "One member's card and ledger at the store", params: storeMembers.memberPath, query: storeMembers.pageQuery,
    ok: { status: 200, description: 'The card, a page of its ledger and the reversal window', body: manage.storeMember },
    errors: ['CARD_NOT_FOUND'],
  },
  {
    method: 'POST', suffix: '/reversals', summary: 'Reverse any deduction of the store (no Idempotency-Key: a repeat is ALREADY_REVERSED)', body: counter.reversalRequest,
    ok: { status: 200, description: 'Reversed (result REVERSED)', body: answers.scanResponse },
    errors: Object.keys(REVERSAL_REFUSALS) as ApiErrorCode[],
  },
  {
    method: 'GET', suffix: '/reports/daily', summary: 'Daily figures (days in REPORT_TIME_ZONE, both ends included)',
    query: storeReports.period,
    ok: { status: 200, description: 'The figures', body: manage.dailyReport },
  },
  {
    method: 'GET', suffix: '/reports/daily.csv', summary: 'Daily figures as CSV',
    query: storeReports.period,
    ok: { status: 200, description: 'The figures', body: csv },
  },
  {
    method: 'GET', suffix: '/reports/ledger.csv', summary: `The ledger rows of the days as CSV (at most ${storeReports.MAX_LEDGER_ROWS})`, query: storeReports.period,
    ok: { status: 200, description: 'The rows', body: csv },
  },
  {
    method: 'GET', suffix: '/audit', summary: "The store's audit log",
    query: storeMembers.pageQuery,
    ok: { status: 200, description: 'Entries, newest first', body: manage.auditPage },
  },
];

export const STORE_SPECS: RouteSpec[] = STORE_ROUTES.flatMap(storeScoped);

function storeScoped(spec: StoreSpec): RouteSpec[] {
  const { suffix, ...rest } = spec;
  // The scope's guard checks `storeId` (and answers 404 for a store out of reach) before the handler.
  const common = { ...rest, params: rest.params ?? storeAccess.storePath, errors: [...(rest.errors ?? []), 'NOT_FOUND' as const] };
  return [
    { ...common, tag: 'operator: stores', auth: 'admin', path: `/api/admin/stores/:storeId${suffix}` },
    { ...common, tag: 'back office: stores', auth: 'owner', path: `/api/office/stores/:storeId${suffix}` },
  ];
}
