import type { ProductView, ScanResponse, ScanResult } from '@scanpush/shared';
import { ApiError, apiRequest } from '../../../lib/api';
import { ERROR_TEXT, errorText, resultView, type ResultView } from '../../../lib/messages';

/**
 * One staff write on its way — a scan, a sale or a reversal: retried with the same Idempotency-Key, so
 * it is done at most once.
 */
export interface PendingWrite {
  path: '/api/scans' | '/api/sales' | '/api/reversals';
  body: Record<string, unknown>;
  idempotencyKey: string;
}

export type ScanOutcome =
  /** The server decided: shown as a result (success or refusal); nothing to retry. */
  | { kind: 'result'; view: ResultView; result: ScanResult }
  /** No decision known (no answer, server trouble): the same request may be sent again. */
  | { kind: 'retry'; message: string }
  /** The key is wrong or revoked: bind another. */
  | { kind: 'rebind'; message: string }
  | { kind: 'error'; message: string };

const VERB: Record<PendingWrite['path'], string> = { '/api/scans': '扣次', '/api/sales': '充值', '/api/reversals': '撤销' };

/** Posts the write with the staff key and says what the staff should see. */
export async function submitWrite(server: string, key: string, write: PendingWrite): Promise<ScanOutcome> {
  try {
    const answer = await apiRequest<ScanResponse>(server, write.path, {
      token: key,
      body: write.body,
      headers: { 'Idempotency-Key': write.idempotencyKey },
    });
    return { kind: 'result', view: resultView(answer.result), result: answer.result };
  } catch (err) {
    if (!(err instanceof ApiError)) return { kind: 'error', message: errorText(err) };
    if (err.detail?.result) return { kind: 'result', view: resultView(err.detail.result), result: err.detail.result };
    if (err.code === 'UNAUTHORIZED') return { kind: 'rebind', message: '员工密钥无效或已停用，请重新绑定' };
    const safe = `（重试不会重复${VERB[write.path]}）`;
    if (err.code === 'NETWORK') return { kind: 'retry', message: `${ERROR_TEXT.NETWORK}${safe}` };
    if (err.status === 429 || err.status >= 500) return { kind: 'retry', message: `${errorText(err)}${safe}` };
    return { kind: 'error', message: errorText(err) };
  }
}

/** The store's products for the 售卡/充值 picker; none when they cannot be had (the page says so). */
export async function loadProducts(server: string, key: string): Promise<ProductView[]> {
  const { products } = await apiRequest<{ products: ProductView[] }>(server, '/api/products', { token: key });
  return products;
}

/** `10次洗车卡 · 10次 · ¥299.00`, as the picker lists a product. */
export function productLabel(p: ProductView): string {
  const yuan = `¥${Math.floor(p.priceFen / 100)}.${String(p.priceFen % 100).padStart(2, '0')}`;
  return `${p.name} · ${p.uses}次 · ${yuan}${p.validDays === null ? '' : ` · ${p.validDays}天有效`}`;
}

/** A deduction this page made, offered for 撤销 (reversal) while the server's window allows. */
export interface RecentDeduction {
  ledgerId: number;
  /** `HH:MM 扣费成功 剩余次数: 9`. */
  label: string;
  reversed: boolean;
}

/** How many of the page's last deductions it offers to reverse. */
export const RECENT_MAX = 5;
