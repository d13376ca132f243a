import {
  CLOSE_CODES,
  RESULT_CODES,
  RESULT_HINTS,
  resultName,
  showsRemaining,
  type ApiErrorCode,
  type LedgerEntry,
  type ScanResult,
} from '@scanpush/shared';
import type { ConnectionStatus } from '@scanpush/client';

// Everything a member or a shop's staff reads, in one place, in Chinese.

/** What to tell the user for each error code the API answers with, and for no answer at all. */
export const ERROR_TEXT: Record<Exclude<ApiErrorCode, keyof typeof RESULT_CODES> | 'NETWORK', string> = {
  MALFORMED_REQUEST: '请求格式有误，请升级小程序后重试',
  INVALID_JSON: '请求格式有误，请升级小程序后重试',
  VALIDATION_FAILED: '请求内容有误，请重试',
  UNSUPPORTED_MEDIA_TYPE: '请求格式有误，请升级小程序后重试',
  UPGRADE_REQUIRED: '实时连接失败，请稍后重试',
  PAYLOAD_TOO_LARGE: '请求内容过大',
  UNAUTHORIZED: '登录已失效，请重新进入',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '未找到相关信息',
  METHOD_NOT_ALLOWED: '请求方式有误，请升级小程序后重试',
  REQUEST_TIMEOUT: '网络太慢，请求超时，请重试',
  HEADERS_TOO_LARGE: '请求内容过大',
  IDEMPOTENCY_KEY_REUSED: '扫码请求重复，请重新扫码',
  WECHAT_LOGIN_FAILED: '微信登录失败，请稍后重试',
  RATE_LIMITED: '操作太频繁，请稍后再试',
  UNAVAILABLE: '服务暂时不可用，请稍后再试',
  INTERNAL: '服务器出错了，请稍后再试',
  INVITE_INVALID: '邀请码无效，请向门店管理员重新索取',
  INVITE_EXPIRED: '邀请码已过期，请向门店管理员重新索取',
  INVITE_USED: '邀请码已使用，每个邀请码只能绑定一台手机',
  PRODUCT_NOT_FOUND: '本店没有这个卡种，请重新选择',
  PRODUCT_ARCHIVED: '该卡种已下架，请重新选择',
  LOGIN_FAILED: '账号或密码错误',
  LOGIN_TAKEN: '该登录名已被使用',
  CSRF_FAILED: '页面已过期，请重新打开',
  NETWORK: '网络异常，请检查网络后重试',
};

/** The text for an error thrown by `apiRequest` (or anything else). */
export function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    const name = code as keyof typeof RESULT_CODES;
    if (name in RESULT_CODES) return `${RESULT_CODES[name].title}，${RESULT_HINTS[name]}`;
    if (code in ERROR_TEXT) return ERROR_TEXT[code as keyof typeof ERROR_TEXT];
  }
  return '出错了，请稍后重试';
}

/** A scan outcome as both pages show it. */
export interface ResultView {
  seq: number;
  /** The card it belongs to. */
  storeId: number;
  ok: boolean;
  title: string;
  detail: string;
  remaining: number | null;
}

/** Title and detail line of a result: the count where it is the card's, else what to do next. */
export function resultView(result: ScanResult): ResultView {
  const name = resultName(result.code);
  const showsCount = result.remaining !== null && name !== undefined && showsRemaining(name);
  const detail = showsCount ? `剩余次数: ${result.remaining}` : name ? RESULT_HINTS[name] : '';
  return {
    seq: result.seq ?? 0,
    storeId: result.storeId,
    ok: result.ok,
    title: result.title || (name ? RESULT_CODES[name].title : `未知结果 ${result.code}`),
    detail,
    remaining: result.remaining,
  };
}

/** The line under the QR that says whether results will arrive live. */
export function connectionText(status: ConnectionStatus): string {
  switch (status.state) {
    case 'idle':
    case 'connecting':
    case 'syncing':
      return '正在连接…';
    case 'live':
      return '已连接，扣费结果将实时显示';
    case 'waiting':
      return `连接已断开，${Math.ceil((status.retryInMs ?? 0) / 1000)} 秒后重连（点击立即重连）`;
    case 'paused':
      return '已暂停';
    case 'offline':
      return OFFLINE_TEXT;
    case 'stopped':
      if (status.closeCode === CLOSE_CODES.SESSION_REVOKED.code) return '登录已失效，正在重新登录…';
      if (status.closeCode === CLOSE_CODES.REPLACED.code) return '已在其他设备打开，点击重新连接';
      if (status.closeCode === CLOSE_CODES.PROTOCOL_RETIRED.code) return '小程序版本过旧，请更新后再试';
      return '连接已关闭，点击重新连接';
  }
}

/** The connection line while the phone has no network; the client reconnects by itself when it returns. */
export const OFFLINE_TEXT = '当前无网络，恢复后自动连接';

/** Over a code whose time is up and that could not be replaced: tapping it asks for a fresh one. */
export const QR_EXPIRED_TEXT = '二维码已失效，点击刷新';
/** Over the QR box when no code could be loaded at all. */
export const QR_FAILED_TEXT = '二维码加载失败，点击重试';
/** Under a code still valid while the phone has no network: the staff's phone checks it, not this one. */
export const QR_OFFLINE_HINT = '当前无网络，二维码在倒计时结束前仍可使用';

/** Said when the member takes a screenshot of the code. */
export const CAPTURE_WARNING = '二维码仅供本人当面使用，请勿截图发给他人';

/**
 * Shown when the server's history is another one than the card's saved position belongs to (its
 * database was restored from a backup): what follows starts over from what the server has.
 */
export const RESYNCED_TEXT = '记录已重新同步';

export interface HistoryRow {
  id: number;
  label: string;
  delta: string;
  balance: string;
  time: string;
}

const HISTORY_LABELS: Record<string, string> = { deduct: '扣次', topup: '充值', reversal: '撤销' };

/** `有效期至 YYYY-MM-DD` (the phone's date), `已过期` once past, or '' for a card that never expires. */
export function expiryText(expiresAt: string | null, now: number): string {
  if (expiresAt === null) return '';
  const at = new Date(expiresAt);
  if (at.getTime() <= now) return '会员卡已过期，请联系门店续卡';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `有效期至 ${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** A ledger row for the card history list, with the time in the phone's time zone. */
export function historyRow(entry: LedgerEntry): HistoryRow {
  const at = new Date(entry.at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    id: entry.id,
    label: HISTORY_LABELS[entry.kind] ?? entry.kind,
    delta: entry.delta > 0 ? `+${entry.delta}` : String(entry.delta),
    balance: `余 ${entry.balanceAfter} 次`,
    time: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`,
  };
}
