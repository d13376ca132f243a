import { Hono } from 'hono';
import { z } from 'zod';
import { processReversal } from '../../core/counter.js';
import { AppError } from '../../errors.js';
import type { AuditEntry, StoreCard } from '../../storage/office.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AppDeps, AppEnv } from '../context.js';
import type { StoreScope } from '../store-access.js';
import { check, decimalParam, idParam, readJson } from '../validation.js';
import { countCounterOutcome, counterAnswer, counterDeps, reversalRequest } from './counter.js';

export const memberPath = z.object({ storeId: idParam, memberId: idParam });
export const listQuery = z.object({ limit: decimalParam(1, 500).default(200) });
// `before`: a ledger id or an audit id, which grow with traffic, so bounded by what JSON carries exactly.
export const pageQuery = z.object({ before: decimalParam(1, Number.MAX_SAFE_INTEGER).optional() });

export const PAGE = 50;

/**
 * A store's members and what happened at the store, for whoever manages it (see StoreScope): the cards
 * held there, one member's card with its ledger, reversals of any deduction of the store (the owner's
 * and the operator's; staff reverse only their own, at the counter), and the audit log.
 */
export function storeMemberRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config' | 'codes' | 'broker' | 'metrics'>, scope: StoreScope, audit: AuditTrail) {
  const { office, cards } = deps.storage;
  const { prefix, guard } = scope;
  const counter = counterDeps(deps);
  return new Hono<AppEnv>()
    .get(`${prefix}/members`, guard, async (c) => {
      const { limit } = check(listQuery, c.req.query());
      return c.json({ members: (await office.listStoreCards(c.get('store').id, limit)).map(cardView) });
    })
    .get(`${prefix}/members/:memberId`, guard, async (c) => {
      const { memberId } = check(memberPath, c.req.param());
      const { before } = check(pageQuery, c.req.query());
      const storeId = c.get('store').id;
      const [card] = await office.listStoreCards(storeId, 1, memberId);
      if (!card) throw new AppError('CARD_NOT_FOUND', `Member ${memberId} holds no card at store ${storeId}`);
      // The window, so the page offers 撤销 only where the server would take it.
      return c.json({ card: cardView(card), ledger: await cards.history(memberId, storeId, PAGE, before), reversalWindowSeconds: deps.config.reversalWindowSeconds });
    })
    .post(`${prefix}/reversals`, guard, async (c) => {
      const body = await readJson(c, reversalRequest);
      const storeId = c.get('store').id;
      // No Idempotency-Key here: its records are per staff credential. A repeated reversal is
      // ALREADY_REVERSED, which is what a double tap in the back office should say anyway.
      const outcome = await processReversal(counter, { ledgerId: body.ledgerId, reason: body.reason, by: { merchantId: null, storeId }, idempotencyKey: null });
      countCounterOutcome(deps.metrics, 'reversal', outcome);
      const answer = counterAnswer(outcome);
      await audit(c, { action: 'reversal', subject: `ledger:${body.ledgerId}`, detail: { reason: body.reason, memberId: answer.result.memberId, remaining: answer.result.remaining } });
      return c.json(answer);
    })
    .get(`${prefix}/audit`, guard, async (c) => {
      const { before } = check(pageQuery, c.req.query());
      return c.json({ entries: auditView(await office.listAudit({ storeId: c.get('store').id }, PAGE, before)) });
    });
}

export function auditView(entries: AuditEntry[]) {
  return entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
}

export function cardView(card: StoreCard) {
  return {
    memberId: card.memberId,
    memberName: card.memberName,
    remaining: card.remaining,
    expiresAt: card.expiresAt === null ? null : new Date(card.expiresAt).toISOString(),
    updatedAt: new Date(card.updatedAt).toISOString(),
  };
}
