import type { Config } from '../config.js';
import type { QrSigner } from '../core/qr-signer.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Broker } from '../push/broker.js';
import type { LongPoll } from '../push/long-poll.js';
import type { Storage } from '../storage/storage.js';
import type { WechatClient } from '../wechat/client.js';

/** What the HTTP routes are given by the composition root. */
export interface AppDeps {
  config: Config;
  storage: Storage;
  signer: QrSigner;
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
  };
}
