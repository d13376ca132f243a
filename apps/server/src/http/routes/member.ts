import type { QrResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import QRCode from 'qrcode';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, decimalParam, id, idParam, readJson } from '../validation.js';

export const historyPath = z.object({ storeId: idParam });
// `before`: a ledger id, whose ids grow with traffic (bigint in PostgreSQL), so not bounded by MAX_ID.
export const historyQuery = z.object({ limit: decimalParam(1, 200).default(50), before: decimalParam(1, Number.MAX_SAFE_INTEGER).optional() });
export const qrRequest = z.object({ storeId: id, svg: z.boolean().optional() });

export function memberRoutes(deps: AppDeps) {
  // On each route rather than `use` on the paths: a wrong method is answered 405 before any credential is asked.
  const member = requireMember(deps);
  return new Hono<AppEnv>()
    .get('/api/cards', member, async (c) => c.json({ cards: await deps.storage.cards.listCards(c.get('member').memberId) }))
    .get('/api/cards/:storeId/history', member, async (c) => {
      const { memberId } = c.get('member');
      const { storeId: store } = check(historyPath, c.req.param());
      const { limit, before } = check(historyQuery, c.req.query());
      if (!(await deps.storage.cards.getCard(memberId, store))) throw new AppError('CARD_NOT_FOUND', 'No card at this store');
      return c.json({ entries: await deps.storage.cards.history(memberId, store, limit, before) });
    })
    .post('/api/qr', member, async (c) => {
      const { memberId } = c.get('member');
      const body = await readJson(c, qrRequest);
      // A member without a card at an existing store gets a QR too: it is what staff scan to sell the
      // first card (POST /api/sales). A store that does not exist can hold no card.
      if (!(await deps.storage.cards.getCard(memberId, body.storeId)) && !(await deps.storage.accounts.getStore(body.storeId))) {
        throw new AppError('CARD_NOT_FOUND', 'No card at this store');
      }
      const ttl = deps.config.qrTtlSeconds;
      const { token, claims } = deps.signer.issue(memberId, body.storeId, deps.now(), ttl);
      const answer: QrResponse = {
        token,
        memberId,
        storeId: body.storeId,
        expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
        ttlSeconds: ttl,
      };
      if (body.svg) answer.svg = await QRCode.toString(token, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return c.json(answer);
    });
}
