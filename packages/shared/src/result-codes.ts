/**
 * The outcome of a scan, shared by the merchant's answer and the member's push.
 *
 * The numeric `code` is the first field of the seed's push text (`0_扣费成功_剩余次数: 3`); clients that
 * only know the seed's protocol read it, so the numbers are frozen: add new codes, never renumber.
 */
export const RESULT_CODES = {
  OK: { code: 0, title: '扣费成功', message: 'Deducted one use' },
  QR_EXPIRED: { code: 1, title: '二维码已过期', message: 'QR code expired' },
  QR_USED: { code: 2, title: '二维码已使用', message: 'QR code already used' },
  NO_USES_LEFT: { code: 3, title: '剩余次数不足', message: 'No uses left on this card' },
  CARD_NOT_FOUND: { code: 4, title: '未找到会员卡', message: 'The member has no card at this store' },
  QR_WRONG_STORE: { code: 5, title: '非本店二维码', message: 'QR code belongs to another store' },
  QR_INVALID: { code: 6, title: '二维码无效', message: 'Not a valid scanpush QR code' },
} as const;

export type ResultName = keyof typeof RESULT_CODES;
export type ResultCode = (typeof RESULT_CODES)[ResultName]['code'];

const BY_NUMBER = new Map<number, ResultName>(
  (Object.keys(RESULT_CODES) as ResultName[]).map((name) => [RESULT_CODES[name].code, name]),
);

/** The name of a numeric result code, or undefined for a code this version does not know. */
export function resultName(code: number): ResultName | undefined {
  return BY_NUMBER.get(code);
}

/** Chinese hint shown under the title when the result carries no remaining count. */
export const RESULT_HINTS: Record<ResultName, string> = {
  OK: '',
  QR_EXPIRED: '请刷新二维码后重试',
  QR_USED: '请刷新二维码后重试',
  NO_USES_LEFT: '请联系门店充值',
  CARD_NOT_FOUND: '请联系门店办卡',
  QR_WRONG_STORE: '请出示本店会员卡二维码',
  QR_INVALID: '请刷新二维码后重试',
};
