import { RESULT_CODES, RESULT_HINTS, type ResultName } from './result-codes.js';
import type { Decoded } from './decoded.js';

/**
 * The seed's text push: `<code>_<title>_<detail>`, e.g. `0_扣费成功_剩余次数: 3`.
 * Title and detail are Chinese and shown to the member as they are.
 */
export interface PushText {
  code: number;
  title: string;
  detail: string;
  /** Parsed from a `剩余次数: N` detail; absent when the detail carries no count. */
  remaining?: number;
}

const REMAINING_PREFIX = '剩余次数: ';
// Tolerates a full-width colon and any spacing, as hand-written clients and older servers produced them.
const REMAINING_RE = /^剩余次数\s*[:：]\s*(\d+)$/;

/** Builds the push text for a result; `remaining` is shown for the codes where the member's count is known. */
export function formatPushText(name: ResultName, remaining?: number): string {
  const { code, title } = RESULT_CODES[name];
  const detail = remaining === undefined ? RESULT_HINTS[name] : `${REMAINING_PREFIX}${remaining}`;
  return `${code}_${title}_${detail}`;
}

/**
 * Reads a push text. Tolerant: an unknown code or title is kept as sent (newer servers may add codes),
 * the detail may itself contain underscores, and the remaining count is read when the detail holds one.
 */
export function parsePushText(text: string): Decoded<PushText> {
  const first = text.indexOf('_');
  if (first <= 0) return { ok: false, reason: 'no code field' };
  const second = text.indexOf('_', first + 1);
  if (second < 0) return { ok: false, reason: 'no detail field' };
  const codeText = text.slice(0, first).trim();
  if (!/^\d{1,4}$/.test(codeText)) return { ok: false, reason: `code is not a number: ${codeText}` };
  const code = Number(codeText);
  const title = text.slice(first + 1, second);
  const detail = text.slice(second + 1);
  const match = REMAINING_RE.exec(detail.trim());
  const value: PushText = { code, title, detail };
  // A count past 2^53 would read as another number (or Infinity): no server sends one, so none is read.
  const remaining = match ? Number(match[1]) : undefined;
  if (remaining !== undefined && Number.isSafeInteger(remaining)) value.remaining = remaining;
  return { ok: true, value };
}
