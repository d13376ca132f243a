import type { NotifyJob } from './notify.js';

// Row shapes and columns both engines share (quoted aliases, which SQLite reads as identifiers too).

/** A notify_jobs row as read: NotifyJob with `data` still JSON. */
export type NotifyJobRow = Omit<NotifyJob, 'data'> & { data: string };

export const NOTIFY_JOB_COLUMNS =
  'id, member_id AS "memberId", openid, store_id AS "storeId", seq, template_id AS "templateId", data, due_at AS "dueAt", attempts, created_at AS "createdAt"';

export const notifyJob = (row: NotifyJobRow): NotifyJob => ({ ...row, data: JSON.parse(row.data) as NotifyJob['data'] });

/**
 * The stream entries of `unnotified`: undelivered, in [$since, $before), of members with an openid (the
 * others have nobody to send to, and would fill every batch), with no job for the template, with the
 * member's openid and the store's name. `refusals` false adds the success filter; `param` names each
 * parameter's placeholder in the engine's syntax; `outbox` may name an index to read it by.
 */
export function unnotifiedSql(refusals: boolean, param: UnnotifiedParams, outbox = 'outbox o'): string {
  return `SELECT o.member_id AS "memberId", m.openid, s.name AS "storeName", o.store_id AS "storeId", o.seq, o.code,
            o.remaining, o.created_at AS "createdAt"
     FROM ${outbox} JOIN members m ON m.id = o.member_id JOIN stores s ON s.id = o.store_id
     WHERE o.delivered_at IS NULL AND m.openid IS NOT NULL AND o.created_at >= ${param.since} AND o.created_at < ${param.before}${refusals ? '' : ' AND o.ledger_id IS NOT NULL'}
       AND NOT EXISTS (SELECT 1 FROM notify_jobs j
                       WHERE j.member_id = o.member_id AND j.store_id = o.store_id AND j.seq = o.seq AND j.template_id = ${param.template})
     ORDER BY o.created_at, o.member_id, o.store_id, o.seq LIMIT ${param.limit}`;
}

export interface UnnotifiedParams {
  template: string;
  since: string;
  before: string;
  limit: string;
}
