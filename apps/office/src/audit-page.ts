import { api } from './api.js';
import { button, el, empty, loading } from './dom.js';
import { messageLine, runAction } from './forms.js';
import { dateTime, deviceName, yuan } from './format.js';
import type { AuditEntry } from './office-types.js';
import type { Page } from './router.js';
import { storePath } from './session.js';

// The actions the server logs (apps/server/src/http: every `audit(c, { action })`), as an owner says them.
const ACTIONS: Record<string, string> = {
  'product.create': '新建卡种',
  'product.archive': '下架卡种',
  'invite.create': '生成员工邀请',
  'invite.revoke': '撤销员工邀请',
  'staff.join': '设备绑定加入',
  'staff.revoke': '停用设备',
  sale: '售卡',
  reversal: '撤销扣次',
  'store.create': '新建门店',
  'store.shop': '门店归属变更',
  'owner.login': '登录后台',
  'owner.logout': '退出后台',
  'owner.password': '修改密码',
  'owner.session.revoke': '退出一台设备',
  'owner.session.revoke_others': '退出其他设备',
  'owner.session.revoke_all': '平台退出店主全部设备',
  'owner.password.reset': '平台重置店主密码',
  'owner.create': '新增店主',
  'owner.disable': '停用店主',
  'owner.enable': '启用店主',
  'shop.create': '开通店铺',
};

/**
 * 操作记录: who did what, when, from which device; 50 a page, newest first. Of the store chosen, or of
 * the whole shop (every store, and the owners' sign-ins and password changes, which concern no store).
 */
export const auditPage: Page = {
  nav: 'audit',
  needsStore: true,
  async render(root, ctx) {
    const wholeShop = ctx.params[0] === 'shop';
    const list = el('div', 'list');
    const line = messageLine();
    const more = button('加载更早的记录', 'secondary');
    more.hidden = true;
    const scope = el(
      'div',
      'scope-tabs',
      link('#/audit', `本门店（${ctx.store.name}）`, !wholeShop),
      link('#/audit/shop', '全部门店与登录', wholeShop),
    );
    root.append(el('h2', '', '操作记录'), scope, el('section', 'panel', line, list, el('div', 'actions', more)));
    let oldest: number | undefined;

    const fetchPage = (before?: number) => {
      const query = before ? `?before=${before}` : '';
      return api<{ entries: AuditEntry[] }>(wholeShop ? `/api/office/audit${query}` : storePath(ctx.store, `/audit${query}`));
    };
    const add = (entries: AuditEntry[]) => {
      for (const e of entries) list.append(entryRow(e));
      oldest = entries.at(-1)?.id ?? oldest;
      more.hidden = entries.length < 50;
    };

    more.addEventListener('click', () => {
      void runAction(more, line, '加载中…', async () => {
        if (oldest !== undefined) add((await fetchPage(oldest)).entries);
      });
    });

    list.append(loading());
    const { entries } = await fetchPage();
    list.replaceChildren();
    if (entries.length === 0) list.append(empty('还没有操作记录'));
    add(entries);
  },
};

function link(href: string, text: string, active: boolean): HTMLElement {
  const a = el('a', active ? 'scope active' : 'scope', text);
  a.setAttribute('href', href);
  if (active) a.setAttribute('aria-current', 'page');
  return a;
}

function entryRow(e: AuditEntry): HTMLElement {
  const who = actorText(e);
  const device = e.actor.kind === 'staff' ? (e.device ?? '') : deviceName(e.device);
  const where = [device && `设备：${device}`, e.client && `IP：${e.client}`].filter(Boolean).join(' · ');
  const row = el(
    'div',
    'row audit-row',
    el(
      'div',
      'row-main',
      el('strong', 'row-title', `${ACTIONS[e.action] ?? e.action}`, el('span', 'row-extra', detailText(e))),
      el('span', 'row-sub', `${dateTime(e.at)} · ${who}`),
      where ? el('span', 'row-sub', where) : null,
    ),
  );
  row.dataset.action = e.action;
  return row;
}

function actorText(e: AuditEntry): string {
  switch (e.actor.kind) {
    case 'owner':
      return `店主 ${e.actorName ?? ''}`.trim();
    case 'staff':
      return `员工设备 ${e.actorName ?? `#${e.actor.merchantId}`}`;
    case 'operator':
      return '平台管理员';
    default:
      return e.actorName ?? '';
  }
}

/** The facts worth a glance: the product's name, the invite's name, the reason of a reversal. */
function detailText(e: AuditEntry): string {
  const d = e.detail ?? {};
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
  const parts: string[] = [];
  if (text('name')) parts.push(`“${text('name')}”`);
  if (typeof d.priceFen === 'number') parts.push(`${yuan(d.priceFen)} 元`);
  if (text('reason')) parts.push(`原因：${text('reason')}`);
  if (typeof d.memberId === 'number') parts.push(`会员 #${d.memberId}`);
  if (typeof d.revoked === 'number') parts.push(`${d.revoked} 台设备`);
  return parts.length ? ` ${parts.join(' · ')}` : '';
}
