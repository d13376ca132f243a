import { formatMerchantKey, parseMerchantKey } from '@scanpush/shared';
import { hashSecret, newSecret } from './core/credentials.js';
import type { Storage } from './storage/storage.js';

/** The seed's example, `/webSocket/17/2`: store 2 "Demo car wash", member 17 holding 10 uses there. */
export const DEMO = { storeId: 2, storeName: 'Demo car wash', memberId: 17, uses: 10 } as const;

/**
 * Puts the demo into a database that does not have it yet. Returns the demo merchant's key, to be
 * printed once (only its hash is stored); undefined when the demo was already there.
 * `demoKey` (DEMO_MERCHANT_KEY) gives the merchant a known key, for scripted demos and tests.
 */
export async function seedDemo(storage: Storage, now: number, demoKey: string | undefined): Promise<{ merchantKey: string } | undefined> {
  const { accounts, cards } = storage;
  if (await accounts.getStore(DEMO.storeId)) return undefined;
  await accounts.createStore(DEMO.storeName, now, DEMO.storeId);
  if (!(await accounts.getMember(DEMO.memberId))) await accounts.createMember({ name: 'Demo member', id: DEMO.memberId }, now);
  await cards.topUp(DEMO.memberId, DEMO.storeId, DEMO.uses, now);
  const parsed = demoKey === undefined ? undefined : parseMerchantKey(demoKey);
  const secret = parsed?.ok ? parsed.value.secret : newSecret();
  const merchant = await accounts.createMerchant(DEMO.storeId, 'Demo counter', hashSecret(secret), now);
  return { merchantKey: formatMerchantKey(merchant.id, secret) };
}
