import { RESULT_CODES, formatPushText, isSuccess, resultName, showsRemaining, type ResultMessage, type ResultName, type ScanResult } from '@scanpush/shared';
import type { StreamEntry } from '../storage/streams.js';

/** The outcome as both sides see it. `remaining` is shown in the text only where it is the card's count. */
export function buildResult(
  name: ResultName,
  fields: { memberId: number | null; storeId: number; remaining: number | null; at: number; ledgerId?: number | null },
): ScanResult {
  const { code, title } = RESULT_CODES[name];
  const shown = showsRemaining(name) ? (fields.remaining ?? undefined) : undefined;
  const result: ScanResult = {
    code,
    name,
    ok: isSuccess(name),
    title,
    text: formatPushText(name, shown),
    remaining: fields.remaining,
    memberId: fields.memberId,
    storeId: fields.storeId,
    at: new Date(fields.at).toISOString(),
  };
  if (fields.ledgerId != null) result.ledgerId = fields.ledgerId;
  return result;
}

/**
 * The result a member is told for a stream entry: the push (live and replayed), a long-poll's answer
 * and the merchant's answer (first and idempotent retry) are all built from the entry, so they agree.
 */
export function resultMessage(entry: StreamEntry): ResultMessage {
  const name = resultName(entry.code);
  if (!name) throw new Error(`stream entry holds unknown result code ${entry.code}`);
  const result = buildResult(name, { memberId: entry.memberId, storeId: entry.storeId, remaining: entry.remaining, at: entry.createdAt, ledgerId: entry.ledgerId });
  return { type: 'result', ...result, memberId: entry.memberId, epoch: entry.epoch, seq: entry.seq };
}
