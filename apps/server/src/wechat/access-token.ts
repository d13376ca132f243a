import type { Logger } from '../logger.js';
import type { NotifyStore } from '../storage/notify.js';
import type { WechatClient } from './client.js';

/** A token this close to its expiry is refreshed before use: a send must not race the expiry. */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** How long one node may hold the refresh before another may take it (a crashed holder). */
const LEASE_MS = 15_000;
/** How a node that did not get the lease waits for the holder's token: bounded, then it gives up for this round. */
const WAIT_STEP_MS = 100;
const WAIT_STEPS = 50;

export interface AccessTokensDeps {
  store: Pick<NotifyStore, 'accessToken' | 'leaseTokenRefresh' | 'putAccessToken'>;
  wechat: Pick<WechatClient, 'stableToken'>;
  /** This node's name in the lease. */
  holder: string;
  now: () => number;
  logger: Logger;
}

/**
 * The access token every node of the app shares (WeChat's `stable_token`, valid 7,200 s): read from
 * storage, fetched by one node at a time when missing or within REFRESH_BEFORE_MS of its expiry (the
 * storage lease decides which), the others waiting briefly and reading what it stored. A token WeChat
 * refused (40001, 42001, 40014) is replaced once with a forced refresh, unless another node already did.
 */
export class AccessTokens {
  private lastFetchedAt: number | undefined;

  constructor(private readonly deps: AccessTokensDeps) {}

  /** A usable token, or undefined when none could be had now (the caller retries later). */
  async token(): Promise<string | undefined> {
    const stored = await this.deps.store.accessToken();
    if (stored) this.lastFetchedAt = stored.fetchedAt;
    if (stored && stored.expiresAt - this.deps.now() > REFRESH_BEFORE_MS) return stored.token;
    return this.refresh(false, stored?.token);
  }

  /** WeChat refused `rejected`: a new token (WeChat told to make one), or the one another node already put. */
  forceRefresh(rejected: string): Promise<string | undefined> {
    return this.refresh(true, rejected);
  }

  /** Seconds since the token this node last saw was fetched; undefined before it saw one. */
  ageSeconds(): number | undefined {
    return this.lastFetchedAt === undefined ? undefined : Math.max(0, (this.deps.now() - this.lastFetchedAt) / 1000);
  }

  private async refresh(force: boolean, stale: string | undefined): Promise<string | undefined> {
    const { store, wechat, holder, now, logger } = this.deps;
    const at = now();
    if (await store.leaseTokenRefresh(holder, at, at + LEASE_MS)) {
      // Another node may have put a fresh one between our read and our lease.
      const current = await store.accessToken();
      if (current && current.token !== stale && current.expiresAt - now() > REFRESH_BEFORE_MS) {
        await store.putAccessToken(current, holder);
        return current.token;
      }
      const answer = await wechat.stableToken(force);
      if (!answer.ok) {
        logger.error({ answer }, 'WeChat refused or did not answer stable_token: subscription messages wait');
        return undefined;
      }
      const fetchedAt = now();
      await store.putAccessToken({ token: answer.token, expiresAt: fetchedAt + answer.expiresInSeconds * 1000, fetchedAt }, holder);
      this.lastFetchedAt = fetchedAt;
      logger.info({ forced: force, expiresInSeconds: answer.expiresInSeconds }, 'fetched a WeChat access token');
      return answer.token;
    }
    // Another node refreshes: its token appears in storage.
    for (let i = 0; i < WAIT_STEPS; i++) {
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      const current = await store.accessToken();
      // A refused token never comes back; a stale one may, when WeChat extended it (no force).
      const usable = current && current.expiresAt > now() && (current.token !== stale || (!force && current.expiresAt - now() > REFRESH_BEFORE_MS));
      if (current && usable) {
        this.lastFetchedAt = current.fetchedAt;
        return current.token;
      }
    }
    return undefined;
  }
}
