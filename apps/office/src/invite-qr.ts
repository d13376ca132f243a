import QRCode from 'qrcode';
import { el } from './dom.js';
import { dateTime } from './format.js';
import type { NewInvite, Store } from './office-types.js';

/**
 * The invite just created, as staff scan it: its `url` drawn as a QR code (byte mode: a URL is not in
 * the QR alphanumeric set), with when it stops working. The code is shown too, for typing into
 * `scanpush staff join`. Drawn here from the answer: the QR never leaves the page.
 */
export async function inviteCard(invite: NewInvite, name: string | null): Promise<HTMLElement> {
  const canvas = el('canvas', 'qr-canvas');
  await QRCode.toCanvas(canvas, invite.url, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
  const code = el('code', 'invite-code', invite.url);
  return el(
    'div',
    'invite-card',
    el('h4', '', name ? `邀请“${name}”` : '员工邀请'),
    el('div', 'qr-box', canvas),
    el('p', 'invite-steps', '请员工用手机打开小程序“员工绑定”，扫描这个二维码；扫码后这台手机就能在本店扫码扣次。每个二维码只能绑定一台设备。'),
    el('p', 'invite-expiry', `有效至 ${dateTime(invite.expiresAt)}`),
    inviteStatus('open', '等待员工扫码…'),
    code,
  );
}

/**
 * The store's 办卡 code, to print and stand at the counter: a member without a card scans it with WeChat,
 * the mini-program opens with this store and the member's code, and staff sell the first card against it.
 */
export async function storeEntryCard(store: Store): Promise<HTMLElement> {
  const canvas = el('canvas', 'qr-canvas');
  await QRCode.toCanvas(canvas, store.entryUrl, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
  const card = el(
    'div',
    'invite-card entry-card',
    el('h4', '', `${store.name} 办卡码`),
    el('div', 'qr-box', canvas),
    el('p', 'invite-steps', '打印后放在柜台：新会员用微信扫一扫打开小程序，出示会员码，员工选择卡种售卡。'),
    el('code', 'invite-code', store.entryUrl),
  );
  card.dataset.entryUrl = store.entryUrl;
  return card;
}

/** The line under the invite QR saying whether a device took it yet; `data-state` is the invite's state. */
export function inviteStatus(state: string, text: string): HTMLElement {
  const line = el('p', `invite-status state-${state}`, text);
  line.dataset.state = state;
  return line;
}
