import type { ApiErrorCode } from '@scanpush/shared';
import type { z } from 'zod';

/** Who may call a route (the security schemes of the document; see http/auth.ts and office-session.ts). */
export type Auth = 'public' | 'member' | 'merchant' | 'admin' | 'owner' | 'metrics' | 'owner-optional';

/**
 * One route as the OpenAPI document describes it. `params`, `query` and `body` are the very schemas the
 * route's handler checks its input with (exported from its module), so the document cannot describe
 * another input than the one taken. `path` is the pattern as Hono registers it (`:id`, a trailing `*`).
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Takes an optional Idempotency-Key header (scans, sales, reversals). */
  idempotencyKey?: boolean;
  ok: OkAnswer;
  /** The codes this route answers beyond those its credential, input and the edge imply (added by the builder). */
  errors?: ApiErrorCode[];
}

export interface OkAnswer {
  status: number;
  description: string;
  /** The body: a zod schema (JSON), a content type for a body that is not JSON (`text/csv`, `text/html`, …), or none (204). */
  body?: z.ZodType | { type: string; description?: string };
}
