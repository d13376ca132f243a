import type { ScanResponse } from '@scanpush/shared';
import { ApiError, apiRequest } from '../../../lib/api';
import { ERROR_TEXT, errorText, resultView, type ResultView } from '../../../lib/messages';

/** One scan on its way: retried with the same Idempotency-Key, so it deducts at most once. */
export interface PendingScan {
  qr: string;
  idempotencyKey: string;
}

export type ScanOutcome =
  /** The server decided: shown as a result (success or refusal); nothing to retry. */
  | { kind: 'result'; view: ResultView }
  /** No decision known (no answer, server trouble): the same scan may be sent again. */
  | { kind: 'retry'; message: string }
  /** The key is wrong or revoked: bind another. */
  | { kind: 'rebind'; message: string }
  | { kind: 'error'; message: string };

/** Posts the scan with the staff key and says what the staff should see. */
export async function submitScan(server: string, key: string, scan: PendingScan): Promise<ScanOutcome> {
  try {
    const answer = await apiRequest<ScanResponse>(server, '/api/scans', {
      token: key,
      body: { qr: scan.qr },
      headers: { 'Idempotency-Key': scan.idempotencyKey },
    });
    return { kind: 'result', view: resultView(answer.result) };
  } catch (err) {
    if (!(err instanceof ApiError)) return { kind: 'error', message: errorText(err) };
    if (err.detail?.result) return { kind: 'result', view: resultView(err.detail.result) };
    if (err.code === 'UNAUTHORIZED') return { kind: 'rebind', message: '员工密钥无效或已停用，请重新绑定' };
    if (err.code === 'NETWORK') return { kind: 'retry', message: `${ERROR_TEXT.NETWORK}（重试不会重复扣次）` };
    if (err.status === 429 || err.status >= 500) return { kind: 'retry', message: `${errorText(err)}（重试不会重复扣次）` };
    return { kind: 'error', message: errorText(err) };
  }
}
