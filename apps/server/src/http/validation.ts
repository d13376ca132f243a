import type { Context } from 'hono';
import { MAX_ID, decimalRule, parseDecimal } from '@scanpush/shared';
import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Reads a JSON body and checks it against a schema. Refusals name what is wrong: a wrong content type
 * (415), a body that is not JSON (400 INVALID_JSON), a field that fails the schema (400
 * VALIDATION_FAILED with `field`). Size is limited before this by the body-limit middleware in app.ts.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new AppError('INVALID_JSON', 'The request body is not valid JSON');
  }
  return check(schema, body);
}

// Schemas are built once: zod compiles a schema on its first parse, which costs 70-140 µs a request
// when the schema is built inside the handler.

/** A row id in a JSON body. */
export const id = z.number().int().positive().max(MAX_ID);
/**
 * A whole number in a path or a query string, read by the one rule of `parseDecimal` (the socket's
 * `?after=` follows it too): `1e0`, `0x1`, ` 1` and the empty string are refused, not coerced.
 */
export function decimalParam(min: number, max: number) {
  const bounds = decimalRule(min, max);
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : bounds) })
    .transform((text, ctx) => {
      const value = parseDecimal(text, min, max);
      if (value === undefined) ctx.addIssue({ code: 'custom', message: bounds });
      return value ?? z.NEVER;
    })
    // What the OpenAPI document says of it: the text as sent, since the number is read from it.
    .meta({ description: bounds, pattern: '^(0|[1-9][0-9]{0,15})$' });
}
/** A row id in a path or a query string. */
export const idParam = decimalParam(1, MAX_ID);
/** A stream seq in a query string. */
export const seqParam = decimalParam(0, Number.MAX_SAFE_INTEGER);

/**
 * Checks any value against a schema, with the same refusals. Give path parameters and queries as the
 * object they are (`c.req.param()`, `c.req.query()`), so a refusal names its `field`.
 */
export function check<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  const message = issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'Invalid request';
  throw new AppError('VALIDATION_FAILED', message, field ? { field } : {});
}
