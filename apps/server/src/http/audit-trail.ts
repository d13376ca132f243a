import type { Context } from 'hono';
import { clientAddress, trustedProxies } from './client-address.js';
import type { AppDeps, AppEnv } from './context.js';

export interface AuditFacts {
  /** 'product.create', 'invite.revoke', 'sale', 'reversal', 'owner.login', … (docs/api.md lists them). */
  action: string;
  subject?: string | null;
  detail?: Record<string, unknown> | null;
  /** Defaults to the request's store (store-scoped routes) or the staff's store. */
  storeId?: number | null;
  shopId?: number | null;
}

export type AuditTrail = (c: Context<AppEnv>, facts: AuditFacts) => Promise<void>;

/**
 * Writes who did what, when, from which device to the audit log, after the action succeeded. The actor is
 * whoever the request's guard let in; the device is the staff credential's name (one per phone) or, for
 * owners and the operator, the browser's User-Agent; the client address is read as every log reads it.
 */
export function auditTrail(deps: Pick<AppDeps, 'storage' | 'now' | 'config'>): AuditTrail {
  const trusted = trustedProxies(deps.config.trustProxy);
  const { office, invites } = deps.storage;
  return async (c, facts) => {
    const actor = c.get('actor');
    const store = c.get('store') as AppEnv['Variables']['store'] | undefined;
    let storeId = facts.storeId === undefined ? (store?.id ?? null) : facts.storeId;
    let actorName: string | null = null;
    let device: string | null = userAgent(c);
    if (actor.kind === 'owner') actorName = c.get('owner').name;
    if (actor.kind === 'operator') actorName = 'operator';
    if (actor.kind === 'staff') {
      const merchant = c.get('merchant');
      storeId = facts.storeId === undefined ? merchant.storeId : storeId;
      const staff = (await invites.listStaff(merchant.storeId)).find((s) => s.id === merchant.id);
      actorName = staff?.name ?? null;
      device = staff?.name ?? device;
    }
    const shopId = facts.shopId !== undefined ? facts.shopId : store && store.id === storeId ? store.shopId : storeId === null ? null : ((await office.storeShop(storeId)) ?? null);
    await office.recordAudit({
      at: deps.now(),
      actor,
      actorName,
      shopId,
      storeId,
      action: facts.action,
      subject: facts.subject ?? null,
      device,
      client: clientAddress(c, trusted) ?? null,
      detail: facts.detail ?? null,
    });
  };
}

function userAgent(c: Context<AppEnv>): string | null {
  const agent = c.req.header('user-agent')?.trim();
  return agent ? agent.slice(0, 200) : null;
}
