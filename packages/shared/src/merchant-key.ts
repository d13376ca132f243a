import { MAX_ID } from './decimal.js';
import type { Decoded } from './decoded.js';

/**
 * A merchant key, the bearer secret a shop's staff scan with: `spk_<merchantId>_<secret>`. The key names
 * its merchant so the server looks it up by id and compares one hash; the secret is 16-128 url-safe
 * characters (the server issues 43: 256 random bits in base64url).
 */
export const MERCHANT_KEY_PREFIX = 'spk_';

const MERCHANT_KEY_RE = /^spk_([1-9]\d{0,9})_([A-Za-z0-9_-]{16,128})$/;

export interface MerchantKey {
  merchantId: number;
  secret: string;
}

export function formatMerchantKey(merchantId: number, secret: string): string {
  return `${MERCHANT_KEY_PREFIX}${merchantId}_${secret}`;
}

/** Reads a merchant key; clients use it to refuse a mistyped key before asking the server. */
export function parseMerchantKey(text: string): Decoded<MerchantKey> {
  const match = MERCHANT_KEY_RE.exec(text);
  if (!match) return { ok: false, reason: 'a merchant key looks like spk_<merchant id>_<16-128 characters of A-Za-z0-9_->' };
  const merchantId = Number(match[1]);
  if (merchantId > MAX_ID) return { ok: false, reason: 'merchant id out of range' };
  return { ok: true, value: { merchantId, secret: match[2] as string } };
}

export function isMerchantKey(text: string): boolean {
  return parseMerchantKey(text).ok;
}
