import { api } from './api.js';
import { el, empty, field, input, loading } from './dom.js';
import { dateTime } from './format.js';
import type { MemberCard } from './office-types.js';
import type { Page } from './router.js';
import { storePath } from './session.js';

/** 会员: the cards held at the store, newest activity first, searchable by number or name. */
export const membersPage: Page = {
  nav: 'members',
  needsStore: true,
  async render(root, ctx) {
    const list = el('div', 'list');
    const search = input('q', { type: 'search', placeholder: '会员编号或姓名', autocomplete: 'off' });
    root.append(el('h2', '', '会员'), el('section', 'panel', field('查找会员', search), list));
    list.append(loading());
    const { members } = await api<{ members: MemberCard[] }>(storePath(ctx.store, '/members'));
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const shown = members.filter((m) => !q || String(m.memberId).includes(q) || (m.memberName ?? '').toLowerCase().includes(q));
      list.replaceChildren();
      if (members.length === 0) list.append(empty('还没有会员 — 在柜台售出第一张卡后，会员会出现在这里'));
      else if (shown.length === 0) list.append(empty(`没有找到“${search.value.trim()}”`));
      for (const m of shown) list.append(memberRow(m));
    };
    search.addEventListener('input', draw);
    draw();
  },
};

function memberRow(m: MemberCard): HTMLElement {
  const expired = m.expiresAt !== null && new Date(m.expiresAt).getTime() < Date.now();
  const link = el(
    'a',
    'row link-row',
    el(
      'div',
      'row-main',
      el('strong', 'row-title', memberLabel(m)),
      el('span', 'row-sub', `${m.expiresAt === null ? '不过期' : `${expired ? '已于' : '有效至'} ${dateTime(m.expiresAt)}${expired ? ' 过期' : ''}`} · 最近变动 ${dateTime(m.updatedAt)}`),
    ),
    el('span', m.remaining > 0 && !expired ? 'count' : 'count zero', `剩余 ${m.remaining} 次`),
    el('span', 'chevron', '›'),
  );
  link.href = `#/members/${m.memberId}`;
  link.dataset.memberId = String(m.memberId);
  return link;
}

/** "王先生（#17）", or "会员 #17" when the member gave no name. */
export function memberLabel(m: Pick<MemberCard, 'memberId' | 'memberName'>): string {
  return m.memberName ? `${m.memberName}（#${m.memberId}）` : `会员 #${m.memberId}`;
}
