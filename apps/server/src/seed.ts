import { formatMerchantKey, parseMerchantKey } from '@scanpush/shared';
import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from './core/credentials.js';
import { hashPassword } from './core/passwords.js';
import type { Storage } from './storage/storage.js';

/**
 * The seed's example, `/webSocket/17/2`: store 2 "Demo car wash", member 17 holding 10 uses there; the
 * store belongs to the shop "Demo shop", whose owner signs in to the back office as `demo`, and sells a
 * 10-use card.
 */
export const DEMO = { storeId: 2, storeName: 'Demo car wash', memberId: 17, uses: 10, shopName: 'Demo shop', ownerLogin: 'demo' } as const;

export interface DemoCredentials {
  merchantKey: string;
  ownerLogin: string;
  ownerPassword: string;
}

/**
 * Puts the demo into a database that does not have it yet. Returns the demo merchant's key and the demo
 * owner's password, to be printed once (only their hashes are stored); undefined when the demo was
 * already there. `demoKey` (DEMO_MERCHANT_KEY) and `ownerPassword` (DEMO_OWNER_PASSWORD) make them
 * known in advance, for scripted demos and tests.
 */
export async function seedDemo(
  storage: Storage,
  now: number,
  demoKey: string | undefined,
  ownerPassword: string = randomBytes(9).toString('base64url'),
): Promise<DemoCredentials | undefined> {
  const { accounts, cards, office, products } = storage;
  if (await accounts.getStore(DEMO.storeId)) return undefined;
  await accounts.createStore(DEMO.storeName, now, DEMO.storeId);
  if (!(await accounts.getMember(DEMO.memberId))) await accounts.createMember({ name: 'Demo member', id: DEMO.memberId }, now);
  await cards.topUp(DEMO.memberId, DEMO.storeId, DEMO.uses, now);
  const parsed = demoKey === undefined ? undefined : parseMerchantKey(demoKey);
  const secret = parsed?.ok ? parsed.value.secret : newSecret();
  const merchant = await accounts.createMerchant(DEMO.storeId, 'Demo counter', hashSecret(secret), now);
  await products.create(DEMO.storeId, { name: '10次洗车卡', uses: 10, priceFen: 30_000, validDays: 365 }, now);
  const shop = await office.createShop(DEMO.shopName, now);
  await office.setStoreShop(DEMO.storeId, shop.id);
  // A database that had an owner called demo keeps it: the demo then names no password.
  const owner = await office.createOwner({ shopId: shop.id, login: DEMO.ownerLogin, name: '演示店主', passwordHash: await demoHash(ownerPassword) }, now);
  return { merchantKey: formatMerchantKey(merchant.id, secret), ownerLogin: DEMO.ownerLogin, ownerPassword: owner.ok ? ownerPassword : '(unchanged)' };
}

/**
 * A known demo password (DEMO_OWNER_PASSWORD) is hashed once per process: a test run seeds hundreds of
 * fresh databases, and each scrypt hash costs a quarter of a second. Demo data only.
 */
const demoHashes = new Map<string, Promise<string>>();
function demoHash(password: string): Promise<string> {
  let hash = demoHashes.get(password);
  if (!hash) demoHashes.set(password, (hash = hashPassword(password)));
  return hash;
}
