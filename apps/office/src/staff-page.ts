import { api, failureText } from './api.js';
import { confirmAction } from './dialog.js';
import { button, el, empty, field, input, loading } from './dom.js';
import { messageLine, onSubmit, runAction, showError, showNotice } from './forms.js';
import { dateTime } from './format.js';
import { inviteCard, inviteStatus } from './invite-qr.js';
import type { Device, Invite, InviteState, NewInvite } from './office-types.js';
import type { Page, PageContext } from './router.js';
import { current, storePath } from './session.js';

const INVITE_STATES: Record<InviteState, string> = { open: '待使用', redeemed: '已使用', expired: '已过期', revoked: '已撤销' };

/** How often an invite on screen is checked for a device that took it. */
const WATCH_MS = 3000;

const VALID_FOR: Array<[minutes: number, text: string]> = [
  [30, '30 分钟'],
  [120, '2 小时'],
  [1440, '1 天'],
];

/** 员工与设备: invite a device (QR), the invites still open, and the devices that hold a staff key. */
export const staffPage: Page = {
  nav: 'staff',
  needsStore: true,
  render(root, ctx) {
    const devices = el('div', 'list');
    const invites = el('div', 'list');
    const devicesLine = messageLine();
    const invitesLine = messageLine();
    const shown = el('div', 'invite-slot');
    const form = inviteForm(ctx, shown, async (invite) => {
      await loadInvites();
      watch(invite);
    });
    root.append(
      el('h2', '', '员工与设备'),
      el('section', 'panel', el('h3', '', '邀请员工'), el('p', 'note', '生成一个一次性二维码，员工用手机扫码后即可在本店扫码扣次、售卡。'), form, shown),
      el('section', 'panel', el('h3', '', '已绑定的设备'), devicesLine, devices),
      el('section', 'panel', el('h3', '', '邀请记录'), invitesLine, invites),
    );

    async function loadDevices(): Promise<void> {
      devices.replaceChildren(loading());
      const { merchants } = await api<{ merchants: Device[] }>(storePath(ctx.store, '/merchants'));
      devices.replaceChildren();
      if (merchants.length === 0) devices.append(empty('还没有绑定的设备 — 在上面邀请员工，扫码后设备会出现在这里'));
      const sorted = [...merchants].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.id - a.id);
      for (const d of sorted) devices.append(deviceRow(d));
    }

    function deviceRow(d: Device): HTMLElement {
      const row = el(
        'div',
        d.revokedAt ? 'row archived' : 'row',
        el('div', 'row-main', el('strong', 'row-title', d.name), el('span', 'row-sub', d.revokedAt ? `已于 ${dateTime(d.revokedAt)} 停用` : `绑定于 ${dateTime(d.createdAt)}`)),
      );
      row.dataset.merchantId = String(d.id);
      if (d.revokedAt) {
        row.append(el('span', 'tag muted', '已停用'));
        return row;
      }
      row.append(el('span', 'tag ok', '使用中'));
      const revoke = button('停用', 'small danger-outline', () => {
        void (async () => {
          const sure = await confirmAction({
            title: `停用“${d.name}”？`,
            body: '停用后这台设备立即不能再扫码、售卡或撤销；它以前的记录保留。要重新使用，需要再次邀请。',
            confirmText: '停用',
            danger: true,
          });
          if (sure === null) return;
          const done = await runAction(revoke, devicesLine, '停用中…', async () => {
            await api(storePath(ctx.store, `/merchants/${d.id}/revoke`), { method: 'POST' });
          });
          if (done) {
            showNotice(devicesLine, `已停用“${d.name}”。`);
            await loadDevices().catch((error: unknown) => showError(devicesLine, failureText(error)));
          }
        })();
      });
      row.append(revoke);
      return row;
    }

    async function loadInvites(): Promise<void> {
      invites.replaceChildren(loading());
      const answer = await api<{ invites: Invite[] }>(storePath(ctx.store, '/invites'));
      invites.replaceChildren();
      if (answer.invites.length === 0) invites.append(empty('还没有邀请记录'));
      for (const i of [...answer.invites].sort((a, b) => b.id - a.id)) invites.append(inviteRow(i));
    }

    function inviteRow(i: Invite): HTMLElement {
      const when =
        i.state === 'redeemed' && i.redeemedAt
          ? `${dateTime(i.redeemedAt)} 已绑定设备`
          : i.state === 'revoked' && i.revokedAt
            ? `${dateTime(i.revokedAt)} 撤销`
            : `有效至 ${dateTime(i.expiresAt)}`;
      const row = el(
        'div',
        i.state === 'open' ? 'row' : 'row archived',
        el('div', 'row-main', el('strong', 'row-title', i.name ?? '未命名邀请'), el('span', 'row-sub', `创建于 ${dateTime(i.createdAt)} · ${when}`)),
        el('span', i.state === 'open' ? 'tag ok' : 'tag muted', INVITE_STATES[i.state] ?? i.state),
      );
      row.dataset.inviteId = String(i.id);
      if (i.state !== 'open') return row;
      const revoke = button('撤销', 'small danger-outline', () => {
        void (async () => {
          const sure = await confirmAction({
            title: '撤销这个邀请？',
            body: '撤销后这个二维码不能再用来绑定设备。已经绑定的设备不受影响。',
            confirmText: '撤销邀请',
            danger: true,
          });
          if (sure === null) return;
          const done = await runAction(revoke, invitesLine, '撤销中…', async () => {
            await api(storePath(ctx.store, `/invites/${i.id}`), { method: 'DELETE' });
          });
          if (done) {
            showNotice(invitesLine, '邀请已撤销。');
            if (shown.dataset.inviteId === String(i.id)) shown.replaceChildren();
            await loadInvites().catch((error: unknown) => showError(invitesLine, failureText(error)));
          }
        })();
      });
      row.append(revoke);
      return row;
    }

    /**
     * While the invite just made is on screen, asks every few seconds whether a device took it, so the
     * owner sees the new device appear without reloading. Stops when the invite is taken, revoked or
     * expired, when the owner leaves the page, or when the session ends.
     */
    function watch(invite: NewInvite): void {
      const stillShown = () => root.isConnected && current.session === ctx.session && shown.dataset.inviteId === String(invite.inviteId);
      const timer = window.setInterval(() => {
        if (!stillShown()) {
          window.clearInterval(timer);
          return;
        }
        void (async () => {
          const found = (await api<{ invites: Invite[] }>(storePath(ctx.store, '/invites'))).invites.find((i) => i.id === invite.inviteId);
          if (!found || found.state === 'open' || !stillShown()) return;
          window.clearInterval(timer);
          const status = shown.querySelector('.invite-status');
          const device = found.merchantId === null ? undefined : (await api<{ merchants: Device[] }>(storePath(ctx.store, '/merchants'))).merchants.find((d) => d.id === found.merchantId);
          const text = found.state === 'redeemed' ? `已绑定设备：${device?.name ?? `#${found.merchantId}`}` : found.state === 'expired' ? '二维码已过期，请重新生成。' : '邀请已撤销。';
          status?.replaceWith(inviteStatus(found.state, text));
          // The QR opens nothing any more: dimmed, so nobody tries it again.
          shown.querySelector('.invite-card')?.classList.add('spent');
          await Promise.all([loadDevices(), loadInvites()]);
        })().catch(() => {
          // A failed look is tried again on the next tick; a gone session already showed the sign-in form.
        });
      }, WATCH_MS);
    }

    return Promise.all([loadDevices(), loadInvites()]).then(() => undefined);
  },
};

function inviteForm(ctx: PageContext, shown: HTMLElement, created: (invite: NewInvite) => Promise<void>): HTMLFormElement {
  const form = el('form', 'form');
  form.noValidate = true;
  const name = input('name', { maxlength: '100', placeholder: '例如：前台小王', autocomplete: 'off' });
  const validFor = el('select');
  validFor.name = 'validMinutes';
  for (const [minutes, text] of VALID_FOR) validFor.append(new Option(text, String(minutes)));
  const line = messageLine();
  const submit = el('button', 'primary', '生成邀请二维码');
  submit.type = 'submit';
  form.append(el('div', 'grid', field('员工或设备名称（可选）', name), field('二维码有效时间', validFor)), line, el('div', 'actions', submit));
  onSubmit(form, line, '生成中…', async () => {
    const label = name.value.trim() || null;
    const invite = await api<NewInvite>(storePath(ctx.store, '/invites'), {
      body: { ...(label ? { name: label } : {}), validMinutes: Number(validFor.value) },
    });
    shown.replaceChildren(await inviteCard(invite, label));
    shown.dataset.inviteId = String(invite.inviteId);
    form.reset();
    await created(invite);
  });
  return form;
}
