import type { ResultName } from './result-codes.js';

/**
 * A scan's, sale's or reversal's outcome as the merchant receives it (in the answer) and the member receives it (in the
 * structured push). `text` is the seed's push text for the same outcome.
 */
export interface ScanResult {
  code: number;
  name: ResultName;
  ok: boolean;
  /** Chinese title, e.g. 扣费成功. */
  title: string;
  /** The seed's push text, e.g. `0_扣费成功_剩余次数: 3`. */
  text: string;
  /** Uses left on the card after this scan; null when the outcome says nothing about the card. */
  remaining: number | null;
  /** Null only when the QR could not be read (QR_INVALID): nobody is known to tell. */
  memberId: number | null;
  storeId: number;
  /** ISO 8601 time the server decided the outcome. */
  at: string;
  /**
   * Where this result stands in the member's stream at `storeId` (see position.ts), when it was
   * recorded for the member; absent for QR_INVALID, which nobody is told about.
   */
  epoch?: string;
  seq?: number;
  /** The ledger row of a success: the deduction, the sale, the reversal. */
  ledgerId?: number;
}
