import {
  RESULT_CODES,
  RESULT_HINTS,
  isSuccess,
  resultName,
  type API_ERROR_CODES,
  type ResultName,
  type ScanResult,
} from '@scanpush/shared';

/** What the console shows for an outcome: a Chinese title and sentence for staff, and the English code. */
export interface Explained {
  ok: boolean;
  title: string;
  sentence: string;
  /** What to do next, from the shared hints; empty when nothing needs doing. */
  hint: string;
  /** The English code (QR_USED, UNAUTHORIZED, …), shown small for support. */
  code: string;
}

// Typed by the shared catalog, so a code added there fails the build here until it has a sentence.
const RESULT_SENTENCES: Record<ResultName, string> = {
  OK: '已扣除一次。',
  QR_EXPIRED: '这个二维码已超过有效时间，不能再用来扣费。',
  QR_USED: '这个二维码已经扣过一次费，每个二维码只能使用一次。',
  NO_USES_LEFT: '会员卡的剩余次数为 0，本次没有扣费。',
  CARD_NOT_FOUND: '该会员在本店没有会员卡，本次没有扣费。',
  QR_WRONG_STORE: '这个二维码属于其他门店的会员卡，本店不能扣费。',
  QR_INVALID: '无法识别为本系统的会员二维码（内容不对或签名无效），本次没有扣费。',
  TOPPED_UP: '已充值到会员卡。',
  REVERSED: '已撤销一次误扣，次数已退回。',
  CARD_EXPIRED: '会员卡已过期，本次没有扣费。',
  ALREADY_REVERSED: '这次扣次已经撤销过，不能重复撤销。',
  REVERSAL_WINDOW_PASSED: '这次扣次已超过可撤销的时限。',
  NOT_REVERSIBLE: '只能撤销本店的扣次记录，充值和被拒绝的扫码不能撤销。',
  REVERSAL_NOT_ALLOWED: '员工只能撤销自己扣的次，其他人的扣次请由店主在后台撤销。',
  OFFLINE_CODE_STALE: '这个离线会员码不在有效时间内，请会员联网刷新或校准手机时间。',
};

type ApiErrorName = (typeof API_ERROR_CODES)[number];

const API_SENTENCES: Record<ApiErrorName, string> = {
  MALFORMED_REQUEST: '请求不是有效的 HTTP 请求，服务器无法读取。',
  INVALID_JSON: '请求内容格式错误，服务器无法读取。',
  VALIDATION_FAILED: '请求内容不完整或有误。',
  UNSUPPORTED_MEDIA_TYPE: '请求格式不受服务器支持。',
  UPGRADE_REQUIRED: '连接未能升级为实时通道，请检查代理服务器配置。',
  PAYLOAD_TOO_LARGE: '提交的内容太长。',
  UNAUTHORIZED: '身份验证失败：密钥或登录无效、已过期或已被停用。',
  FORBIDDEN: '没有权限进行这项操作。',
  NOT_FOUND: '找不到要访问的内容。',
  METHOD_NOT_ALLOWED: '这个地址不接受这种请求方式。',
  REQUEST_TIMEOUT: '请求没有及时送达服务器（网络太慢），请重试。',
  HEADERS_TOO_LARGE: '请求头太大，服务器拒绝处理。',
  IDEMPOTENCY_KEY_REUSED: '请求编号与另一个二维码重复，请重新扫码。',
  WECHAT_LOGIN_FAILED: '微信登录失败。',
  RATE_LIMITED: '操作太频繁，请稍后再试。',
  UNAVAILABLE: '服务器暂时不可用，请稍后再试。',
  INTERNAL: '服务器内部错误，请联系管理员。',
  INVITE_INVALID: '员工邀请码无效或已被撤销。',
  INVITE_EXPIRED: '员工邀请码已过期。',
  INVITE_USED: '员工邀请码已被使用。',
  PRODUCT_NOT_FOUND: '本店没有这个卡种。',
  PRODUCT_ARCHIVED: '这个卡种已下架，不能再售出。',
  LOGIN_FAILED: '账号或密码错误。',
  LOGIN_TAKEN: '这个登录名已被使用。',
  CSRF_FAILED: '页面已过期，请刷新后重试。',
};

/** Failures found in the browser before or instead of asking the server. */
const LOCAL_SENTENCES = {
  NETWORK: '无法连接服务器，请检查网络或服务器是否在运行。',
  NO_KEY: '请先填写商户密钥。',
  BAD_KEY: '商户密钥格式不对：应为 spk_ 开头的密钥（服务器第一次启动时打印的 “Demo merchant key”）。',
  NO_QR_FOUND: '图片中没有找到二维码，请换一张更清晰的图片。',
  BAD_IMAGE: '无法读取这个文件，请选择 PNG 或 JPEG 图片。',
  EMPTY_TOKEN: '请先粘贴二维码内容。',
} as const;

export type LocalFailure = keyof typeof LOCAL_SENTENCES;

/** Explains a scan outcome. Codes a newer server added are shown with the title and text it sent. */
export function explainResult(result: ScanResult): Explained {
  const name = resultName(result.code);
  if (!name) {
    return { ok: result.ok, title: result.title || '未知结果', sentence: result.text, hint: '', code: String(result.name ?? result.code) };
  }
  const remaining = result.remaining === null ? '' : `剩余次数：${result.remaining}。`;
  const ok = isSuccess(name);
  return {
    ok,
    title: RESULT_CODES[name].title,
    sentence: ok ? `${RESULT_SENTENCES[name]}${remaining}` : RESULT_SENTENCES[name],
    hint: RESULT_HINTS[name],
    code: name,
  };
}

/**
 * Explains a refused request that carried no scan result. `who` picks the sentence for 401: a merchant's
 * key and a member's login fail in different ways.
 */
export function explainError(code: string, who: 'merchant' | 'member', field?: string): Explained {
  if (code in LOCAL_SENTENCES) return failure('操作未完成', LOCAL_SENTENCES[code as LocalFailure], code);
  if (code === 'UNAUTHORIZED') {
    return who === 'merchant'
      ? failure('商户密钥无效', '商户密钥不正确、已停用，或不属于这台服务器。', code, '请检查密钥后重试')
      : failure('登录已失效', '会员登录已过期或已被注销。', code, '请重新登录');
  }
  if (code in API_SENTENCES) {
    const detail = code === 'VALIDATION_FAILED' && field ? `（字段：${field}）` : '';
    return failure('请求未完成', API_SENTENCES[code as ApiErrorName] + detail, code);
  }
  return failure('请求未完成', '服务器返回了未知错误。', code);
}

function failure(title: string, sentence: string, code: string, hint = ''): Explained {
  return { ok: false, title, sentence, hint, code };
}
