import { MERCHANT_KEY_PREFIX, isMerchantKey } from '@scanpush/shared';

/**
 * The staff credential on a shop phone: the staff key (a bearer secret) in WeChat's encrypted storage,
 * plus a non-secret marker in plain storage so any page can ask synchronously whether this phone is
 * bound (the member page shows its 员工扫码 entry only then). Saving and forgetting keep the two together.
 */

/** The staff scan page (sub-package `staff`: downloaded only when a staff page opens). */
export const STAFF_SCAN_PAGE = '/staff/pages/scan/index';
/** The staff bind page; WeChat opens it when a binding QR is scanned with WeChat's own scanner. */
export const STAFF_BIND_PAGE = '/staff/pages/bind/index';

/** Plain storage: `true` while this phone holds a staff credential. Never the key. */
export const STAFF_BOUND_MARKER = 'scanpush.staffBound';
/** Encrypted storage (where the base library has it): `{ key, server }`. */
export const STAFF_KEY_STORAGE = 'scanpush.staffKey';
/** Where versions before the staff sub-package kept the key, in plain storage; moved on first read. */
const LEGACY_KEY_STORAGE = 'scanpush.merchantKey';

interface StoredCredential {
  key: string;
  /** The server the key was bound for: a key is worthless on another one. */
  server: string;
}

/** True when this phone holds a staff credential (synchronous: fine in onLoad or for a wxml flag). */
export function staffBound(): boolean {
  try {
    return wx.getStorageSync(STAFF_BOUND_MARKER) === true || isMerchantKey(String(wx.getStorageSync(LEGACY_KEY_STORAGE)));
  } catch {
    return false;
  }
}

/**
 * Encrypted storage needs base library 2.21.3 (`encrypt` on the asynchronous setStorage/getStorage only).
 * Below it the key goes to plain storage: still this mini-program's own sandbox on this WeChat user, as
 * every version before this one kept it, and staff on an old WeChat can still work.
 */
export function canEncryptStorage(): boolean {
  return typeof wx.canIUse === 'function' && wx.canIUse('setStorage.object.encrypt');
}

/** Stores the key for `server` and sets the marker; resolves once both are written. */
export async function saveStaffKey(server: string, key: string): Promise<void> {
  const value: StoredCredential = { key, server };
  await new Promise<void>((resolve, reject) => {
    wx.setStorage({
      key: STAFF_KEY_STORAGE,
      data: value,
      encrypt: canEncryptStorage(),
      success: () => resolve(),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
  wx.setStorageSync(STAFF_BOUND_MARKER, true);
  wx.removeStorageSync(LEGACY_KEY_STORAGE);
}

/** The key bound for `server`, if any (a key bound for another server is not offered). */
export async function loadStaffKey(server: string): Promise<string | undefined> {
  const stored = await new Promise<unknown>((resolve) => {
    wx.getStorage({
      key: STAFF_KEY_STORAGE,
      encrypt: canEncryptStorage(),
      success: (res) => resolve(res.data),
      // A missing key is a `fail` on WeChat ("data not found").
      fail: () => resolve(undefined),
    });
  });
  if (stored && typeof stored === 'object') {
    const credential = stored as StoredCredential;
    return credential.server === server && typeof credential.key === 'string' && isMerchantKey(credential.key) ? credential.key : undefined;
  }
  const legacy: unknown = wx.getStorageSync(LEGACY_KEY_STORAGE);
  if (typeof legacy === 'string' && isMerchantKey(legacy)) {
    await saveStaffKey(server, legacy);
    return legacy;
  }
  return undefined;
}

/** Unbinds this phone: the key and the marker both go. */
export function forgetStaffKey(): void {
  wx.removeStorageSync(STAFF_KEY_STORAGE);
  wx.removeStorageSync(STAFF_BOUND_MARKER);
  wx.removeStorageSync(LEGACY_KEY_STORAGE);
}

/** The key as shown on screen: enough to recognise it, not enough to copy it. */
export function maskKey(key: string): string {
  return `${key.slice(0, key.indexOf('_', MERCHANT_KEY_PREFIX.length) + 5)}…`;
}
