import { z } from 'zod';
import type { DailyReportRow } from '../../core/reports.js';
import type { Owner, Shop } from '../../storage/office.js';
import type { auditView, cardView as storeCardView } from '../routes/store-members.js';
import type { inviteView, staffView } from '../routes/store-staff.js';
import { exactly, ledgerEntry } from './response-schemas.js';

/**
 * The operator's and the back office's answers. Where the handler builds its answer with a function or
 * from a storage type, the schema is bound to that type by `exactly` (times as ISO text, as the handlers
 * write them); the answers built inline in a handler are checked against these schemas by
 * test/openapi.test.ts, which validates the server's real answers against the document.
 */

type Iso<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? string | null : string };

const int = z.number().int();
const iso = z.string().meta({ format: 'date-time', description: 'ISO 8601' });

export const storeMade = z.object({ id: int, name: z.string() }).meta({ id: 'StoreCreated' });
export const memberMade = z.object({ id: int, name: z.string().nullable() });
export const merchantMade = z.object({ id: int, storeId: int, name: z.string(), key: z.string().meta({ description: 'The merchant key, shown this once' }) });
export const revokedId = z.object({ id: int, revoked: z.literal(true) });
export const revokedOne = z.object({ revoked: z.literal(true) });
export const revokedCount = z.object({ revoked: int });
export const memberSignedOut = z.object({ revoked: int, socketsClosed: int, devicesRevoked: int });
export const passwordChanged = z.object({ changed: z.literal(true), revoked: int.meta({ description: 'Sessions signed out' }) });

export const inviteViewSchema = exactly<ReturnType<typeof inviteView>>()(
  z
    .object({
      id: int,
      storeId: int,
      name: z.string().nullable(),
      state: z.enum(['open', 'redeemed', 'revoked', 'expired']),
      createdAt: iso.nullable(),
      expiresAt: iso.nullable(),
      redeemedAt: iso.nullable(),
      merchantId: int.nullable(),
      revokedAt: iso.nullable(),
    })
    .meta({ id: 'InviteView' }),
);
export const invites = z.object({ invites: z.array(inviteViewSchema) });

export const staffViewSchema = exactly<ReturnType<typeof staffView>>()(
  z.object({ id: int, storeId: int, name: z.string(), createdAt: iso.nullable(), revokedAt: iso.nullable() }).meta({ id: 'StaffCredentialView' }),
);
export const merchants = z.object({ merchants: z.array(staffViewSchema) });

export const shopView = exactly<Iso<Shop, 'createdAt'>>()(z.object({ id: int, name: z.string(), createdAt: iso }).meta({ id: 'ShopView' }));
export const shops = z.object({ shops: z.array(z.object({ ...shopView.shape, stores: int, owners: int })) });

export const ownerMade = z.object({ id: int, shopId: int, login: z.string(), name: z.string() });
export const ownerView = exactly<Iso<Owner, 'createdAt' | 'disabledAt'>>()(
  z.object({ id: int, shopId: int, login: z.string(), name: z.string(), createdAt: iso, disabledAt: iso.nullable() }).meta({ id: 'OwnerView' }),
);
export const owners = z.object({ owners: z.array(ownerView) });
export const storeShop = z.object({ storeId: int, shopId: int.nullable() });
export const ownerDisabled = z.object({ id: int, disabled: z.boolean(), revoked: int });

const actor = z.union([
  z.object({ kind: z.literal('operator') }),
  z.object({ kind: z.literal('owner'), ownerId: int, sessionId: int }),
  z.object({ kind: z.literal('staff'), merchantId: int }),
]);
export const auditEntry = exactly<ReturnType<typeof auditView>[number]>()(
  z
    .object({
      id: int,
      at: iso,
      actor,
      actorName: z.string().nullable(),
      shopId: int.nullable(),
      storeId: int.nullable(),
      action: z.string().meta({ description: "A dotted name: 'product.create', 'staff.revoke', 'owner.login', …" }),
      subject: z.string().nullable(),
      device: z.string().nullable(),
      client: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()).nullable(),
    })
    .meta({ id: 'AuditEntry' }),
);
export const auditPage = z.object({ entries: z.array(auditEntry).meta({ description: 'Newest first; page with `before` = the last id' }) });

export const storeCard = exactly<ReturnType<typeof storeCardView>>()(
  z.object({ memberId: int, memberName: z.string().nullable(), remaining: int, expiresAt: iso.nullable(), updatedAt: iso }).meta({ id: 'StoreCardView' }),
);
export const storeCards = z.object({ members: z.array(storeCard) });
export const storeMember = z.object({ card: storeCard, ledger: z.array(ledgerEntry), reversalWindowSeconds: int });

export const dailyRow = exactly<DailyReportRow>()(
  z
    .object({ day: z.string().meta({ format: 'date' }), deductions: int, topUps: int, topUpUses: int, topUpFen: int, reversals: int, activeMembers: int, netUses: int })
    .meta({ id: 'DailyReportRow' }),
);
export const dailyReport = z.object({ storeId: int, timeZone: z.string(), from: z.string().meta({ format: 'date' }), to: z.string().meta({ format: 'date' }), days: z.array(dailyRow) });

const ownerSummary = z.object({ id: int, name: z.string(), login: z.string(), shopId: int, shopName: z.string().nullable() }).meta({ id: 'OwnerSummary' });
export const signedIn = z.object({
  owner: ownerSummary,
  csrfToken: z.string().meta({ description: 'Send as X-CSRF-Token on every write' }),
  expiresAt: iso,
  timeZone: z.string().meta({ description: 'REPORT_TIME_ZONE' }),
});
export const me = z.object({ owner: ownerSummary, csrfToken: z.string(), session: z.object({ id: int, expiresAt: iso }), timeZone: z.string() });
export const signedOut = z.object({ signedOut: z.literal(true) });
export const sessions = z.object({
  sessions: z.array(
    z.object({ id: int, userAgent: z.string().nullable(), client: z.string().nullable(), createdAt: iso, lastSeenAt: iso, expiresAt: iso, current: z.boolean() }),
  ),
});
export const shopStores = z.object({
  stores: z.array(z.object({ id: int, name: z.string(), createdAt: iso, entryUrl: z.string().meta({ description: "The 办卡 QR's text" }) })),
});
