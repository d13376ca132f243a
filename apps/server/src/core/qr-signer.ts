import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { QR_MAC_BYTES, QR_NONCE_BYTES, formatQrToken, parseQrToken, qrSigningInput, type QrClaims } from '@scanpush/shared';

export type QrVerdict =
  | { ok: true; claims: QrClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature'; detail: string }
  | { ok: false; reason: 'expired'; claims: QrClaims }
  /** An offline code (core/member-codes.ts) outside the time window: its member is known and told. */
  | { ok: false; reason: 'stale'; claims: QrClaims };

/** Signs and verifies QR tokens with the server's secret. The token layout is in @scanpush/shared. */
export class QrSigner {
  constructor(private readonly secret: string) {}

  private mac(bytes: Uint8Array): Buffer {
    return createHmac('sha256', this.secret).update(bytes).digest().subarray(0, QR_MAC_BYTES);
  }

  /** A fresh one-time token for the member at the store, valid until `now + ttl`. */
  issue(memberId: number, storeId: number, nowMs: number, ttlSeconds: number): { token: string; claims: QrClaims } {
    const claims: QrClaims = {
      memberId,
      storeId,
      expiresAt: Math.floor(nowMs / 1000) + ttlSeconds,
      nonce: randomBytes(QR_NONCE_BYTES).toString('hex'),
    };
    return { token: formatQrToken(claims, this.mac(qrSigningInput(claims))), claims };
  }

  /** Checks form, signature, then expiry (in that order: an expired forgery is a forgery). */
  verify(text: string, nowMs: number): QrVerdict {
    const parsed = parseQrToken(text);
    if (!parsed.ok) return { ok: false, reason: 'malformed', detail: parsed.reason };
    const expected = this.mac(parsed.value.signed);
    if (!timingSafeEqual(expected, parsed.value.mac)) return { ok: false, reason: 'bad-signature', detail: 'signature does not match' };
    const { claims } = parsed.value;
    if (claims.expiresAt * 1000 <= nowMs) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }
}
