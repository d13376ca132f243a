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
  // Counter sales and reversals. A sale's and a reversal's success is pushed with the card's count; a
  // deduction of an expired card is refused and pushed as the other refusals are. The reversal refusals
  // (10–13) answer the staff only: the member is told nothing.
  TOPPED_UP: { code: 7, title: '充值成功', message: 'Uses added to the card' },
  REVERSED: { code: 8, title: '撤销成功', message: 'Deduction reversed, one use given back' },
  CARD_EXPIRED: { code: 9, title: '会员卡已过期', message: 'The card has expired' },
  ALREADY_REVERSED: { code: 10, title: '已撤销', message: 'This deduction was already reversed' },
  REVERSAL_WINDOW_PASSED: { code: 11, title: '已超过撤销时限', message: 'This deduction is too old to reverse' },
  NOT_REVERSIBLE: { code: 12, title: '该记录不可撤销', message: 'Only a deduction of this store can be reversed' },
  REVERSAL_NOT_ALLOWED: { code: 13, title: '无权撤销', message: 'Only the staff who scanned it, or the owner, can reverse a deduction' },
  // An offline member code (offline-code.ts) whose time step is outside the server's window: pushed to
  // the member, as QR_EXPIRED is, since the code names its device and so its member.
  OFFLINE_CODE_STALE: { code: 14, title: '离线码已失效', message: 'The offline code is outside the time window: check the phone clock' },
} as const;

export type ResultName = keyof typeof RESULT_CODES;
export type ResultCode = (typeof RESULT_CODES)[ResultName]['code'];

/** The outcomes that changed the card as asked: a deduction, a sale or top-up, a reversal. */
export type SuccessName = 'OK' | 'TOPPED_UP' | 'REVERSED';
const SUCCESSES: ReadonlySet<string> = new Set<SuccessName>(['OK', 'TOPPED_UP', 'REVERSED']);

/** True for a success (OK, TOPPED_UP, REVERSED); false for every refusal and for unknown names. */
export function isSuccess(name: string | undefined): name is SuccessName {
  return name !== undefined && SUCCESSES.has(name);
}

/** The outcomes whose push text and result carry the card's count (`剩余次数: N`). */
export function showsRemaining(name: ResultName): boolean {
  return isSuccess(name) || name === 'NO_USES_LEFT';
}

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
  TOPPED_UP: '',
  REVERSED: '',
  CARD_EXPIRED: '请联系门店续卡',
  ALREADY_REVERSED: '该扣次已撤销过',
  REVERSAL_WINDOW_PASSED: '请联系店长处理',
  NOT_REVERSIBLE: '只能撤销本店的扣次记录',
  REVERSAL_NOT_ALLOWED: '请由扣次的员工或店主撤销',
  OFFLINE_CODE_STALE: '请联网后刷新会员码或校准手机时间',
};
