import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets: member session tokens and merchant keys (their form, `spk_<id>_<secret>`, is a wire fact:
 * `merchant-key.ts` in @scanpush/shared). Both are 256 random bits; only their SHA-256
 * is stored, so a leaked database does not leak credentials. (A slow hash buys nothing for secrets this
 * long and would cost every request.)
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  // The one-shot digest: half the cost of a Hash object on every authenticated request.
  return hash('sha256', secret, 'hex');
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
