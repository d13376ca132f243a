/**
 * What every decoder at the wire boundary returns: a value, or the reason the input was refused.
 * Decoders never throw on bad input.
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };
