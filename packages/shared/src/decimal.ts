/**
 * Whole numbers written in text — ids in paths and flags, stream positions and waits in query strings —
 * read by one rule wherever they arrive (the socket's URL, the long-poll's query, the REST paths, the CLI):
 * decimal digits only, no sign, exponent, hex, spaces or leading zeros, within the given bounds. `Number()`
 * would take `1e0`, `0x1`, ` 1` and even the empty string (0); one spelling per number, as for tokens.
 */
const DECIMAL = /^(0|[1-9]\d{0,15})$/;

/** The number `text` spells, or undefined when it is not a plain decimal in [min, max]. */
export function parseDecimal(text: string, min: number, max: number): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** What a refusal by `parseDecimal` says, wherever the number arrived (a query, a path, the socket's URL). */
export function decimalRule(min: number, max: number): string {
  return `must be a whole number from ${min} to ${max}, in decimal digits`;
}

/** Ids are positive and fit the QR token's uint32 fields. */
export const MAX_ID = 0xffffffff;

/** A positive id as written in a path, query or flag; undefined when it is not one. */
export function parseId(text: string): number | undefined {
  return parseDecimal(text, 1, MAX_ID);
}

/** A stream seq as written in `?after=`: 0 (nothing yet) or more. */
export function parseSeq(text: string): number | undefined {
  return parseDecimal(text, 0, Number.MAX_SAFE_INTEGER);
}
