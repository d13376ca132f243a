import {
  base64UrlBytes,
  clockOffset,
  enrolmentFrom,
  isOfflineEnrolment,
  makeOfflineCode,
  timeStep,
  type DeviceEnrolment,
  type DeviceView,
  type OfflineEnrolment,
} from '@scanpush/shared';
import type { ApiRequest } from './api';
import { canEncryptStorage } from './staff-credential';
import { deviceName } from './staff-join';

// This phone's enrolment (OfflineEnrolment, packages/shared): the secret never leaves the phone after
// enrolment; it sits in WeChat's encrypted storage, as the staff key does (plain storage below base
// library 2.21.3).

/** An offline code as it is drawn: its text, and when (on this phone's clock) its step ends. */
export interface OfflineCodeNow {
  text: string;
  /** Local ms at which the next step begins: the code is replaced then. */
  stepEndsAt: number;
  /** The server's time now, as far as the phone knows it (local time + learnt offset). */
  serverNow: number;
}

const STORAGE_KEY = 'scanpush.offlineDevice';
/** What the member's device list calls this phone when the model cannot be read. */
const MEMBER_DEVICE_NAME = '会员手机';

/** A member request with the page's session handling (`MemberSessionKeeper.call`). */
export type MemberCall = <T>(path: string, init?: ApiRequest) => Promise<T>;

/**
 * Keeps the enrolment for one page: loads it, checks it with the server when online (`ensure`, which
 * also enrols when there is none, or the server says the device is gone, unusable or under its previous key) and makes codes
 * from it with no request at all (`code`).
 */
export class OfflineDevice {
  private enrolment: OfflineEnrolment | undefined;
  private secret: Uint8Array | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly server: string,
    private readonly call: MemberCall,
  ) {}

  /** The enrolment stored on this phone for `memberId`, if any (no request). */
  async load(memberId: number): Promise<void> {
    const stored = await readEnrolment();
    this.use(stored && stored.server === this.server && stored.memberId === memberId ? stored : undefined);
  }

  /**
   * Online: keeps the stored enrolment if the server lists it as usable (and learns the clock offset
   * from the list), otherwise enrols this phone anew. Single-flight; a network failure keeps what is
   * stored, to be checked again next time.
   */
  ensure(memberId: number): Promise<void> {
    this.checking ??= this.check(memberId).finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** This phone holds an enrolment (loaded): it can make offline codes. */
  get enrolled(): boolean {
    return this.secret !== undefined;
  }

  /** The code for `storeId` at local time `now`, or undefined without an enrolment. */
  code(storeId: number, now = Date.now()): OfflineCodeNow | undefined {
    const e = this.enrolment;
    if (!e || !this.secret) return undefined;
    const serverNow = now + e.clockOffsetMs;
    const step = timeStep(serverNow, e.stepSeconds);
    return {
      text: makeOfflineCode(this.secret, { deviceId: e.deviceId, storeId, step }),
      stepEndsAt: (step + 1) * e.stepSeconds * 1000 - e.clockOffsetMs,
      serverNow,
    };
  }

  private async check(memberId: number): Promise<void> {
    await this.load(memberId);
    try {
      const known = this.enrolment;
      if (known) {
        const sentAt = Date.now();
        const list = await this.call<{ devices: DeviceView[]; serverTime: string }>('/api/devices');
        const mine = list.devices.find((d) => d.id === known.deviceId);
        if (mine?.usable && mine.keyCurrent) {
          await this.learnClock(list.serverTime, sentAt, Date.now());
          return;
        }
        // Under the server's previous key: still good today, but not once that key is dropped. A new
        // enrolment now, and the old device revoked, so the member's list shows this phone once.
        if (mine?.usable) {
          await this.enrol(memberId);
          await this.call(`/api/devices/${mine.id}`, { method: 'DELETE' }).catch(() => undefined);
          return;
        }
      }
      await this.enrol(memberId);
    } catch {
      // No signal or a server error: the stored enrolment (if any) stays, checked again next time online.
    }
  }

  private async enrol(memberId: number): Promise<void> {
    const sentAt = Date.now();
    const answer = await this.call<DeviceEnrolment>('/api/devices', { body: { name: deviceName(MEMBER_DEVICE_NAME).slice(0, 60) } });
    const enrolment = enrolmentFrom(answer, this.server, memberId, sentAt, Date.now());
    await writeEnrolment(enrolment);
    this.use(enrolment);
  }

  private async learnClock(serverTime: string, sentAt: number, receivedAt: number): Promise<void> {
    const e = this.enrolment;
    if (!e) return;
    const offset = clockOffset(serverTime, sentAt, receivedAt);
    if (offset === e.clockOffsetMs) return;
    const updated = { ...e, clockOffsetMs: offset };
    this.use(updated);
    await writeEnrolment(updated);
  }

  private use(enrolment: OfflineEnrolment | undefined): void {
    this.enrolment = enrolment;
    this.secret = enrolment ? base64UrlBytes(enrolment.secret) : undefined;
    if (enrolment && !this.secret) this.enrolment = undefined;
  }
}


/**
 * A new login makes a new enrolment: the one stored goes now (synchronously, so the page's next
 * `ensure` enrols afresh) and is revoked on the server with the new session, best effort (the server
 * also revokes a device with the session that enrolled it, on logout).
 */
export async function retireOfflineDevice(revoke: (deviceId: number) => Promise<unknown>): Promise<void> {
  const stored = await readEnrolment();
  wx.removeStorageSync(STORAGE_KEY);
  if (stored) void revoke(stored.deviceId).catch(() => undefined);
}

/** Drops the enrolment on this phone (no request). */
export function forgetOfflineDevice(): void {
  wx.removeStorageSync(STORAGE_KEY);
}

function readEnrolment(): Promise<OfflineEnrolment | undefined> {
  return new Promise((resolve) => {
    wx.getStorage({
      key: STORAGE_KEY,
      encrypt: canEncryptStorage(),
      success: (res) => resolve(isOfflineEnrolment(res.data) ? res.data : undefined),
      // WeChat fails a missing key ("data not found").
      fail: () => resolve(undefined),
    });
  });
}

function writeEnrolment(enrolment: OfflineEnrolment): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.setStorage({
      key: STORAGE_KEY,
      data: enrolment,
      encrypt: canEncryptStorage(),
      success: () => resolve(),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}
