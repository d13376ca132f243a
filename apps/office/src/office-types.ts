import type { LedgerEntry, ProductView, ScanResult, StaffInviteResponse } from '@scanpush/shared';

// The back-office answers as the server sends them (see docs and apps/server/src/http/routes): times
// are ISO 8601, money is fen.

export interface Owner {
  id: number;
  name: string;
  login: string;
  shopId: number;
  shopName: string | null;
}

export interface SignIn {
  owner: Owner;
  csrfToken: string;
  expiresAt: string;
  /** The shop's time zone (the server's REPORT_TIME_ZONE): every time on the pages is shown in it. */
  timeZone: string;
}

export interface Me {
  owner: Owner;
  csrfToken: string;
  session: { id: number; expiresAt: string };
  timeZone: string;
}

export interface Store {
  id: number;
  name: string;
  createdAt: string;
  /** The store's 办卡 QR text (`<origin>/m/store/<id>`): a member without a card scans it with WeChat. */
  entryUrl: string;
}

export interface OwnerSession {
  id: number;
  userAgent: string | null;
  client: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

/** A product; `archivedAt` is what the contract names, `active` what the shared view carries. */
export type Product = ProductView & { archivedAt?: string | null };

export function isArchived(p: Product): boolean {
  return p.active === false || (p.archivedAt !== undefined && p.archivedAt !== null);
}

export type InviteState = 'open' | 'redeemed' | 'expired' | 'revoked';

export interface Invite {
  id: number;
  storeId: number;
  name: string | null;
  state: InviteState;
  createdAt: string;
  expiresAt: string;
  redeemedAt: string | null;
  merchantId: number | null;
  revokedAt: string | null;
}

export type NewInvite = StaffInviteResponse;

/** A staff credential: one per device. */
export interface Device {
  id: number;
  storeId: number;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface MemberCard {
  memberId: number;
  memberName: string | null;
  remaining: number;
  expiresAt: string | null;
  updatedAt: string;
}

/** A ledger row; `createdAt` and `productName` as the contract names them, `at` and `productId` as the shared type does. */
export type Ledger = LedgerEntry & { createdAt?: string; productName?: string; reversedBy?: number };

export interface ReversalAnswer {
  result: ScanResult;
  replayed: boolean;
}

export interface DailyRow {
  day: string;
  deductions: number;
  topUps: number;
  topUpUses: number;
  topUpFen: number;
  reversals: number;
  activeMembers: number;
  netUses: number;
}

export interface DailyReport {
  storeId: number;
  timeZone: string;
  from: string;
  to: string;
  days: DailyRow[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: { kind: 'operator' } | { kind: 'owner'; ownerId: number; sessionId: number } | { kind: 'staff'; merchantId: number };
  actorName: string | null;
  action: string;
  subject: string | null;
  device: string | null;
  client: string | null;
  detail: Record<string, unknown> | null;
}
