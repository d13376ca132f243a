import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseNotifyFields } from './config.js';

const SECRET = 'q'.repeat(32);
const load = (env: Record<string, string | undefined>) => loadConfig(env, () => 'generated-secret');

function problems(env: Record<string, string | undefined>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults outside production', () => {
    const config = load({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 8089,
      databasePath: './data/scanpush.db',
      sqliteSynchronous: 'normal',
      qrSecret: 'generated-secret',
      qrSecretGenerated: true,
      qrTtlSeconds: 60,
      demo: true,
      devLogin: true,
      console: true,
      openApi: true,
      heartbeatMs: 25_000,
      trustProxy: [],
    });
    expect(config.delivery).toEqual({
      maxSocketsPerStore: 5,
      frameRatePerSecond: 10,
      frameBurst: 20,
      textReplayMs: 24 * 3600_000,
      textReplayMax: 20,
      retentionMs: 7 * 24 * 3600_000,
    });
  });

  it('turns the demo, the dev login, the console and the OpenAPI document off in production', () => {
    const config = load({ NODE_ENV: 'production', QR_SECRET: SECRET });
    expect(config).toMatchObject({ demo: false, devLogin: false, console: false, openApi: false, qrSecret: SECRET, qrSecretGenerated: false });
    expect(load({ NODE_ENV: 'production', QR_SECRET: SECRET, OPENAPI: 'on' }).openApi).toBe(true);
    expect(load({ OPENAPI: 'off' }).openApi).toBe(false);
  });

  it('reads empty values as unset, as systemd environment files write them', () => {
    expect(load({ PORT: '', QR_SECRET: '', DEMO: '' })).toMatchObject({ port: 8089, qrSecretGenerated: true, demo: true });
  });

  it('reads booleans in their usual spellings', () => {
    expect(load({ DEMO: 'off', CONSOLE: 'no', DEV_LOGIN: '0' })).toMatchObject({ demo: false, console: false, devLogin: false });
    expect(load({ NODE_ENV: 'production', QR_SECRET: SECRET, CONSOLE: 'yes' }).console).toBe(true);
  });

  it('names every bad variable at once', () => {
    const message = problems({ PORT: '70000', QR_TTL_SECONDS: '1', HEARTBEAT_MS: 'often', SQLITE_SYNCHRONOUS: 'extra' });
    for (const name of ['PORT', 'QR_TTL_SECONDS', 'HEARTBEAT_MS', 'SQLITE_SYNCHRONOUS']) expect(message).toContain(`  ${name}: `);
  });

  it('refuses what production must not run with', () => {
    const message = problems({ NODE_ENV: 'production', DEV_LOGIN: 'on', DEMO_MERCHANT_KEY: `spk_1_${'a'.repeat(16)}` });
    expect(message).toContain('QR_SECRET: required in production');
    expect(message).toContain('DEV_LOGIN: the development login cannot be on in production');
    expect(message).toContain('DEMO_MERCHANT_KEY: not allowed in production');
  });

  it('wants both halves of the WeChat credentials or neither', () => {
    expect(problems({ WECHAT_APPID: 'wx0123456789abcdef' })).toContain('WECHAT_APPID, WECHAT_SECRET: set both or neither');
    const config = load({ WECHAT_APPID: 'wx0123456789abcdef', WECHAT_SECRET: 's'.repeat(16) });
    expect(config.wechat).toEqual({ appid: 'wx0123456789abcdef', secret: 's'.repeat(16), apiBase: 'https://api.weixin.qq.com' });
  });

  it('keeps subscription messages off when unset, and refuses them half-set', () => {
    const wechat = { WECHAT_APPID: 'wx0123456789abcdef', WECHAT_SECRET: 's'.repeat(16) };
    expect(load(wechat).notify).toBeUndefined();
    expect(problems({ ...wechat, WECHAT_NOTIFY_TEMPLATE_ID: 'tmplConsume0001' })).toContain('WECHAT_NOTIFY_TEMPLATE_ID, WECHAT_NOTIFY_FIELDS: set both or neither');
    expect(problems({ ...wechat, WECHAT_NOTIFY_FIELDS: 'thing1:store' })).toContain('WECHAT_NOTIFY_TEMPLATE_ID, WECHAT_NOTIFY_FIELDS: set both or neither');
    expect(problems({ WECHAT_NOTIFY_TEMPLATE_ID: 'tmplConsume0001', WECHAT_NOTIFY_FIELDS: 'thing1:store' })).toContain('WECHAT_NOTIFY_TEMPLATE_ID: needs WECHAT_APPID and WECHAT_SECRET');
    const config = load({ ...wechat, WECHAT_NOTIFY_TEMPLATE_ID: 'tmplConsume0001', WECHAT_NOTIFY_FIELDS: 'thing1:store, number2:remaining,time3:time' });
    expect(config.notify).toEqual({
      templateId: 'tmplConsume0001',
      fields: [
        { key: 'thing1', source: 'store' },
        { key: 'number2', source: 'remaining' },
        { key: 'time3', source: 'time' },
      ],
      page: 'pages/member/index',
      state: 'formal',
      delayMs: 60_000,
      refusals: false,
    });
  });

  it('reads the template field mapping, refusing what WeChat could not take', () => {
    expect(parseNotifyFields('phrase4:title,character_string12:detail')).toEqual([
      { key: 'phrase4', source: 'title' },
      { key: 'character_string12', source: 'detail' },
    ]);
    expect(parseNotifyFields('thing1')).toBe('"thing1" is not key:source (e.g. thing1:store)');
    expect(parseNotifyFields('thing:store')).toBe('"thing:store" is not key:source (e.g. thing1:store)');
    expect(parseNotifyFields('thing1:price')).toBe('"price" is not one of store, remaining, time, title, detail');
    expect(parseNotifyFields('thing1:store,thing1:title')).toBe('"thing1" is mapped twice');
    expect(parseNotifyFields(' , ')).toBe('map at least one template key, e.g. thing1:store');
    const wechat = { WECHAT_APPID: 'wx0123456789abcdef', WECHAT_SECRET: 's'.repeat(16), WECHAT_NOTIFY_TEMPLATE_ID: 'tmplConsume0001' };
    expect(problems({ ...wechat, WECHAT_NOTIFY_FIELDS: 'thing1:price' })).toContain('WECHAT_NOTIFY_FIELDS: "price" is not one of');
    expect(problems({ ...wechat, WECHAT_NOTIFY_FIELDS: 'thing1:store', WECHAT_NOTIFY_DELAY_SECONDS: '1' })).toContain('WECHAT_NOTIFY_DELAY_SECONDS');
  });

  it('checks the shape of secrets and keys', () => {
    expect(problems({ QR_SECRET: 'short' })).toContain('QR_SECRET: must be at least 32 characters');
    expect(problems({ ADMIN_TOKEN: 'short' })).toContain('ADMIN_TOKEN: must be at least 16 characters');
    expect(problems({ DEMO_MERCHANT_KEY: 'spk_2_x' })).toContain('DEMO_MERCHANT_KEY: ');
  });

  it('parses trusted proxies and refuses a bad one', () => {
    expect(load({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy.length).toBe(2);
    expect(problems({ TRUST_PROXY: 'not-an-address' })).toContain('TRUST_PROXY: ');
  });

  it('reads the public origin without a trailing slash, a path prefix kept, and refuses anything else', () => {
    expect(load({}).publicOrigin).toBeUndefined();
    expect(load({ PUBLIC_ORIGIN: 'https://wash.example.cn/' }).publicOrigin).toBe('https://wash.example.cn');
    expect(load({ PUBLIC_ORIGIN: 'https://host.cn:8443/scanpush' }).publicOrigin).toBe('https://host.cn:8443/scanpush');
    for (const bad of ['wash.example.cn', 'ftp://wash.example.cn', 'https://wash.example.cn/?x=1', 'https://wash.example.cn/#f']) {
      expect(problems({ PUBLIC_ORIGIN: bad }), bad).toContain('PUBLIC_ORIGIN: ');
    }
  });

  it('reads the time zone of the shops, Shanghai by default, and refuses one Intl does not know', () => {
    expect(load({}).reportTimeZone).toBe('Asia/Shanghai');
    expect(load({ REPORT_TIME_ZONE: 'Europe/Berlin' }).reportTimeZone).toBe('Europe/Berlin');
    for (const bad of ['Mars/Olympus', 'Shanghai', '+08:00x']) expect(problems({ REPORT_TIME_ZONE: bad }), bad).toContain('REPORT_TIME_ZONE: ');
  });
});
