import type { StaffJoinRequest, StaffJoinResponse } from '@scanpush/shared';
import { apiRequest } from './api';

/** What the staff list calls this phone when the model cannot be read. */
export const FALLBACK_DEVICE_NAME = '员工手机';

/**
 * This phone's name for the staff list: brand and model (`iPhone 15 Pro`, `HUAWEI Mate 60`).
 * `wx.getDeviceInfo` needs base library 2.20.1; below it `wx.getSystemInfoSync` has the same two fields.
 * Either may be missing or throw on some clients, and WeChat says `unknown` for a model it does not
 * know yet: then `fallback`.
 */
export function deviceName(fallback = FALLBACK_DEVICE_NAME): string {
  let info: { brand?: string; model?: string } | undefined;
  try {
    info = typeof wx.getDeviceInfo === 'function' ? wx.getDeviceInfo() : wx.getSystemInfoSync();
  } catch {
    info = undefined;
  }
  const brand = (info?.brand ?? '').trim();
  // iOS reports the model with its code after it (`iPhone 15 Pro<iPhone16,1>`).
  const model = (info?.model ?? '').replace(/<[^>]*>/g, '').trim();
  if (!model || /^unknown$/i.test(model)) return brand || fallback;
  const name = brand && !model.toLowerCase().startsWith(brand.toLowerCase()) ? `${brand} ${model}` : model;
  return name.slice(0, 100);
}

/**
 * Redeems a one-time staff invite for this phone's own staff key (`POST /api/staff/join`). Rejects with
 * the API's error (INVITE_EXPIRED, INVITE_USED, INVITE_INVALID, …): `errorText` says it in Chinese.
 */
export function joinWithInvite(server: string, code: string): Promise<StaffJoinResponse> {
  const body: StaffJoinRequest = { code, deviceName: deviceName() };
  return apiRequest<StaffJoinResponse>(server, '/api/staff/join', { body });
}
