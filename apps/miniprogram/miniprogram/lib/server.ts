/**
 * The scanpush server for each version of the mini-program (`envVersion`). Production needs an https
 * origin whose domain is listed as request 合法域名 and, for the socket, socket 合法域名 (see README).
 * Edit these before uploading.
 */
export const SERVERS: Record<'develop' | 'trial' | 'release', string> = {
  develop: 'http://127.0.0.1:8089',
  trial: 'https://scanpush.example.com',
  release: 'https://scanpush.example.com',
};

/**
 * Storage key that points the develop version at another server (a LAN address while debugging on a
 * phone), set from DevTools' console: `wx.setStorageSync('scanpush.server', 'http://192.168.1.20:8089')`.
 * Ignored in trial and release versions.
 */
export const SERVER_OVERRIDE_KEY = 'scanpush.server';

/** The server origin to talk to, without a trailing slash. */
export function serverUrl(): string {
  const env = wx.getAccountInfoSync().miniProgram.envVersion;
  if (env === 'develop') {
    const override: unknown = wx.getStorageSync(SERVER_OVERRIDE_KEY);
    if (typeof override === 'string' && /^https?:\/\/[^/\s]+/.test(override)) return override.replace(/\/+$/, '');
  }
  return SERVERS[env] ?? SERVERS.release;
}
