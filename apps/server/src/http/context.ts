import type { Config } from '../config.js';
import type { MemberCodes } from '../core/member-codes.js';
import type { QrSigner } from '../core/qr-signer.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Broker } from '../push/broker.js';
import type { LongPoll } from '../push/long-poll.js';
import type { AuditActor } from '../storage/office.js';
import type { Storage } from '../storage/storage.js';
import type { WechatClient } from '../wechat/client.js';

/** What the HTTP routes are given by the composition root. */
export interface AppDeps {
  config: Config;
  storage: Storage;
  signer: QrSigner;
  /** Reads what members show (online tokens, offline codes) for scans and sales. */
  codes: MemberCodes;
  broker: Broker;
  longPoll: LongPoll;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** The mini-program login's WeChat client; absent when WeChat is not configured (login answers 503). */
  wechat?: WechatClient;
  /** Open sockets, for /healthz. */
  openSockets: () => number;
  /** Closes the member's sockets of one session (or of all sessions); answers how many. */
  closeMemberSockets: (memberId: number, sessionId?: number) => number;
}

/** Hono's per-request variables. */
export interface AppEnv {
  Variables: {
    requestId: string;
    member: { memberId: number; sessionId: number; tokenHash: string };
    merchant: { id: number; storeId: number };
    /** A signed-in owner (back office): set by requireOwner. */
    owner: SignedInOwner;
    /** Who is acting, for the audit log: set by whichever guard let the request in. */
    actor: AuditActor;
    /** The store a store-scoped route acts on, checked against the actor (http/store-access.ts). */
    store: { id: number; shopId: number | null };
  };
}

export interface SignedInOwner {
  ownerId: number;
  shopId: number;
  sessionId: number;
  name: string;
  login: string;
  /** Sent back as X-CSRF-Token on every form post (see http/office-session.ts). */
  csrfToken: string;
  sessionExpiresAt: number;
}
