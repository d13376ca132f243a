import { describe, expect, it } from 'vitest';
import { decideReversal, decideSale, expiryAfterSale, isCardExpired } from './counter-rules.js';

const DAY = 86_400_000;
const T = Date.UTC(2026, 0, 1);

describe('decideSale', () => {
  const ok = { product: { active: true }, expired: false, wrongStore: false };
  it('sells an active product to a fresh QR of the store', () => expect(decideSale(ok)).toBe('TOPPED_UP'));
  it('judges the product before the QR', () => {
    expect(decideSale({ ...ok, product: undefined, expired: true })).toBe('PRODUCT_NOT_FOUND');
    expect(decideSale({ ...ok, product: { active: false }, wrongStore: true })).toBe('PRODUCT_ARCHIVED');
  });
  it('refuses an expired QR, then one of another store', () => {
    expect(decideSale({ ...ok, expired: true, wrongStore: true })).toBe('QR_EXPIRED');
    expect(decideSale({ ...ok, wrongStore: true })).toBe('QR_WRONG_STORE');
  });
});

describe('expiryAfterSale', () => {
  it('starts a new card at the product’s days', () => expect(expiryAfterSale(undefined, 30, T)).toBe(T + 30 * DAY));
  it('extends and never shortens', () => {
    expect(expiryAfterSale(T + 100 * DAY, 30, T)).toBe(T + 100 * DAY);
    expect(expiryAfterSale(T + 10 * DAY, 30, T)).toBe(T + 30 * DAY);
  });
  it('revives an expired card from the sale', () => expect(expiryAfterSale(T - DAY, 7, T)).toBe(T + 7 * DAY));
  it('keeps or makes a card that never expires', () => {
    expect(expiryAfterSale(null, 30, T)).toBeNull();
    expect(expiryAfterSale(T + DAY, null, T)).toBeNull();
    expect(expiryAfterSale(undefined, null, T)).toBeNull();
  });
});

describe('isCardExpired', () => {
  it('is expired from its expiry on', () => {
    expect(isCardExpired(null, T)).toBe(false);
    expect(isCardExpired(T + 1, T)).toBe(false);
    expect(isCardExpired(T, T)).toBe(true);
  });
});

describe('decideReversal', () => {
  const facts = { row: { kind: 'deduct', storeId: 1, createdAt: T, merchantId: 7 }, reversed: false, storeId: 1, merchantId: 7, at: T + 1000, windowMs: 600_000 };
  it('reverses a recent deduction of the store', () => expect(decideReversal(facts)).toBe('REVERSED'));
  it('refuses what is not this store’s deduction', () => {
    expect(decideReversal({ ...facts, row: undefined })).toBe('NOT_REVERSIBLE');
    expect(decideReversal({ ...facts, row: { ...facts.row, kind: 'topup' } })).toBe('NOT_REVERSIBLE');
    expect(decideReversal({ ...facts, row: { ...facts.row, kind: 'reversal' } })).toBe('NOT_REVERSIBLE');
    expect(decideReversal({ ...facts, storeId: 2, reversed: true })).toBe('NOT_REVERSIBLE');
  });
  it('lets staff reverse only their own credential’s deductions, and the owner any', () => {
    expect(decideReversal({ ...facts, merchantId: 8 })).toBe('REVERSAL_NOT_ALLOWED');
    // A deduction no credential made (none does today) is the owner's to reverse only.
    expect(decideReversal({ ...facts, row: { ...facts.row, merchantId: null } })).toBe('REVERSAL_NOT_ALLOWED');
    expect(decideReversal({ ...facts, merchantId: null })).toBe('REVERSED');
    expect(decideReversal({ ...facts, row: { ...facts.row, merchantId: null }, merchantId: null })).toBe('REVERSED');
  });
  it('judges the store before whose, and whose before reversed or late', () => {
    expect(decideReversal({ ...facts, storeId: 2, merchantId: 8 })).toBe('NOT_REVERSIBLE');
    expect(decideReversal({ ...facts, merchantId: 8, reversed: true, at: T + 3_600_000 })).toBe('REVERSAL_NOT_ALLOWED');
    expect(decideReversal({ ...facts, merchantId: null, reversed: true, at: T + 3_600_000 })).toBe('ALREADY_REVERSED');
    expect(decideReversal({ ...facts, merchantId: null, at: T + 600_001 })).toBe('REVERSAL_WINDOW_PASSED');
  });
  it('refuses a second reversal before the window', () => {
    expect(decideReversal({ ...facts, reversed: true, at: T + 3_600_000 })).toBe('ALREADY_REVERSED');
  });
  it('allows the window’s last millisecond and refuses the next', () => {
    expect(decideReversal({ ...facts, at: T + 600_000 })).toBe('REVERSED');
    expect(decideReversal({ ...facts, at: T + 600_001 })).toBe('REVERSAL_WINDOW_PASSED');
  });
});
