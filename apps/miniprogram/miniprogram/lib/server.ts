import { SERVERS } from './server-origins';

export { SERVERS };

/**
 * Storage key that points the develop version at another server (a LAN address while debugging on a
 * phone), set from DevTools' console: `wx.setStorageSync('scanpush.server', 'http://192.168.1.20:8089')`.
 * Ignored in trial and release versions.
 */
export const SERVER_OVERRIDE_KEY = 'scanpush.server';

/** This copy of the mini-program: 开发版 (DevTools, 预览, 真机调试), 体验版 or 正式版. */
export function envVersion(): 'develop' | 'trial' | 'release' {
  return wx.getAccountInfoSync().miniProgram.envVersion;
}

/** The server origin to talk to, without a trailing slash. */
export function serverUrl(): string {
  const env = envVersion();
  if (env === 'develop') {
    const override: unknown = wx.getStorageSync(SERVER_OVERRIDE_KEY);
    if (typeof override === 'string' && /^https?:\/\/[^/\s]+/.test(override)) return override.replace(/\/+$/, '');
  }
  return SERVERS[env] ?? SERVERS.release;
}
