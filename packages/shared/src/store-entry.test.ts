import { describe, expect, it } from 'vitest';
import { STORE_ENTRY_PATH, parseStoreEntry, storeEntryUrl } from './store-entry.js';

// The 办卡 entry's text, on golden inputs: what WeChat's `q` (encoded or decoded) or wx.scanCode gives.
const SERVER = 'https://wash.example.cn';
const MEMBER_QR = `SP${'A'.repeat(60)}`;

describe('storeEntryUrl', () => {
  it('writes the store id in the path under /m/store/', () => {
    expect(STORE_ENTRY_PATH).toBe('/m/store/');
    expect(storeEntryUrl(SERVER, 2)).toBe('https://wash.example.cn/m/store/2');
    expect(storeEntryUrl('http://127.0.0.1:8089', 4294967295)).toBe('http://127.0.0.1:8089/m/store/4294967295');
  });
});

describe('parseStoreEntry', () => {
  it.each([
    ['the entry URL', `${SERVER}/m/store/2`],
    ['the URL-encoded `q` form', encodeURIComponent(`${SERVER}/m/store/2`)],
    ['an upper-case host and the default port', 'HTTPS://WASH.example.cn:443/m/store/2'],
    ['a trailing slash', `${SERVER}/m/store/2/`],
    ['a query and a fragment after it', `${SERVER}/m/store/2?from=counter#x`],
    ['spaces around it', `  ${SERVER}/m/store/2\n`],
  ])('accepts %s', (_what, text) => {
    expect(parseStoreEntry(text, SERVER)).toEqual({ ok: true, value: { storeId: 2 } });
    expect(parseStoreEntry(text)).toEqual({ ok: true, value: { storeId: 2 } });
  });

  it('round-trips storeEntryUrl, also under a path prefix', () => {
    expect(parseStoreEntry(storeEntryUrl('http://127.0.0.1:8089', 17), 'http://127.0.0.1:8089')).toEqual({ ok: true, value: { storeId: 17 } });
    expect(parseStoreEntry(storeEntryUrl('https://host.cn/scanpush', 5), 'https://host.cn/scanpush/')).toEqual({ ok: true, value: { storeId: 5 } });
  });

  it('refuses another server’s entry when the origin is given, naming it', () => {
    expect(parseStoreEntry('https://evil.example.com/m/store/2', SERVER)).toEqual({
      ok: false,
      reason: '这是另一台服务器（https://evil.example.com）的门店码，请扫描本店柜台的办卡码',
    });
    expect(parseStoreEntry('http://wash.example.cn/m/store/2', SERVER)).toMatchObject({ ok: false, reason: expect.stringContaining('另一台服务器') });
  });

  it.each([
    ['junk', 'hello', '无法识别的二维码，请扫描门店的办卡码'],
    ['an empty text', '', '无法识别的二维码，请扫描门店的办卡码'],
    ['another path on this server', `${SERVER}/console`, '无法识别的二维码，请扫描门店的办卡码'],
    ['the entry path without a store', `${SERVER}/m/store/`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a store id with a leading zero', `${SERVER}/m/store/02`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a store id 0', `${SERVER}/m/store/0`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a store id past the id range', `${SERVER}/m/store/4294967296`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a store id that is no number', `${SERVER}/m/store/abc`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a deeper path', `${SERVER}/m/store/2/x`, '办卡码里的门店编号不对，请重新扫描门店的办卡码'],
    ['a staff invite link', `${SERVER}/staff/join#spi_abc`, '这是员工绑定码，会员请扫描门店的办卡码'],
    ['a member’s own QR', MEMBER_QR, '这是会员的二维码，请扫描门店的办卡码'],
    ['a broken URL encoding', 'https%3A%2F%2Fwash.example.cn%2Fm%2Fstore%2F2%E0%A4%A', '无法识别的二维码，请扫描门店的办卡码'],
  ])('refuses %s', (_what, text, reason) => {
    expect(parseStoreEntry(text, SERVER)).toEqual({ ok: false, reason });
  });

  it('refuses a server origin that is no URL', () => {
    expect(parseStoreEntry(`${SERVER}/m/store/2`, 'not a url')).toEqual({ ok: false, reason: '本小程序的服务器地址无效' });
  });
});
