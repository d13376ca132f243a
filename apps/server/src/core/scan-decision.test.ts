import { describe, expect, it } from 'vitest';
import { decideScan, type ScanFacts, type ScanVerdict } from './scan-decision.js';

/** A scan nothing is wrong with: a fresh QR of this store, never used, a card with uses left. */
const good: ScanFacts = { expired: false, wrongStore: false, nonceUsed: false, remaining: 3, cardExpired: false };

describe('decideScan', () => {
  it.each<[string, Partial<ScanFacts>, ScanVerdict]>([
    ['a good scan deducts', {}, 'OK'],
    ['the last use deducts', { remaining: 1 }, 'OK'],
    ['an expired QR', { expired: true }, 'QR_EXPIRED'],
    ['an offline code outside the time window', { stale: true }, 'OFFLINE_CODE_STALE'],
    ["another store's QR", { wrongStore: true }, 'QR_WRONG_STORE'],
    ['a QR that deducted before', { nonceUsed: true }, 'QR_USED'],
    ['no card at the store', { remaining: null }, 'CARD_NOT_FOUND'],
    ['a card with no uses left', { remaining: 0 }, 'NO_USES_LEFT'],
    ['an expired card', { cardExpired: true }, 'CARD_EXPIRED'],
    ['an expired card with no uses left', { cardExpired: true, remaining: 0 }, 'CARD_EXPIRED'],
  ])('%s: %s', (_, facts, verdict) => {
    expect(decideScan({ ...good, ...facts })).toBe(verdict);
  });

  // Each rule wins over every rule after it, whatever those say: expired, wrong store, used, no card, no uses.
  it.each<[string, ScanFacts, ScanVerdict]>([
    ['staleness before everything', { stale: true, expired: false, wrongStore: true, nonceUsed: true, remaining: null, cardExpired: true }, 'OFFLINE_CODE_STALE'],
    ['expiry before everything', { expired: true, wrongStore: true, nonceUsed: true, remaining: null, cardExpired: true }, 'QR_EXPIRED'],
    ['expiry before an empty card', { expired: true, wrongStore: false, nonceUsed: false, remaining: 0, cardExpired: true }, 'QR_EXPIRED'],
    ['the store before the nonce and the card', { expired: false, wrongStore: true, nonceUsed: true, remaining: null, cardExpired: true }, 'QR_WRONG_STORE'],
    ['the store before an empty card', { expired: false, wrongStore: true, nonceUsed: false, remaining: 0, cardExpired: true }, 'QR_WRONG_STORE'],
    ['a used QR before a missing card', { expired: false, wrongStore: false, nonceUsed: true, remaining: null, cardExpired: true }, 'QR_USED'],
    ['a used QR before an empty card', { expired: false, wrongStore: false, nonceUsed: true, remaining: 0, cardExpired: true }, 'QR_USED'],
  ])('order: %s', (_, facts, verdict) => {
    expect(decideScan(facts)).toBe(verdict);
  });

  it('answers OK only when nothing refuses', () => {
    const values = { expired: [false, true], wrongStore: [false, true], nonceUsed: [false, true], remaining: [null, 0, 1, 5], cardExpired: [false, true] };
    for (const expired of values.expired)
      for (const wrongStore of values.wrongStore)
        for (const nonceUsed of values.nonceUsed)
          for (const remaining of values.remaining)
            for (const cardExpired of values.cardExpired) {
              const ok = !expired && !wrongStore && !nonceUsed && remaining !== null && remaining > 0 && !cardExpired;
              expect(decideScan({ expired, wrongStore, nonceUsed, remaining, cardExpired }) === 'OK').toBe(ok);
            }
  });
});
