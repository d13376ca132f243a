import type { DeviceEnrolment, DeviceView } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { deriveDeviceSecret, deviceKeys, newDeviceSalt } from '../../core/device-secrets.js';
import { AppError } from '../../errors.js';
import type { MemberDevice } from '../../storage/devices.js';
import { requireAdmin, requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam, readJson } from '../validation.js';

/** Live devices a member may hold: enrolling one more revokes the oldest live one. */
export const MAX_LIVE_DEVICES = 10;

export const newDevice = z.object({ name: z.string().trim().min(1).max(60).optional() });
export const idPath = z.object({ id: idParam });

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Members' devices for offline member codes (core/device-secrets.ts): enrol one (its secret answered
 * once, never stored, never logged), list them, revoke one; the operator revokes all of a member's.
 */
export function deviceRoutes(deps: AppDeps) {
  const { devices, accounts } = deps.storage;
  const { offlineCodes } = deps.config;
  const keys = deviceKeys(deps.config);
  const usable = (d: MemberDevice) => d.revokedAt === null && (d.keyId === keys.current.id || d.keyId === keys.previous?.id);
  // On each route rather than `use`: a wrong method is answered 405 before any credential is asked.
  const member = requireMember(deps);
  const admin = requireAdmin(deps);
  return new Hono<AppEnv>()
    .post('/api/devices', member, async (c) => {
      const { memberId, sessionId } = c.get('member');
      const body = await readJson(c, newDevice);
      const now = deps.now();
      const device = { salt: newDeviceSalt(), keyId: keys.current.id };
      const { id } = await devices.enrol({ memberId, sessionId, name: body.name ?? null, ...device }, now);
      // Over the cap, the oldest live ones go. Every enrolment trims to the newest MAX_LIVE_DEVICES it
      // sees after its own insert, so two racing enrolments still end at the cap, not over it.
      const live = (await devices.list(memberId)).filter((d) => d.revokedAt === null);
      for (const old of live.slice(MAX_LIVE_DEVICES)) await devices.revoke(memberId, old.id, now);
      const secret = deriveDeviceSecret(keys, { id, ...device })!;
      const answer: DeviceEnrolment = {
        deviceId: id,
        secret: secret.toString('base64url'),
        serverTime: iso(now),
        stepSeconds: offlineCodes.stepSeconds,
        skewSteps: offlineCodes.skewSteps,
      };
      return c.json(answer, 201);
    })
    .get('/api/devices', member, async (c) => {
      const { memberId, sessionId } = c.get('member');
      const list: DeviceView[] = (await devices.list(memberId)).map((d) => ({
        id: d.id,
        name: d.name,
        createdAt: iso(d.createdAt),
        revokedAt: d.revokedAt === null ? null : iso(d.revokedAt),
        current: d.sessionId === sessionId,
        usable: usable(d),
        keyCurrent: d.keyId === keys.current.id,
      }));
      return c.json({ devices: list, serverTime: iso(deps.now()) });
    })
    .delete('/api/devices/:id', member, async (c) => {
      const { memberId } = c.get('member');
      const { id } = check(idPath, c.req.param());
      // Another member's device and a revoked one answer alike: the caller learns nothing of others'.
      if (!(await devices.revoke(memberId, id, deps.now()))) throw new AppError('NOT_FOUND', `No live device ${id}`);
      return c.json({ revoked: true });
    })
    .post('/api/admin/members/:id/revoke-devices', admin, async (c) => {
      const { id: memberId } = check(idPath, c.req.param());
      if (!(await accounts.getMember(memberId))) throw new AppError('NOT_FOUND', `No member ${memberId}`);
      return c.json({ revoked: await devices.revokeAll(memberId, deps.now()) });
    });
}
