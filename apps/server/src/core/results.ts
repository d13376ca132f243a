import { RESULT_CODES, formatPushText, resultName, type ResultName, type ScanResult } from '@scanpush/shared';
import type { OutboxRow } from '../db/repository.js';

/** The outcome as both sides see it. `remaining` is shown in the text only where it is the card's count. */
export function buildResult(
  name: ResultName,
  fields: { memberId: number | null; storeId: number; remaining: number | null; at: number; seq?: number; ledgerId?: number | null },
): ScanResult {
  const { code, title } = RESULT_CODES[name];
  const shown = name === 'OK' || name === 'NO_USES_LEFT' ? (fields.remaining ?? undefined) : undefined;
  const result: ScanResult = {
    code,
    name,
    ok: name === 'OK',
    title,
    text: formatPushText(name, shown),
    remaining: fields.remaining,
    memberId: fields.memberId,
    storeId: fields.storeId,
    at: new Date(fields.at).toISOString(),
  };
  if (fields.seq !== undefined) result.seq = fields.seq;
  if (fields.ledgerId != null) result.ledgerId = fields.ledgerId;
  return result;
}

/** Rebuilds the result a member was told from its outbox row (replays and idempotent retries). */
export function resultFromOutbox(row: OutboxRow): ScanResult & { seq: number } {
  const name = resultName(row.code);
  if (!name) throw new Error(`outbox holds unknown result code ${row.code}`);
  return {
    ...buildResult(name, { memberId: row.memberId, storeId: row.storeId, remaining: row.remaining, at: row.createdAt, ledgerId: row.ledgerId }),
    seq: row.seq,
  };
}
