import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets: member session tokens and merchant keys. Both are 256 random bits; only their SHA-256
 * is stored, so a leaked database does not leak credentials. (A slow hash buys nothing for secrets this
 * long and would cost every request.)
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Merchant keys name their merchant so the lookup is by id: `spk_<merchantId>_<secret>`. */
export function formatMerchantKey(merchantId: number, secret: string): string {
  return `spk_${merchantId}_${secret}`;
}

export function parseMerchantKey(key: string): { merchantId: number; secret: string } | undefined {
  const match = /^spk_([1-9]\d{0,9})_([A-Za-z0-9_-]{16,128})$/.exec(key);
  if (!match) return undefined;
  return { merchantId: Number(match[1]), secret: match[2] as string };
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The bearer token of an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
