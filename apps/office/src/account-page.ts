import { api, failureText } from './api.js';
import { confirmAction } from './dialog.js';
import { button, el, empty, field, input, loading } from './dom.js';
import { messageLine, onSubmit, runAction, showError, showNotice } from './forms.js';
import { dateTime, deviceName } from './format.js';
import type { OwnerSession, Store } from './office-types.js';
import type { Page, PageContext } from './router.js';
import { end, reloadStores } from './session.js';

/** 账户: who is signed in, where (sessions, 退出其他设备), the password, the shop's stores, 退出登录. */
export const accountPage: Page = {
  nav: 'account',
  needsStore: false,
  render(root, ctx) {
    const { owner } = ctx.session;
    const sessions = el('div', 'list');
    const sessionsLine = messageLine();
    const others = button('退出其他设备', 'secondary', () => void revokeOthers());
    const signOutLine = messageLine();
    const signOut = button('退出登录', 'danger', () => {
      void runAction(signOut, signOutLine, '退出中…', async () => {
        await api('/api/office/logout', { method: 'POST' });
        end('已退出登录。');
      });
    });
    root.append(
      el('h2', '', '账户'),
      el(
        'section',
        'panel',
        el('div', 'owner-line', el('strong', '', owner.name), el('span', 'row-sub', `账号：${owner.login}${owner.shopName ? ` · ${owner.shopName}` : ''}`)),
        signOutLine,
        el('div', 'actions', signOut),
      ),
      el('section', 'panel', el('h3', '', '登录的设备'), el('p', 'note', '手机丢失或在别人的电脑上登录过？点“退出其他设备”，只保留这台设备的登录。'), sessionsLine, sessions, el('div', 'actions', others)),
      el('section', 'panel', el('h3', '', '修改密码'), passwordForm(owner.login, async () => loadSessions())),
      storesSection(ctx),
    );

    async function loadSessions(): Promise<void> {
      sessions.replaceChildren(loading());
      const answer = await api<{ sessions: OwnerSession[] }>('/api/office/sessions');
      sessions.replaceChildren();
      for (const s of answer.sessions) sessions.append(sessionRow(s));
      others.disabled = !answer.sessions.some((s) => !s.current);
    }

    function sessionRow(s: OwnerSession): HTMLElement {
      const row = el(
        'div',
        'row',
        el(
          'div',
          'row-main',
          el('strong', 'row-title', deviceName(s.userAgent), s.current ? el('span', 'tag ok', '本设备') : null),
          el('span', 'row-sub', `登录于 ${dateTime(s.createdAt)} · 最近使用 ${dateTime(s.lastSeenAt)}${s.client ? ` · IP：${s.client}` : ''}`),
        ),
      );
      row.dataset.sessionId = String(s.id);
      if (s.current) return row;
      const revoke = button('退出', 'small danger-outline', () => {
        void (async () => {
          const sure = await confirmAction({ title: '让这台设备退出登录？', body: `${deviceName(s.userAgent)} 将立即退出后台，需要重新输入密码才能登录。`, confirmText: '退出该设备', danger: true });
          if (sure === null) return;
          const done = await runAction(revoke, sessionsLine, '退出中…', async () => {
            await api(`/api/office/sessions/${s.id}/revoke`, { method: 'POST' });
          });
          if (done) {
            showNotice(sessionsLine, '该设备已退出登录。');
            await loadSessions().catch((error: unknown) => showError(sessionsLine, failureText(error)));
          }
        })();
      });
      row.append(revoke);
      return row;
    }

    async function revokeOthers(): Promise<void> {
      const sure = await confirmAction({ title: '退出其他设备？', body: '除了这台设备，其他所有登录的手机和电脑都会立即退出后台。', confirmText: '全部退出', danger: true });
      if (sure === null) return;
      let revoked = 0;
      const done = await runAction(others, sessionsLine, '退出中…', async () => {
        revoked = (await api<{ revoked: number }>('/api/office/sessions/revoke-others', { method: 'POST' })).revoked;
      });
      if (done) {
        showNotice(sessionsLine, revoked > 0 ? `已让 ${revoked} 台其他设备退出登录。` : '没有其他登录的设备。');
        await loadSessions().catch((error: unknown) => showError(sessionsLine, failureText(error)));
      }
    }

    return loadSessions();
  },
};

function passwordForm(login: string, changed: () => Promise<void>): HTMLFormElement {
  const form = el('form', 'form');
  form.noValidate = true;
  // The login, hidden, so a password manager knows whose password changes.
  const username = input('username', { type: 'text', autocomplete: 'username', value: login, hidden: '' });
  const current = input('current', { type: 'password', autocomplete: 'current-password' });
  const next = input('next', { type: 'password', autocomplete: 'new-password' });
  const again = input('again', { type: 'password', autocomplete: 'new-password' });
  const line = messageLine();
  const submit = el('button', 'primary', '修改密码');
  submit.type = 'submit';
  form.append(username, el('div', 'grid', field('当前密码', current), field('新密码', next, '至少 10 位'), field('再次输入新密码', again)), line, el('div', 'actions', submit));
  onSubmit(form, line, '保存中…', async () => {
    if (!current.value) return showError(line, '请填写当前密码。');
    if (next.value.length < 10 || next.value.length > 200) return showError(line, '新密码应为 10 到 200 个字符。');
    if (next.value !== again.value) return showError(line, '两次输入的新密码不一样。');
    const { revoked } = await api<{ changed: true; revoked: number }>('/api/office/password', { body: { current: current.value, next: next.value } });
    form.reset();
    showNotice(line, revoked > 0 ? `密码已修改，其他 ${revoked} 台设备已退出登录。` : '密码已修改。');
    await changed();
  });
  return form;
}

function storesSection(ctx: PageContext): HTMLElement {
  const list = el('div', 'list');
  const draw = (stores: Store[]) => {
    list.replaceChildren();
    if (stores.length === 0) list.append(empty('还没有门店 — 在下面新建一个'));
    for (const s of stores) list.append(el('div', 'row', el('div', 'row-main', el('strong', 'row-title', s.name), el('span', 'row-sub', `门店编号 ${s.id} · 创建于 ${dateTime(s.createdAt)}`))));
  };
  draw(ctx.session.stores);
  return el('section', 'panel', el('h3', '', '门店'), list, el('h4', 'form-title', '新建门店'), storeForm(ctx, () => draw(ctx.session.stores)));
}

/** 新建门店: used here and on the store pages while the shop has none. */
export function storeForm(ctx: Pick<PageContext, 'session' | 'refreshShell'>, created: () => void): HTMLFormElement {
  const form = el('form', 'form');
  form.noValidate = true;
  const name = input('storeName', { maxlength: '100', placeholder: '例如：人民路店', autocomplete: 'off' });
  const line = messageLine();
  const submit = el('button', 'primary', '新建门店');
  submit.type = 'submit';
  form.append(field('门店名称', name), line, el('div', 'actions', submit));
  onSubmit(form, line, '保存中…', async () => {
    if (!name.value.trim()) return showError(line, '请填写门店名称。');
    const store = await api<Store>('/api/office/stores', { body: { name: name.value.trim() } });
    await reloadStores(ctx.session);
    form.reset();
    showNotice(line, `已新建门店“${store.name}”。`);
    ctx.refreshShell();
    created();
  });
  return form;
}
