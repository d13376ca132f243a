import {
  RESULT_CODES,
  RESULT_HINTS,
  type CardView,
  type DeviceEnrolment,
  type DeviceView,
  type LedgerEntry,
  type NotificationsResponse,
  type ProductView,
  type QrResponse,
  type ResultMessage,
  type ResultName,
  type ScanResponse,
  type ScanResult,
  type SessionResponse,
  type StaffInviteResponse,
  type StaffJoinResponse,
  type StoreSummary,
} from '@scanpush/shared';
import { z } from 'zod';

/**
 * The answers' bodies as zod schemas, for the OpenAPI document only (the server never parses its own
 * answers). Each is bound to its TypeScript type in packages/shared by `exactly`, so a field added to,
 * dropped from or retyped in the type fails the typecheck until the schema follows. A schema with an
 * `id` becomes a component (`#/components/schemas/<id>`).
 */

/** True when A and B are assignable both ways and name the same keys (optional ones included). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

/** `exactly<T>()(schema)` compiles only when the schema's output is T, key for key. */
export const exactly =
  <T>() =>
  <S extends z.ZodType>(schema: S, ..._mismatch: Same<z.output<S>, T> extends true ? [] : ['the schema does not match the type']): S =>
    schema;

const iso = z.string().meta({ format: 'date-time', description: 'ISO 8601' });
const isoOrNull = iso.nullable();

const RESULT_NAMES = Object.keys(RESULT_CODES) as [ResultName, ...ResultName[]];

/** The outcomes' numbers, frozen since the seed's text protocol: the first field of the push text. */
export const resultCode = z.number().int().meta({
  id: 'ResultCode',
  description:
    'The outcome of a scan, sale or reversal. The number is the first field of the text dialect\'s push text ' +
    '(`0_扣费成功_剩余次数: 3`, `2_二维码已使用_请刷新二维码后重试`); the structured dialect and the HTTP answers ' +
    'carry it as `code` with `name`, `title` and that `text`. Numbers are never reused; new ones may be added.',
  oneOf: RESULT_NAMES.map((name) => ({
    const: RESULT_CODES[name].code,
    title: name,
    description: `${RESULT_CODES[name].title}: ${RESULT_CODES[name].message}${RESULT_HINTS[name] ? ` (提示: ${RESULT_HINTS[name]})` : ''}`,
  })),
});

export const resultName = z.enum(RESULT_NAMES).meta({ id: 'ResultName', description: 'The name of a ResultCode.' });

export const scanResult = exactly<ScanResult>()(
  z
    .object({
      code: resultCode,
      name: resultName,
      ok: z.boolean(),
      title: z.string().meta({ description: 'Chinese title, e.g. 扣费成功' }),
      text: z.string().meta({ description: "The text dialect's push text, e.g. `0_扣费成功_剩余次数: 3`" }),
      remaining: z.number().int().nullable().meta({ description: 'Uses left after this outcome; null when it says nothing about the card' }),
      memberId: z.number().int().nullable().meta({ description: 'Null only for QR_INVALID' }),
      storeId: z.number().int(),
      at: iso,
      epoch: z.string().optional().meta({ description: "The stream's history (see docs/api.md, Streams and positions); absent for QR_INVALID" }),
      seq: z.number().int().optional(),
      ledgerId: z.number().int().optional().meta({ description: 'The ledger row of a success' }),
    })
    .meta({ id: 'ScanResult', description: "A scan's, sale's or reversal's outcome, as the staff's answer and the member's push carry it." }),
);

export const scanResponse = exactly<ScanResponse>()(
  z
    .object({ result: scanResult, replayed: z.boolean().meta({ description: 'This repeats the first answer for the same Idempotency-Key' }) })
    .meta({ id: 'ScanResponse' }),
);

export const resultMessage = exactly<ResultMessage>()(
  z
    .object({
      ...scanResult.shape,
      type: z.literal('result'),
      epoch: z.string(),
      seq: z.number().int(),
      memberId: z.number().int(),
    })
    .meta({ id: 'ResultMessage', description: "A result as the structured socket dialect sends it, and the long-poll answers it." }),
);

export const notificationsResponse = exactly<NotificationsResponse>()(
  z
    .object({
      results: z.array(resultMessage),
      epoch: z.string(),
      lastSeq: z.number().int().meta({ description: "The next request's `after`" }),
      complete: z.boolean().meta({ description: 'False when results after the asked position may be missing (pruned, or another epoch)' }),
    })
    .meta({ id: 'NotificationsResponse' }),
);

export const sessionResponse = exactly<SessionResponse>()(
  z.object({ token: z.string().meta({ description: 'The member session token: Authorization: Bearer <token>' }), memberId: z.number().int(), expiresAt: iso }).meta({ id: 'SessionResponse' }),
);

export const qrResponse = exactly<QrResponse>()(
  z
    .object({ token: z.string(), memberId: z.number().int(), storeId: z.number().int(), expiresAt: iso, ttlSeconds: z.number().int(), svg: z.string().optional() })
    .meta({ id: 'QrResponse' }),
);

export const cardView = exactly<CardView>()(
  z
    .object({ memberId: z.number().int(), storeId: z.number().int(), storeName: z.string(), remaining: z.number().int(), expiresAt: isoOrNull })
    .meta({ id: 'CardView' }),
);

export const ledgerEntry = exactly<LedgerEntry>()(
  z
    .object({
      id: z.number().int(),
      storeId: z.number().int(),
      kind: z.enum(['deduct', 'topup', 'reversal']),
      delta: z.number().int(),
      balanceAfter: z.number().int(),
      at: iso,
      productId: z.number().int().optional(),
      amountFen: z.number().int().optional(),
      reversesId: z.number().int().optional(),
      reason: z.string().optional(),
    })
    .meta({ id: 'LedgerEntry' }),
);

export const productView = exactly<ProductView>()(
  z
    .object({
      id: z.number().int(),
      storeId: z.number().int(),
      name: z.string(),
      uses: z.number().int(),
      priceFen: z.number().int(),
      validDays: z.number().int().nullable(),
      active: z.boolean(),
      createdAt: iso,
    })
    .meta({ id: 'ProductView' }),
);

export const deviceEnrolment = exactly<DeviceEnrolment>()(
  z
    .object({
      deviceId: z.number().int(),
      secret: z.string().meta({ description: '32 bytes, base64url; answered this once, never stored' }),
      serverTime: iso,
      stepSeconds: z.number().int(),
      skewSteps: z.number().int(),
    })
    .meta({ id: 'DeviceEnrolment' }),
);

export const deviceView = exactly<DeviceView>()(
  z
    .object({
      id: z.number().int(),
      name: z.string().nullable(),
      createdAt: iso,
      revokedAt: isoOrNull,
      current: z.boolean(),
      usable: z.boolean(),
      keyCurrent: z.boolean(),
    })
    .meta({ id: 'DeviceView' }),
);

export const storeSummary = exactly<StoreSummary>()(z.object({ id: z.number().int(), name: z.string() }).meta({ id: 'StoreSummary' }));

export const staffJoinResponse = exactly<StaffJoinResponse>()(
  z
    .object({ key: z.string().meta({ description: 'The merchant key, answered this once' }), merchantId: z.number().int(), storeId: z.number().int(), storeName: z.string() })
    .meta({ id: 'StaffJoinResponse' }),
);

export const staffInviteResponse = exactly<StaffInviteResponse>()(
  z.object({ inviteId: z.number().int(), code: z.string(), url: z.string(), expiresAt: iso }).meta({ id: 'StaffInviteResponse' }),
);
