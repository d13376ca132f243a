import { STORE_ENTRY_PATH, type StoreSummary } from '@scanpush/shared';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam } from '../validation.js';

export const storePath = z.object({ storeId: idParam });

/** Nothing from elsewhere, no script, not framed: the page only names the store. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * A store as its 办卡 entry shows it (packages/shared store-entry.ts). `GET /api/stores/:storeId`: a
 * signed-in member learns the name of a store where they may hold no card yet, so the member page can
 * name the store whose code they scanned. `GET /m/store/:storeId`: the entry URL itself, opened by a
 * plain camera or a browser rather than WeChat, answers a small page saying to scan it with WeChat.
 * An unknown store is NOT_FOUND on both.
 */
export function storeRoutes(deps: Pick<AppDeps, 'storage' | 'now'>) {
  const member = requireMember(deps);
  const findStore = async (params: Record<string, string>) => {
    const { storeId } = check(storePath, params);
    const store = await deps.storage.accounts.getStore(storeId);
    if (!store) throw new AppError('NOT_FOUND', `No store ${storeId}`);
    return store;
  };
  return new Hono<AppEnv>()
    .get('/api/stores/:storeId', member, async (c) => {
      const store = await findStore(c.req.param());
      const answer: StoreSummary = { id: store.id, name: store.name };
      return c.json(answer);
    })
    .get(`${STORE_ENTRY_PATH}:storeId`, async (c) => {
      const store = await findStore(c.req.param());
      // `html` escapes the name: an owner chooses it.
      const page = html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${store.name} · 办卡</title>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:48px 24px;text-align:center;color:#222}h1{font-size:24px}p{color:#555;font-size:17px;line-height:1.6}</style>
</head>
<body>
<h1>${store.name}</h1>
<p>请用微信扫码打开小程序办卡</p>
<p>用微信“扫一扫”扫描门店柜台的二维码，或在小程序会员页点“扫码办卡”，再向店员出示小程序里的二维码。</p>
</body>
</html>`;
      return c.html(page, 200, PAGE_HEADERS);
    });
}
