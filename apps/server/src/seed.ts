import { formatMerchantKey, hashSecret, newSecret, parseMerchantKey } from './core/credentials.js';
import type { Repository } from './db/repository.js';

/** The seed's example, `/webSocket/17/2`: store 2 "Demo car wash", member 17 holding 10 uses there. */
export const DEMO = { storeId: 2, storeName: 'Demo car wash', memberId: 17, uses: 10 } as const;

/**
 * Puts the demo into a database that does not have it yet. Returns the demo merchant's key, to be
 * printed once (only its hash is stored); undefined when the demo was already there.
 * `demoKey` (DEMO_MERCHANT_KEY) gives the merchant a known key, for scripted demos and tests.
 */
export async function seedDemo(repo: Repository, now: number, demoKey: string | undefined): Promise<{ merchantKey: string } | undefined> {
  if (await repo.getStore(DEMO.storeId)) return undefined;
  await repo.createStore(DEMO.storeName, now, DEMO.storeId);
  if (!(await repo.getMember(DEMO.memberId))) await repo.createMember({ name: 'Demo member', id: DEMO.memberId }, now);
  await repo.topUp(DEMO.memberId, DEMO.storeId, DEMO.uses, now);
  const secret = (demoKey && parseMerchantKey(demoKey)?.secret) || newSecret();
  const merchant = await repo.createMerchant(DEMO.storeId, 'Demo counter', hashSecret(secret), now);
  return { merchantKey: formatMerchantKey(merchant.id, secret) };
}
