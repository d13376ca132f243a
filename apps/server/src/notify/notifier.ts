import type { NotifyConfig } from '../config.js';
import { notifyData } from '../core/notify-message.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { NotifyJob, NotifyOutcome, NotifyStore } from '../storage/notify.js';
import type { AccessTokens } from '../wechat/access-token.js';
import type { SendAnswer, WechatClient } from '../wechat/client.js';

/** How often the loop looks for results nobody received and for jobs due. */
const TICK_MS = 1000;
/** Results older than this are never notified: a message an hour late tells nothing useful. */
const LOOKBACK_MS = 3600_000;
const BATCH = 100;
/** How long a claimed job is this node's; after it another node (or this one, restarted) may take it. */
const CLAIM_MS = 60_000;
/**
 * Jobs claimed at once. Sent one after another, each may take a token refresh and two sends of up to 5 s:
 * a claim must end well before CLAIM_MS runs out, or another node would claim and send the rest again.
 * More jobs are claimed, a few at a time, until none is due.
 */
const CLAIM_BATCH = 4;
const MAX_ATTEMPTS = 5;
const BACKOFF_MS = 5_000;
/** How long stop() waits for the work under way. */
const STOP_WAIT_MS = 5_000;

// WeChat's errcodes of subscribe/send, by what the sender does about them.
const TOKEN_REFUSED = new Set([40001, 42001, 40014]);
const NO_CREDIT = 43101;
const BUSY = -1;

export interface NotifierDeps {
  config: NotifyConfig;
  /** The time zone the message's times are written in (REPORT_TIME_ZONE). */
  timeZone: string;
  store: NotifyStore;
  tokens: AccessTokens;
  wechat: Pick<WechatClient, 'sendSubscribeMessage'>;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

/**
 * Sends WeChat subscription messages for results no socket or long-poll received within the delay.
 *
 * Two steps a tick, both through the database so several nodes and restarts agree: results unreceived
 * for `delayMs` become jobs (unique per result and template: a second enqueue writes nothing), and due
 * jobs are claimed (one node each) and sent. A send spends one of the member's credits first and gives it
 * back when WeChat sent nothing; so there is never a send without a credit, and at most one per job
 * (a crash between WeChat's answer and the settle is the one case a job may be sent twice: WeChat has no
 * idempotency key to prevent it).
 */
export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: NotifierDeps) {}

  start(): void {
    this.schedule();
  }

  /** Stops the loop and waits (at most STOP_WAIT_MS) for the tick under way; a claimed job left unsent is claimed again later. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((resolve) => (bound = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(bound);
  }

  /** One round of both steps; the loop calls it, tests may too. */
  async tick(): Promise<void> {
    await this.enqueue();
    await this.sendDue();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'subscription messages: a round failed'))
        .finally(() => this.schedule());
    }, TICK_MS);
    this.timer.unref();
  }

  private async enqueue(): Promise<void> {
    const { config, store, now, timeZone } = this.deps;
    const at = now();
    const candidates = await store.unnotified(config.templateId, at - LOOKBACK_MS, at - config.delayMs, config.refusals, BATCH);
    for (const c of candidates) {
      if (this.stopped) return;
      const data = notifyData(config.fields, c, timeZone);
      await store.enqueue({ memberId: c.memberId, openid: c.openid, storeId: c.storeId, seq: c.seq, templateId: config.templateId, data, dueAt: at }, at);
    }
  }

  private async sendDue(): Promise<void> {
    const { store, now } = this.deps;
    for (let sent = 0; sent < BATCH && !this.stopped; ) {
      const jobs = await store.claim(now(), CLAIM_BATCH, CLAIM_MS);
      for (const job of jobs) {
        if (this.stopped) return;
        const outcome = await this.send(job);
        await store.settle(job.id, outcome, now());
        this.deps.metrics.notifySends.inc({ result: outcome.kind === 'dropped' ? outcome.reason : outcome.kind });
      }
      if (jobs.length < CLAIM_BATCH) return;
      sent += jobs.length;
    }
  }

  private async send(job: NotifyJob): Promise<NotifyOutcome> {
    const { store, tokens, wechat, config, now, logger } = this.deps;
    if (!(await store.spendCredit(job.memberId, job.templateId, now()))) return { kind: 'dropped', reason: 'no-credit' };
    const message = { touser: job.openid, template_id: job.templateId, page: config.page, miniprogram_state: config.state, data: job.data };
    let answer: SendAnswer = { unreachable: 'no access token' };
    try {
      const token = await tokens.token();
      if (token !== undefined) {
        answer = await wechat.sendSubscribeMessage(token, message);
        // Refused token: one forced refresh (or the one another node already made) and one more try.
        if ('errcode' in answer && TOKEN_REFUSED.has(answer.errcode)) {
          const fresh = await tokens.forceRefresh(token);
          answer = fresh === undefined ? { unreachable: `token refused (${answer.errcode}), no new one` } : await wechat.sendSubscribeMessage(fresh, message);
        }
      }
    } catch (err) {
      // The token's storage failed (the client itself never throws): nothing was sent, the credit goes back below.
      logger.error({ err, jobId: job.id }, 'subscription message: reading the access token failed');
      answer = { unreachable: 'access token unavailable' };
    }
    if ('errcode' in answer && answer.errcode === 0) {
      this.deps.metrics.notifyCredits.inc({ event: 'spent' });
      return { kind: 'sent' };
    }
    if ('errcode' in answer && answer.errcode === NO_CREDIT) {
      // WeChat holds no acceptance (or the member turned messages off): nothing more until they accept again.
      await store.clearCredits(job.memberId, job.templateId, now());
      return { kind: 'dropped', reason: 'refused' };
    }
    // WeChat sent nothing, so the member's acceptance is still theirs.
    await store.grantCredit(job.memberId, job.templateId, now());
    if ('errcode' in answer && answer.errcode !== BUSY && !TOKEN_REFUSED.has(answer.errcode)) {
      logger.warn({ jobId: job.id, errcode: answer.errcode, errmsg: answer.errmsg }, 'WeChat refused a subscription message: dropped');
      return { kind: 'dropped', reason: `errcode-${answer.errcode}` };
    }
    const error = 'unreachable' in answer ? answer.unreachable : `errcode ${answer.errcode}`;
    if (job.attempts >= MAX_ATTEMPTS) {
      logger.warn({ jobId: job.id, attempts: job.attempts, error }, 'subscription message: gave up after transient failures');
      return { kind: 'dropped', reason: 'gave-up' };
    }
    return { kind: 'retry', retryAt: now() + BACKOFF_MS * 2 ** (job.attempts - 1), error };
  }
}
