import type { AccountStore } from './accounts.js';
import type { AuditReport } from './audit.js';
import type { CardStore } from './cards.js';
import type { DeviceStore } from './devices.js';
import type { InviteStore } from './invites.js';
import type { NotifyStore } from './notify.js';
import type { OfficeStore } from './office.js';
import type { ProductStore } from './products.js';
import type { ReportStore } from './reports.js';
import type { StreamStore } from './streams.js';

/**
 * Everything scanpush keeps, split by concern. An engine (SQLite for one process, PostgreSQL for several) implements all three over one
 * database and must pass the contract suite in `storage/contract/`. Nothing outside `storage/` knows
 * which engine it talks to.
 */
export interface Storage {
  accounts: AccountStore;
  cards: CardStore;
  streams: StreamStore;
  /** The card products each store sells at the counter. */
  products: ProductStore;
  /** Staff invites and the staff credentials of a store. */
  invites: InviteStore;
  /** Shops, their owners and sessions (the back office), and the audit log. */
  office: OfficeStore;
  /** Members' enrolled devices, for offline member codes. */
  devices: DeviceStore;
  /** WeChat subscription messages: members' credits, durable send jobs, the shared access token. */
  notify: NotifyStore;
  /** Per-day figures and ledger rows of a store, for reports; read-only. */
  reports: ReportStore;
  /** Checks the engine's invariants over the whole database (see Audit); read-only. */
  audit(): Promise<AuditReport>;
  /** Whether the database answers; for health checks. */
  ping(): Promise<void>;
  /** The connection pool's use now, for metrics; engines without a pool (SQLite) have none. */
  pool?(): { total: number; idle: number; waiting: number };
  /** Writes what is queued, then closes. */
  close(): Promise<void>;
}

export type { AccountStore } from './accounts.js';
export type { AuditReport } from './audit.js';
export type { CardStore, ScanAttempt, ScanRecord } from './cards.js';
export type { DeviceStore, MemberDevice } from './devices.js';
export type { Invite, InviteStore, Redemption, StaffCredential } from './invites.js';
export type { StreamEntry, StreamStore } from './streams.js';
export type { NewNotifyJob, NotifyCandidate, NotifyJob, NotifyOutcome, NotifyStore, StoredToken } from './notify.js';
export type { AuditActor, AuditEntry, NewAuditEntry, OfficeStore, Owner, OwnerSession, Shop, StoreCard } from './office.js';
export type { NewProduct, ProductStore } from './products.js';
export type { RangeFigures, ReportEntry, ReportStore, TimeRange } from './reports.js';
export type { ReversalAttempt, ReversalRecord, SaleAttempt, SaleRecord } from './counter.js';
