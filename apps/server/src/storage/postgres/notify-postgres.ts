import type pg from 'pg';
import type { NotifyCandidate, NotifyStore, StoredToken } from '../notify.js';
import { NOTIFY_JOB_COLUMNS, notifyJob, unnotifiedSql, type NotifyJobRow } from '../notify-rows.js';
import { query } from './pool.js';

const PARAMS = { template: '$1', since: '$2', before: '$3', limit: '$4' };
const UNNOTIFIED = { successes: unnotifiedSql(false, PARAMS), all: unnotifiedSql(true, PARAMS) };

/**
 * The PostgreSQL notify store, each call one statement. Nodes race on every write, and each race is
 * settled inside its statement: a credit is taken by a conditional UPDATE (the row lock makes the second
 * one see the first's result), a job is enqueued once by its unique index, a claim skips the rows another
 * node's claim has locked (FOR UPDATE SKIP LOCKED), and the token's lease is an upsert whose WHERE is
 * checked again on the locked row.
 */
export function createPostgresNotify(pool: pg.Pool): NotifyStore {
  const changed = async (text: string, values: unknown[]) => (await query(pool, text, values)).length > 0;

  return {
    async grantCredit(memberId, templateId, at) {
      const [row] = await query<{ credits: number }>(
        pool,
        `INSERT INTO notify_credits (member_id, template_id, credits, updated_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (member_id, template_id) DO UPDATE SET credits = notify_credits.credits + 1, updated_at = $3 RETURNING credits`,
        [memberId, templateId, at],
      );
      return row!.credits;
    },
    async credits(memberId, templateId) {
      const [row] = await query<{ credits: number }>(pool, 'SELECT credits FROM notify_credits WHERE member_id = $1 AND template_id = $2', [memberId, templateId]);
      return row?.credits ?? 0;
    },
    spendCredit: (memberId, templateId, at) =>
      changed(
        'UPDATE notify_credits SET credits = credits - 1, updated_at = $1 WHERE member_id = $2 AND template_id = $3 AND credits > 0 RETURNING 1',
        [at, memberId, templateId],
      ),
    async clearCredits(memberId, templateId, at) {
      await query(pool, 'UPDATE notify_credits SET credits = 0, updated_at = $1 WHERE member_id = $2 AND template_id = $3', [at, memberId, templateId]);
    },

    unnotified: (templateId, since, before, refusals, limit) =>
      query<NotifyCandidate>(pool, refusals ? UNNOTIFIED.all : UNNOTIFIED.successes, [templateId, since, before, limit]),
    enqueue: (job, at) =>
      changed(
        `INSERT INTO notify_jobs (member_id, openid, store_id, seq, template_id, data, state, due_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) ON CONFLICT (member_id, store_id, seq, template_id) DO NOTHING RETURNING id`,
        [job.memberId, job.openid, job.storeId, job.seq, job.templateId, JSON.stringify(job.data), job.dueAt, at],
      ),
    async claim(now, limit, claimMs) {
      const rows = await query<NotifyJobRow>(
        pool,
        `UPDATE notify_jobs SET claimed_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM notify_jobs WHERE state = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                      ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${NOTIFY_JOB_COLUMNS}`,
        [now, now + claimMs, limit],
      );
      // RETURNING gives rows in no promised order: sorted here, oldest due first.
      return rows.map(notifyJob).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    },
    async settle(jobId, outcome, at) {
      if (outcome.kind === 'sent') {
        await query(pool, "UPDATE notify_jobs SET state = 'sent', settled_at = $1, claimed_until = NULL WHERE id = $2 AND state = 'pending'", [at, jobId]);
      } else if (outcome.kind === 'dropped') {
        await query(
          pool,
          "UPDATE notify_jobs SET state = 'dropped', reason = $1, settled_at = $2, claimed_until = NULL WHERE id = $3 AND state = 'pending'",
          [outcome.reason, at, jobId],
        );
      } else {
        await query(pool, "UPDATE notify_jobs SET due_at = $1, last_error = $2, claimed_until = NULL WHERE id = $3 AND state = 'pending'", [
          outcome.retryAt,
          outcome.error,
          jobId,
        ]);
      }
    },
    async countJobs() {
      const counts = { pending: 0, sent: 0, dropped: 0 };
      const rows = await query<{ state: keyof typeof counts; n: number }>(pool, 'SELECT state, count(*)::int AS n FROM notify_jobs GROUP BY state');
      for (const { state, n } of rows) counts[state] = n;
      return counts;
    },

    async accessToken() {
      const [row] = await query<StoredToken>(
        pool,
        'SELECT token, expires_at AS "expiresAt", fetched_at AS "fetchedAt" FROM notify_token WHERE id = 1 AND token IS NOT NULL',
      );
      return row;
    },
    leaseTokenRefresh: (holder, now, until) =>
      changed(
        `INSERT INTO notify_token (id, lease_holder, lease_until) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET lease_holder = $1, lease_until = $2
         WHERE notify_token.lease_until IS NULL OR notify_token.lease_until <= $3 RETURNING 1`,
        [holder, until, now],
      ),
    async putAccessToken(token, holder) {
      await query(
        pool,
        `INSERT INTO notify_token (id, token, expires_at, fetched_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET token = $1, expires_at = $2, fetched_at = $3,
           lease_until = CASE WHEN notify_token.lease_holder = $4 THEN NULL ELSE notify_token.lease_until END,
           lease_holder = CASE WHEN notify_token.lease_holder = $4 THEN NULL ELSE notify_token.lease_holder END`,
        [token.token, token.expiresAt, token.fetchedAt, holder],
      );
    },
  };
}
