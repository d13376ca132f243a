import { storeEntryUrl } from '@scanpush/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../../../test/helpers/client';
import { addStore, drawnToken, drawnTokenFor, resetWx, serverWithWechat, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, lifecycle, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against the REAL server: a member without a card scans a store's 办卡 code (with
// WeChat's scanner, the `q` launch option, or 扫码办卡 on the page), shows the QR the page draws for that
// store, staff sell the first card with it, and the card appears from the sale's push.
type Data = MemberData & { newCard: boolean; choices: string[]; entryNotice: string };

const { simulate, wx } = loadSimulate();
const h = serverWithWechat();
const globalWx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
let page: SimComponent<Data> | undefined;
/** What `wx.getEnterOptionsSync` answers: the query of the launch or show that brought the mini-program up. */
let enterQuery: Record<string, string> = {};
globalWx.getEnterOptionsSync = () => ({ scene: 1011, path: 'pages/member/index', query: enterQuery });

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
  enterQuery = {};
});

/** Opens the member page as WeChat does after its scanner read `url` (the 扫普通链接二维码 rule). */
function openScanned(url: string): SimComponent<Data> {
  enterQuery = { q: encodeURIComponent(url), scancode_time: '1700000000' };
  page = openPage<Data>(simulate, 'member', enterQuery);
  return page;
}

/** Closes the page and opens it again as a cold start would, with no launch option; storage stays. */
function reopen(): SimComponent<Data> {
  if (page) closePage(page);
  enterQuery = {};
  wx.canvas.width = 0;
  page = openPage<Data>(simulate, 'member');
  return page;
}

/** The storage key the page remembers a 办卡 store under (pages/member/store-entry.ts). */
const remembered = (memberId: number) => wx.storage.get(`scanpush.newCardStore.${memberId}`);

async function sellFirstCard(storeId: number, merchantKey: string, qr: string, uses: number) {
  const product = await api(h.srv.url, `/api/admin/stores/${storeId}/products`, {
    token: h.srv.adminToken,
    body: { name: `${uses}次卡`, uses, priceFen: 9900, validDays: 30 },
  });
  expect(product.status).toBe(201);
  return api(h.srv.url, '/api/sales', { token: merchantKey, body: { qr, productId: product.body.id } });
}

describe('member page: 办卡 at a store where the member holds no card', () => {
  it('shows the scanned store and a QR, remembers it, and turns into the card when the sale is pushed', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-new-card');
    const memberId = await wechatMember(h.srv.url, h.wechat, 'o-new-card');
    const store = await addStore(h.srv.url, h.srv.adminToken, '新店洗车');
    let p = openScanned(storeEntryUrl(h.srv.url, store.storeId));
    await untilLive(p, 'the store without a card, live');
    expect(p.data).toMatchObject({ newCard: true, storeName: '新店洗车', cards: [], entryNotice: '' });
    expect(textOf(p)).toContain('请向店员出示此码办卡');
    expect(textOf(p)).toContain('尚未办卡');
    await until(() => drawnToken(wx), 'a QR for the store');
    expect(JSON.parse(remembered(memberId)!)).toEqual({ id: store.storeId, name: '新店洗车' });

    // Closed and opened again without the code: the store is still there, with a fresh QR.
    p = reopen();
    await untilLive(p, 'the remembered store');
    expect(p.data).toMatchObject({ newCard: true, storeName: '新店洗车' });
    const qr = await until(() => drawnToken(wx), 'a QR after reopening');

    // Staff scan the drawn code and sell the first card with it.
    const sold = await sellFirstCard(store.storeId, store.merchantKey, qr, 10);
    expect(sold.status).toBe(200);
    await until(() => p.data.result?.title === '充值成功', 'the sale’s result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 10' });
    expect(p.data.newCard).toBe(false);
    expect(p.data.remaining).toBe(10);
    await until(() => p.data.cards.length === 1, 'the card in the list');
    expect(p.data.cards[0]).toMatchObject({ storeId: store.storeId, remaining: 10 });
    expect(p.data.choices).toEqual(['新店洗车']);
    await until(() => p.data.history.length === 1, 'the sale in the history');
    expect(textOf(p)).toContain('剩余 10 次');
    expect(remembered(memberId)).toBeUndefined();

    // Opened again: the card, as every card shows.
    p = reopen();
    await untilLive(p, 'the card after reopening');
    expect(p.data).toMatchObject({ newCard: false, storeName: '新店洗车', remaining: 10 });
    expect(textOf(p)).not.toContain('请向店员出示此码办卡');
  });

  it('says what is wrong with a code that is no entry of this server, and shows the normal page', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-bad-entry');
    let p = openScanned(`${h.srv.url}/console`);
    await until(() => p.data.phase === 'empty', 'the empty page');
    expect(p.data.entryNotice).toBe('无法识别的二维码，请扫描门店的办卡码');
    expect(textOf(p)).toContain('无法识别的二维码，请扫描门店的办卡码');
    expect(textOf(p)).toContain('扫码办卡');

    // An entry of this server naming a store it does not have; the member's card still shows.
    const memberId = await wechatMember(h.srv.url, h.wechat, 'o-bad-entry');
    const store = await addStore(h.srv.url, h.srv.adminToken, '老店洗车');
    await topUp(h.srv.url, h.srv.adminToken, memberId, store.storeId, 3);
    closePage(p);
    p = openScanned(storeEntryUrl(h.srv.url, 4_000_000_000));
    page = p;
    await untilLive(p, 'the member’s card');
    expect(p.data).toMatchObject({ newCard: false, storeName: '老店洗车', remaining: 3, entryNotice: '未找到这家门店，请向店员索取本店的办卡码' });
    expect(textOf(p)).toContain('未找到这家门店');
    expect(remembered(memberId)).toBeUndefined();

    // Another server's entry is refused, naming that server.
    closePage(p);
    p = openScanned(storeEntryUrl('https://other.example.cn', store.storeId));
    page = p;
    await untilLive(p, 'the member’s card again');
    expect(p.data.entryNotice).toBe('这是另一台服务器（https://other.example.cn）的门店码，请扫描本店柜台的办卡码');
  });

  it('扫码办卡 on the empty page shows the scanned store with its QR', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-empty-scan');
    const store = await addStore(h.srv.url, h.srv.adminToken, '扫码新店');
    page = openPage<Data>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'empty', 'the empty page');
    // A member's QR is no store code: said, and the page stays as it was.
    wx.scans.push(`SP${'A'.repeat(60)}`);
    p.querySelector('.scan-button')!.dispatchEvent('tap');
    await until(() => p.data.entryNotice, 'the refusal');
    expect(p.data).toMatchObject({ phase: 'empty', entryNotice: '这是会员的二维码，请扫描门店的办卡码' });
    wx.scans.push(storeEntryUrl(h.srv.url, store.storeId));
    p.querySelector('.scan-button')!.dispatchEvent('tap');
    await untilLive(p, 'the scanned store, live');
    expect(p.data).toMatchObject({ newCard: true, storeName: '扫码新店', entryNotice: '' });
    await until(() => drawnToken(wx), 'a QR for the store');
    expect(textOf(p)).toContain('请向店员出示此码办卡');
  });

  it('shows the store of a code scanned with WeChat while the page stayed open in the background', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-hot-start');
    const store = await addStore(h.srv.url, h.srv.adminToken, '热启动新店');
    page = openPage<Data>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'empty', 'the empty page');
    // Store look-ups, to tell an entry taken once from one taken again.
    let lookups = 0;
    const request = globalWx.request as (o: { url: string }) => void;
    globalWx.request = (o: { url: string }) => {
      if (o.url.includes('/api/stores/')) lookups++;
      request(o);
    };
    // A hot start: WeChat shows the open page again, the scan only in the enter options.
    lifecycle(p, 'onHide');
    enterQuery = { q: encodeURIComponent(storeEntryUrl(h.srv.url, store.storeId)), scancode_time: '1700000100' };
    lifecycle(p, 'onShow');
    await untilLive(p, 'the scanned store, live');
    expect(p.data).toMatchObject({ newCard: true, storeName: '热启动新店' });
    expect(lookups).toBe(1);
    // Shown again with the same enter options (no new scan): the store is not entered twice.
    lifecycle(p, 'onHide');
    lifecycle(p, 'onShow');
    await settle();
    globalWx.request = request;
    expect(lookups).toBe(1);
    expect(p.data).toMatchObject({ newCard: true, storeName: '热启动新店', entryNotice: '' });
  });

  it('扫码办卡 beside the card list shows the scanned store next to the cards', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-scan-entry');
    const memberId = await wechatMember(h.srv.url, h.wechat, 'o-scan-entry');
    const held = await addStore(h.srv.url, h.srv.adminToken, '常去的店');
    const other = await addStore(h.srv.url, h.srv.adminToken, '隔壁新店');
    await topUp(h.srv.url, h.srv.adminToken, memberId, held.storeId, 2);
    page = openPage<Data>(simulate, 'member');
    const p = page;
    await untilLive(p);
    expect(p.data.storeName).toBe('常去的店');

    // A cancelled scan changes nothing; then the counter's code of the other store.
    p.querySelector('.scan-entry')!.dispatchEvent('tap');
    wx.scans.push(storeEntryUrl(h.srv.url, other.storeId));
    p.querySelector('.scan-entry')!.dispatchEvent('tap');
    await until(() => p.data.newCard && p.data.storeName === '隔壁新店', 'the scanned store');
    expect(p.data.choices).toEqual(['常去的店', '隔壁新店（办卡）']);
    expect(p.data.cardIndex).toBe(1);
    const qr = await until(() => drawnTokenFor(wx, other.storeId), 'a QR for the scanned store');
    const sold = await sellFirstCard(other.storeId, other.merchantKey, qr, 5);
    expect(sold.status).toBe(200);
    await until(() => p.data.choices.length === 2 && p.data.choices[1] === '隔壁新店', 'the new card in the list');
    expect(p.data).toMatchObject({ newCard: false, remaining: 5, cardIndex: 1 });
  });
});
