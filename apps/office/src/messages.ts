import { API_ERROR_CODES, RESULT_CODES, resultName, type ScanResult } from '@scanpush/shared';

type ApiErrorName = (typeof API_ERROR_CODES)[number];

// Typed by the shared catalog, so a code added there fails the build here until it has a sentence.
const API_SENTENCES: Record<ApiErrorName, string> = {
  MALFORMED_REQUEST: '请求格式有误，服务器无法读取。',
  INVALID_JSON: '请求内容格式错误，服务器无法读取。',
  VALIDATION_FAILED: '填写的内容不完整或有误。',
  UNSUPPORTED_MEDIA_TYPE: '请求格式不受服务器支持。',
  UPGRADE_REQUIRED: '连接未能升级为实时通道。',
  PAYLOAD_TOO_LARGE: '提交的内容太长。',
  UNAUTHORIZED: '登录已失效，请重新登录。',
  FORBIDDEN: '没有权限进行这项操作。',
  NOT_FOUND: '找不到要访问的内容，可能已被删除。',
  METHOD_NOT_ALLOWED: '服务器不接受这种操作。',
  REQUEST_TIMEOUT: '网络太慢，请求没有及时送达，请重试。',
  HEADERS_TOO_LARGE: '请求太大，服务器拒绝处理。',
  IDEMPOTENCY_KEY_REUSED: '请求编号重复，请重试。',
  WECHAT_LOGIN_FAILED: '微信登录失败。',
  RATE_LIMITED: '操作太频繁，请稍后再试。',
  UNAVAILABLE: '服务器暂时不可用，请稍后再试。',
  INTERNAL: '服务器内部错误，请稍后再试或联系平台。',
  INVITE_INVALID: '员工邀请无效或已被撤销。',
  INVITE_EXPIRED: '员工邀请已过期。',
  INVITE_USED: '这个邀请已被使用，请在设备列表中停用对应设备。',
  PRODUCT_NOT_FOUND: '本店没有这个卡种。',
  PRODUCT_ARCHIVED: '这个卡种已下架。',
  LOGIN_FAILED: '账号或密码错误。',
  LOGIN_TAKEN: '这个账号已被使用。',
  CSRF_FAILED: '页面已过期，请刷新页面后重试。',
};

// Reversal refusals (and any other outcome a store route answers with): what an owner should read.
const RESULT_SENTENCES: Partial<Record<keyof typeof RESULT_CODES, string>> = {
  REVERSED: '已撤销这次扣次，已退回 1 次。',
  ALREADY_REVERSED: '这次扣次已经撤销过，不能重复撤销。',
  REVERSAL_WINDOW_PASSED: '这次扣次已超过可撤销的时限，不能再撤销。',
  NOT_REVERSIBLE: '这条记录不能撤销：只能撤销本店的扣次，充值和撤销记录不能撤销。',
  CARD_NOT_FOUND: '该会员在本店没有会员卡。',
  CARD_EXPIRED: '会员卡已过期。',
};

// The request fields the forms send, as the owner knows them.
const FIELD_NAMES: Record<string, string> = {
  login: '账号',
  password: '密码',
  current: '当前密码',
  next: '新密码',
  name: '名称',
  uses: '次数',
  priceFen: '价格',
  validDays: '有效期',
  validMinutes: '有效时间',
  reason: '撤销原因',
  ledgerId: '记录',
  from: '开始日期',
  to: '结束日期',
  storeId: '门店',
};

/** Failures found in the browser, before or instead of an answer. */
export const LOCAL_SENTENCES = {
  NETWORK: '无法连接服务器，请检查网络后重试。',
  BAD_ANSWER: '服务器的回答无法读取，请刷新页面后重试。',
} as const;

/** The Chinese sentence for a refusal: its code, the field it names, and a scan-style result if any. */
export function explainFailure(code: string, opts: { field?: string; result?: ScanResult; retryAfterSeconds?: number } = {}): string {
  if (opts.result) {
    const name = resultName(opts.result.code);
    const sentence = name ? RESULT_SENTENCES[name] : undefined;
    if (sentence) return sentence;
    return opts.result.title || '操作未完成。';
  }
  if (code in LOCAL_SENTENCES) return LOCAL_SENTENCES[code as keyof typeof LOCAL_SENTENCES];
  if (code === 'RATE_LIMITED' && opts.retryAfterSeconds) return `尝试次数太多，请 ${waitText(opts.retryAfterSeconds)}后再试。`;
  if (code === 'LOGIN_FAILED' && opts.field === 'current') return '当前密码不正确。';
  if (code === 'VALIDATION_FAILED' && opts.field) {
    const name = FIELD_NAMES[opts.field];
    return name ? `“${name}”填写有误，请检查后再提交。` : API_SENTENCES.VALIDATION_FAILED;
  }
  if (code in API_SENTENCES) return API_SENTENCES[code as ApiErrorName];
  // A refused outcome answered without its result: the code is still one of the catalog's names.
  if (code in RESULT_CODES) return RESULT_SENTENCES[code as keyof typeof RESULT_CODES] ?? RESULT_CODES[code as keyof typeof RESULT_CODES].title;
  return `操作未完成（${code}）。`;
}

function waitText(seconds: number): string {
  return seconds < 60 ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}
