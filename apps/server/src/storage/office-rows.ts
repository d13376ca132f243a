import type { AuditEntry, NewAuditEntry, OwnerSession } from './office.js';

// What both engines of OfficeStore read and write the same way: column lists (quoted aliases, which
// SQLite reads as identifiers too) and the audit log's row form.

export const SHOP_COLUMNS = 'id, name, created_at AS "createdAt"';
export const OWNER_COLUMNS = 'o.id, o.shop_id AS "shopId", o.login, o.name, o.created_at AS "createdAt", o.disabled_at AS "disabledAt"';
export const SESSION_COLUMNS =
  's.id, s.owner_id AS "ownerId", s.user_agent AS "userAgent", s.client, s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt", s.expires_at AS "expiresAt"';
export const AUDIT_COLUMNS = `id, at, actor_kind AS "actorKind", owner_id AS "ownerId", session_id AS "sessionId", merchant_id AS "merchantId",
  actor_name AS "actorName", shop_id AS "shopId", store_id AS "storeId", action, subject, device, client, detail`;
export const STORE_CARD_COLUMNS =
  'c.member_id AS "memberId", m.name AS "memberName", c.remaining, c.expires_at AS "expiresAt", c.updated_at AS "updatedAt"';

/** How often a session's last_seen_at is written at most: a busy page must not write on every request. */
export const SEEN_EVERY_MS = 60_000;

/** A session found with its owner, joined in one row: the owner's columns prefixed `o_`. */
export const SESSION_WITH_OWNER_COLUMNS = `${SESSION_COLUMNS}, o.shop_id AS "o_shopId", o.login AS "o_login", o.name AS "o_name",
  o.created_at AS "o_createdAt", o.disabled_at AS "o_disabledAt"`;
export type SessionWithOwnerRow = OwnerSession & { o_shopId: number; o_login: string; o_name: string; o_createdAt: number; o_disabledAt: number | null };

export function sessionWithOwner(row: SessionWithOwnerRow, now: number) {
  const { o_shopId, o_login, o_name, o_createdAt, o_disabledAt, ...session } = row;
  const seen = seenNow(session.lastSeenAt, now) ? now : session.lastSeenAt;
  return {
    session: { ...session, lastSeenAt: seen },
    owner: { id: session.ownerId, shopId: o_shopId, login: o_login, name: o_name, createdAt: o_createdAt, disabledAt: o_disabledAt },
  };
}

/** True when a session last seen at `lastSeenAt` is to be marked seen at `now`. */
export function seenNow(lastSeenAt: number, now: number): boolean {
  return now - lastSeenAt >= SEEN_EVERY_MS;
}

export interface AuditRow {
  id: number;
  at: number;
  actorKind: string;
  ownerId: number | null;
  sessionId: number | null;
  merchantId: number | null;
  actorName: string | null;
  shopId: number | null;
  storeId: number | null;
  action: string;
  subject: string | null;
  device: string | null;
  client: string | null;
  detail: string | null;
}

/** The insert's values, in AUDIT_INSERT_COLUMNS order. */
export const AUDIT_INSERT_COLUMNS =
  'at, actor_kind, owner_id, session_id, merchant_id, actor_name, shop_id, store_id, action, subject, device, client, detail';
export function auditValues(e: NewAuditEntry): (string | number | null)[] {
  const a = e.actor;
  return [
    e.at,
    a.kind,
    a.kind === 'owner' ? a.ownerId : null,
    a.kind === 'owner' ? a.sessionId : null,
    a.kind === 'staff' ? a.merchantId : null,
    e.actorName,
    e.shopId,
    e.storeId,
    e.action,
    e.subject,
    e.device,
    e.client,
    e.detail === null ? null : JSON.stringify(e.detail),
  ];
}

export function auditEntry({ actorKind, ownerId, sessionId, merchantId, detail, ...row }: AuditRow): AuditEntry {
  const actor: AuditEntry['actor'] =
    actorKind === 'owner'
      ? { kind: 'owner', ownerId: ownerId!, sessionId: sessionId! }
      : actorKind === 'staff'
        ? { kind: 'staff', merchantId: merchantId! }
        : { kind: 'operator' };
  return { ...row, actor, detail: detail === null ? null : (JSON.parse(detail) as Record<string, unknown>) };
}
