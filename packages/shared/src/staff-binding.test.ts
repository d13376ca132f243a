import { describe, expect, it } from 'vitest';
import { isInviteCode, parseStaffBinding, staffBindingUrl, staffJoinUrl } from './staff-binding.js';

// The one parser of staff binding texts, on golden inputs: what WeChat's `q` (decoded), wx.scanCode or
// a typed key can give.
const SERVER = 'https://wash.example.cn';
const KEY = 'spk_12_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
const CODE = 'spi_Zy9-_xWvUtSrQpOnMlKjIhGfEdCbA0123456789abcd';

describe('parseStaffBinding', () => {
  it.each([
    ['a binding URL on this server', `${SERVER}/staff/bind#${KEY}`],
    ['the same with an upper-case host and the default port', `HTTPS://WASH.example.cn:443/staff/bind#${KEY}`],
    ['a bare staff key', KEY],
    ['a bare key with spaces around it (typed or pasted)', `  ${KEY}\n`],
    ['a URL-encoded fragment', `${SERVER}/staff/bind#${encodeURIComponent(KEY)}`],
  ])('accepts %s', (_what, text) => {
    expect(parseStaffBinding(text, SERVER)).toEqual({ ok: true, binding: { kind: 'key', key: KEY } });
  });

  it('accepts a server under a path prefix, and a configured origin with a trailing slash', () => {
    expect(parseStaffBinding(`https://host.cn/scanpush/staff/bind#${KEY}`, 'https://host.cn/scanpush/')).toMatchObject({ ok: true });
    expect(parseStaffBinding(`http://127.0.0.1:8089/staff/bind#${KEY}`, 'http://127.0.0.1:8089')).toMatchObject({ ok: true });
  });

  it('refuses another server’s QR, naming both servers', () => {
    const parsed = parseStaffBinding(`https://evil.example.com/staff/bind#${KEY}`, SERVER);
    expect(parsed).toEqual({
      ok: false,
      reason: `这是另一台服务器（https://evil.example.com）的员工码，本小程序连接的是 ${SERVER}，请向门店管理员索取本店的员工码`,
    });
    // http is another origin than https, and so is another port.
    expect(parseStaffBinding(`http://wash.example.cn/staff/bind#${KEY}`, SERVER)).toMatchObject({ ok: false, reason: expect.stringContaining('另一台服务器') });
    expect(parseStaffBinding(`https://wash.example.cn:8443/staff/bind#${KEY}`, SERVER)).toMatchObject({ ok: false, reason: expect.stringContaining('另一台服务器') });
  });

  it.each([
    ['junk', 'hello', '无法识别的二维码，请扫描门店管理员提供的员工绑定码'],
    ['an empty text', '', '无法识别的二维码，请扫描门店管理员提供的员工绑定码'],
    ['another path on this server', `${SERVER}/console#${KEY}`, '无法识别的二维码，请扫描门店管理员提供的员工绑定码'],
    ['the key in the query instead of the fragment', `${SERVER}/staff/bind?key=${KEY}`, '员工绑定码不完整，请向门店管理员重新索取'],
    ['a binding URL without a key', `${SERVER}/staff/bind`, '员工绑定码不完整，请向门店管理员重新索取'],
    ['a binding URL with a malformed key', `${SERVER}/staff/bind#spk_1_short`, '员工绑定码里的密钥格式不对，请向门店管理员重新索取'],
    ['a broken percent-encoding', `${SERVER}/staff/bind#%E0%A4%A`, '员工绑定码不完整，请向门店管理员重新索取'],
    ['a malformed bare key', 'spk_0_AbCdEfGhIjKlMnOpQrSt', '员工密钥格式不对，请核对后重试'],
    ['a member’s QR token', `SP${'A'.repeat(60)}`, '这是会员的二维码，请扫描员工绑定码'],
    ['a URL with spaces in it', `${SERVER}/staff/bind #${KEY}`, '无法识别的二维码，请扫描门店管理员提供的员工绑定码'],
  ])('refuses %s', (_what, text, reason) => {
    expect(parseStaffBinding(text, SERVER)).toEqual({ ok: false, reason });
  });

  it('reads back what staffBindingUrl writes (the CLI draws it, the bind page reads it)', () => {
    expect(staffBindingUrl(SERVER, KEY)).toBe(`${SERVER}/staff/bind#${KEY}`);
    expect(parseStaffBinding(staffBindingUrl(SERVER, KEY), SERVER)).toEqual({ ok: true, binding: { kind: 'key', key: KEY } });
  });
});

describe('parseStaffBinding: invites', () => {
  it.each([
    ['an invite URL on this server', `${SERVER}/staff/join#${CODE}`],
    ['the same with an upper-case scheme and host and the default port', `HTTPS://Wash.Example.CN:443/staff/join#${CODE}`],
    ['a URL-encoded fragment', `${SERVER}/staff/join#${encodeURIComponent(CODE)}`],
    ['a bare invite code (typed, or the CLI’s argument)', CODE],
    ['a bare code with spaces around it', ` ${CODE}\t`],
  ])('accepts %s', (_what, text) => {
    expect(parseStaffBinding(text, SERVER)).toEqual({ ok: true, binding: { kind: 'invite', code: CODE } });
  });

  it('accepts an invite under the server’s path prefix', () => {
    expect(parseStaffBinding(`https://host.cn/scanpush/staff/join#${CODE}`, 'https://host.cn/scanpush')).toEqual({
      ok: true,
      binding: { kind: 'invite', code: CODE },
    });
  });

  it.each([
    ['another server’s invite', `https://evil.example.com/staff/join#${CODE}`, `这是另一台服务器（https://evil.example.com）的员工码，本小程序连接的是 ${SERVER}，请向门店管理员索取本店的员工码`],
    ['an invite URL without a code', `${SERVER}/staff/join`, '员工邀请码不完整，请向门店管理员重新索取'],
    ['an invite URL with an empty fragment', `${SERVER}/staff/join#`, '员工邀请码不完整，请向门店管理员重新索取'],
    ['an invite URL carrying a staff key', `${SERVER}/staff/join#${KEY}`, '员工邀请码格式不对，请向门店管理员重新索取'],
    ['a binding URL carrying an invite code', `${SERVER}/staff/bind#${CODE}`, '员工绑定码里的密钥格式不对，请向门店管理员重新索取'],
    ['an invite code too short', `${SERVER}/staff/join#spi_short`, '员工邀请码格式不对，请向门店管理员重新索取'],
    ['a bare code too short', 'spi_short', '员工邀请码格式不对，请核对后重试'],
    ['a bare code with a character outside base64url', `spi_${'A'.repeat(20)}+`, '员工邀请码格式不对，请核对后重试'],
    ['the join path without the prefix the server lives under', `https://host.cn/staff/join#${CODE}`, '无法识别的二维码，请扫描门店管理员提供的员工绑定码'],
  ])('refuses %s', (_what, text, reason) => {
    const server = text.startsWith('https://host.cn') ? 'https://host.cn/scanpush' : SERVER;
    expect(parseStaffBinding(text, server)).toEqual({ ok: false, reason });
  });

  it('reads back what staffJoinUrl writes (the server answers it, the bind page and the CLI read it)', () => {
    expect(staffJoinUrl(SERVER, CODE)).toBe(`${SERVER}/staff/join#${CODE}`);
    expect(parseStaffBinding(staffJoinUrl(SERVER, CODE), SERVER)).toEqual({ ok: true, binding: { kind: 'invite', code: CODE } });
  });

  it('knows an invite code by its form', () => {
    expect(isInviteCode(CODE)).toBe(true);
    expect(isInviteCode(`spi_${'a'.repeat(15)}`)).toBe(false);
    expect(isInviteCode(`spi_${'a'.repeat(16)}`)).toBe(true);
    expect(isInviteCode(`spi_${'a'.repeat(128)}`)).toBe(true);
    expect(isInviteCode(`spi_${'a'.repeat(129)}`)).toBe(false);
    expect(isInviteCode(KEY)).toBe(false);
  });
});
