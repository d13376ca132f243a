import type Database from 'better-sqlite3';
import type { NotifyCandidate, NotifyStore, StoredToken } from '../notify.js';
import { NOTIFY_JOB_COLUMNS, notifyJob, unnotifiedSql, type NotifyJobRow } from '../notify-rows.js';
import type { GroupCommit } from './group-commit.js';

/**
 * The SQLite notify store. Every write is one statement through the group commit, and the connection is
 * the only writer, so a conditional UPDATE (a credit, a claim, the token's lease) is atomic as it stands.
 * The outbox is read through its undelivered-by-time index by name: without it the planner picks the
 * ledger_id index, which is a scan of every success ever recorded.
 */
export function createSqliteNotify(client: Database.Database, writes: GroupCommit): NotifyStore {
  const unnotified = (refusals: boolean) =>
    client.prepare<{ template: string; since: number; before: number; limit: number }, NotifyCandidate>(
      unnotifiedSql(refusals, { template: '@template', since: '@since', before: '@before', limit: '@limit' }, 'outbox o INDEXED BY outbox_undelivered_created_idx'),
    );
  const q = {
    grant: client.prepare<[number, string, number], { credits: number }>(
      `INSERT INTO notify_credits (member_id, template_id, credits, updated_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (member_id, template_id) DO UPDATE SET credits = credits + 1, updated_at = excluded.updated_at RETURNING credits`,
    ),
    credits: client.prepare<[number, string], number>('SELECT credits FROM notify_credits WHERE member_id = ? AND template_id = ?').pluck(),
    spend: client.prepare<[number, number, string]>(
      'UPDATE notify_credits SET credits = credits - 1, updated_at = ? WHERE member_id = ? AND template_id = ? AND credits > 0',
    ),
    clear: client.prepare<[number, number, string]>('UPDATE notify_credits SET credits = 0, updated_at = ? WHERE member_id = ? AND template_id = ?'),
    successes: unnotified(false),
    all: unnotified(true),
    enqueue: client.prepare<[number, string, number, number, string, string, number, number]>(
      `INSERT INTO notify_jobs (member_id, openid, store_id, seq, template_id, data, state, due_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (member_id, store_id, seq, template_id) DO NOTHING`,
    ),
    claim: client.prepare<{ now: number; until: number; limit: number }, NotifyJobRow>(
      `UPDATE notify_jobs SET claimed_until = :until, attempts = attempts + 1
       WHERE id IN (SELECT id FROM notify_jobs WHERE state = 'pending' AND due_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now)
                    ORDER BY due_at, id LIMIT :limit)
       RETURNING ${NOTIFY_JOB_COLUMNS}`,
    ),
    sent: client.prepare<[number, number]>("UPDATE notify_jobs SET state = 'sent', settled_at = ?, claimed_until = NULL WHERE id = ? AND state = 'pending'"),
    dropped: client.prepare<[string, number, number]>(
      "UPDATE notify_jobs SET state = 'dropped', reason = ?, settled_at = ?, claimed_until = NULL WHERE id = ? AND state = 'pending'",
    ),
    retry: client.prepare<[number, string, number]>(
      "UPDATE notify_jobs SET due_at = ?, last_error = ?, claimed_until = NULL WHERE id = ? AND state = 'pending'",
    ),
    count: client.prepare<[], { state: 'pending' | 'sent' | 'dropped'; n: number }>('SELECT state, count(*) AS n FROM notify_jobs GROUP BY state'),
    token: client.prepare<[], StoredToken>(
      'SELECT token, expires_at AS expiresAt, fetched_at AS fetchedAt FROM notify_token WHERE id = 1 AND token IS NOT NULL',
    ),
    lease: client.prepare<[string, number, number]>(
      `INSERT INTO notify_token (id, lease_holder, lease_until) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
       WHERE lease_until IS NULL OR lease_until <= ?`,
    ),
    put: client.prepare<[string, number, number, string, string]>(
      `INSERT INTO notify_token (id, token, expires_at, fetched_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, fetched_at = excluded.fetched_at,
         lease_until = CASE WHEN lease_holder = ? THEN NULL ELSE lease_until END,
         lease_holder = CASE WHEN lease_holder = ? THEN NULL ELSE lease_holder END`,
    ),
  };

  return {
    grantCredit: (memberId, templateId, at) => writes.run(() => q.grant.get(memberId, templateId, at)!.credits),
    credits: async (memberId, templateId) => q.credits.get(memberId, templateId) ?? 0,
    spendCredit: (memberId, templateId, at) => writes.run(() => q.spend.run(at, memberId, templateId).changes > 0),
    clearCredits: (memberId, templateId, at) => writes.run(() => void q.clear.run(at, memberId, templateId)),

    unnotified: async (templateId, since, before, refusals, limit) => (refusals ? q.all : q.successes).all({ template: templateId, since, before, limit }),
    enqueue: (job, at) =>
      writes.run(
        () => q.enqueue.run(job.memberId, job.openid, job.storeId, job.seq, job.templateId, JSON.stringify(job.data), job.dueAt, at).changes > 0,
      ),
    // RETURNING gives rows in no promised order: sorted here, oldest due first.
    claim: (now, limit, claimMs) =>
      writes.run(() =>
        q.claim
          .all({ now, until: now + claimMs, limit })
          .map(notifyJob)
          .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id),
      ),
    settle: (jobId, outcome, at) =>
      writes.run(() => {
        if (outcome.kind === 'sent') q.sent.run(at, jobId);
        else if (outcome.kind === 'dropped') q.dropped.run(outcome.reason, at, jobId);
        else q.retry.run(outcome.retryAt, outcome.error, jobId);
      }),
    async countJobs() {
      const counts = { pending: 0, sent: 0, dropped: 0 };
      for (const { state, n } of q.count.all()) counts[state] = n;
      return counts;
    },

    accessToken: async () => q.token.get(),
    leaseTokenRefresh: (holder, now, until) => writes.run(() => q.lease.run(holder, until, now).changes > 0),
    putAccessToken: (token, holder) => writes.run(() => void q.put.run(token.token, token.expiresAt, token.fetchedAt, holder, holder)),
  };
}
