import { RESULT_CODES, formatPushText, parsePushText, resultName, showsRemaining } from '@scanpush/shared';
import type { NotifyConfig, NotifySource } from '../config.js';

/** What a subscription message is built from: one stream entry and its store. */
export interface NotifyFacts {
  code: number;
  remaining: number | null;
  /** Unix ms the result was decided. */
  createdAt: number;
  storeName: string;
}

/**
 * The `data` of a subscription message (`{ thing1: { value }, … }`) for the configured keys. Each value
 * is cut to what WeChat accepts for its key's kind (the part of the key before its number: `thing` ≤ 20
 * characters, `number` digits only, `phrase` ≤ 5 Chinese characters, …), visibly where the kind allows a
 * mark ('…' at the end), because WeChat refuses the whole send (47003) for one value over its limit.
 * Times are written in `timeZone`, as the store's reports are.
 */
export function notifyData(fields: NotifyConfig['fields'], facts: NotifyFacts, timeZone: string): Record<string, { value: string }> {
  const data: Record<string, { value: string }> = {};
  for (const { key, source } of fields) data[key] = { value: fit(keyKind(key), sourceText(source, facts, timeZone)) };
  return data;
}

/** `thing12` → `thing`; `character_string3` → `character_string`. */
export function keyKind(key: string): string {
  return key.replace(/[0-9]+$/, '');
}

function sourceText(source: NotifySource, facts: NotifyFacts, timeZone: string): string {
  const name = resultName(facts.code);
  switch (source) {
    case 'store':
      return facts.storeName;
    case 'remaining':
      return facts.remaining === null ? '' : String(facts.remaining);
    case 'time':
      return wechatTime(facts.createdAt, timeZone);
    case 'title':
      return name ? RESULT_CODES[name].title : String(facts.code);
    case 'detail': {
      if (!name) return '';
      const shown = showsRemaining(name) ? (facts.remaining ?? undefined) : undefined;
      // The push text's own detail, so the message says what the open mini-program would have shown.
      const parsed = parsePushText(formatPushText(name, shown));
      return parsed.ok ? parsed.value.detail : '';
    }
  }
}

/** `2026年11月29日 15:01`: the form WeChat's time and date kinds document. */
export function wechatTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}年${part('month')}月${part('day')}日 ${part('hour')}:${part('minute')}`;
}

const ELLIPSIS = '…';

/** Code points, so a Chinese character or an emoji counts as one, as WeChat counts them. */
function cut(text: string, max: number, mark: boolean): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return mark ? chars.slice(0, max - 1).join('') + ELLIPSIS : chars.slice(0, max).join('');
}

/** A value WeChat takes for the kind; WeChat's limits as its sendMessage documentation lists them. */
function fit(kind: string, text: string): string {
  switch (kind) {
    case 'thing':
      return cut(text || '-', 20, true);
    case 'number': {
      // Digits only (a decimal point allowed): a count, never a sentence.
      const m = /[0-9]+(\.[0-9]+)?/.exec(text);
      return m ? m[0].slice(0, 32) : '0';
    }
    case 'amount': {
      const m = /[0-9]+(\.[0-9]+)?/.exec(text);
      return m ? m[0].slice(0, 10) : '0';
    }
    case 'letter':
      return cut(text.replace(/[^A-Za-z]/g, '') || 'A', 32, false);
    case 'symbol':
      return cut(text.replace(/[\p{L}\p{N}\s]/gu, '') || '-', 5, false);
    case 'character_string':
      // Digits, letters and symbols: whatever is not ASCII would be refused.
      return cut(text.replace(/[^\x21-\x7e]/g, '') || '-', 32, false);
    case 'phrase':
      // Chinese characters only: '…' would itself be refused, so the cut is plain.
      return cut(text.replace(/[^\p{Script=Han}]/gu, '') || '通知', 5, false);
    case 'name':
      return cut(text || '-', 10, false);
    case 'phone_number':
      return cut(text.replace(/[^0-9+\-]/g, '') || '-', 17, false);
    case 'car_number':
      return cut(text, 8, false);
    case 'time':
    case 'date':
      return text;
    default:
      // A kind this version does not know: within the strictest text limit, marked.
      return cut(text || '-', 20, true);
  }
}
