/**
 * Members' enrolled devices, for offline member codes (packages/shared offline-code.ts). A device's
 * secret is never stored: the server derives it from its own key and the device's `salt`
 * (core/device-secrets.ts), so a copy of the database alone cannot make codes. `keyId` names the server
 * key it was derived under (a fingerprint, not the key), so a rotated-out key retires its devices.
 * Each call is atomic on its own.
 */
export interface DeviceStore {
  /** Enrols a device of the member; `sessionId` is the session that enrolled it (revoked with it on logout). */
  enrol(input: { memberId: number; sessionId: number | null; name: string | null; salt: string; keyId: string }, at: number): Promise<{ id: number }>;
  get(id: number): Promise<MemberDevice | undefined>;
  /** The member's devices, revoked ones too, newest first. */
  list(memberId: number): Promise<MemberDevice[]>;
  /** Revokes one of the member's devices; false when it is not theirs or already revoked. */
  revoke(memberId: number, deviceId: number, at: number): Promise<boolean>;
  /** Revokes the live devices a session enrolled (on logout); answers how many. */
  revokeForSession(sessionId: number, at: number): Promise<number>;
  /** Revokes every live device of the member (the operator); answers how many. */
  revokeAll(memberId: number, at: number): Promise<number>;
}

export interface MemberDevice {
  id: number;
  memberId: number;
  sessionId: number | null;
  name: string | null;
  /** 16 random bytes, hex: the per-device input of the secret's derivation. */
  salt: string;
  /** Which server key the secret was derived under (core/device-secrets.ts keyId). */
  keyId: string;
  createdAt: number;
  revokedAt: number | null;
}

/** MemberDevice's columns, with quoted aliases (which SQLite reads as identifiers too), for both engines. */
export const DEVICE_COLUMNS =
  'id, member_id AS "memberId", session_id AS "sessionId", name, salt, key_id AS "keyId", created_at AS "createdAt", revoked_at AS "revokedAt"';
