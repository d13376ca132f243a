import { describe, expect, it } from 'vitest';
import { formatMerchantKey, isMerchantKey, parseMerchantKey } from './merchant-key.js';

const SECRET = 'abcdefghijklmnop_-0123456789ABCDEFGHIJKLMNO';

describe('merchant keys', () => {
  it('round-trips a key', () => {
    const key = formatMerchantKey(7, SECRET);
    expect(key).toBe(`spk_7_${SECRET}`);
    expect(parseMerchantKey(key)).toEqual({ ok: true, value: { merchantId: 7, secret: SECRET } });
  });

  it.each(['spk_1_aaaaaaaaaaaaaaaa', `spk_4294967295_${'x'.repeat(128)}`])('accepts %s', (key) => {
    expect(isMerchantKey(key)).toBe(true);
  });

  it.each([
    '',
    'spk_1_short',
    `spk_1_${'x'.repeat(129)}`,
    'spk_0_aaaaaaaaaaaaaaaa',
    'spk_01_aaaaaaaaaaaaaaaa',
    'spk_4294967296_aaaaaaaaaaaaaaaa',
    'spk__aaaaaaaaaaaaaaaa',
    'SPK_1_aaaaaaaaaaaaaaaa',
    'spk_1_aaaaaaaa aaaaaaaa',
    ' spk_1_aaaaaaaaaaaaaaaa',
    'sk_1_aaaaaaaaaaaaaaaa',
  ])('refuses %j with a reason', (key) => {
    const parsed = parseMerchantKey(key);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).not.toBe('');
  });
});
