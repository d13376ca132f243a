/**
 * CSV as Excel opens it with Chinese intact: UTF-8 with a byte-order mark, CRLF line ends, fields quoted by
 * RFC 4180 (a field holding a comma, a quote, CR or LF is quoted, its quotes doubled). A text cell that
 * starts with `=`, `+`, `-`, `@`, a tab or CR is prefixed with `'` so a spreadsheet shows it rather than
 * running it as a formula (OWASP "CSV injection"); numbers are written as they are, negative ones too.
 */

export type CsvCell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
// A plain decimal (`-0.05`, yuan() of a refund) is a number, not a formula: it is left as it is.
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One cell as written: null empty, a number in its decimal form, a text neutralised and quoted as needed. */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return String(value);
  }
  const text = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: BOM, the header row, then one line per row, each ended by CRLF. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`);
  return `\uFEFF${lines.join('')}`;
}

/** Fen as yuan with two decimals (`29900` → `299.00`, `-5` → `-0.05`), in integer arithmetic. */
export function yuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a whole number: ${fen}`);
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
