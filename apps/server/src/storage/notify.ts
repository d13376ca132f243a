/**
 * WeChat subscription messages (订阅消息): the members' credits (each acceptance of a template in the
 * mini-program allows exactly one send), the jobs (one per stream entry and template, written when no
 * socket or long-poll received the entry in time, so a crash or restart loses none), and the access token
 * every node shares. Each call is atomic on its own.
 */
export interface NotifyStore {
  /** One more credit for the member and template (an acceptance); answers the credits now. */
  grantCredit(memberId: number, templateId: string, at: number): Promise<number>;
  credits(memberId: number, templateId: string): Promise<number>;
  /** Takes one credit if there is one; false when there is none (nothing changes). */
  spendCredit(memberId: number, templateId: string, at: number): Promise<boolean>;
  /** WeChat said 43101 (no credit, or the member refused): the credits are 0 until the next acceptance. */
  clearCredits(memberId: number, templateId: string, at: number): Promise<void>;

  /**
   * Stream entries (StreamStore's `outbox` rows) no socket marked delivered, created in
   * [`since`, `before`), of members with a WeChat openid (nobody to send to otherwise), that have no job
   * for `templateId` yet and, unless `refusals`, are successes
   * (deductions, sales, reversals: `ledgerId` not null); oldest first, at most `limit`.
   */
  unnotified(templateId: string, since: number, before: number, refusals: boolean, limit: number): Promise<NotifyCandidate[]>;
  /**
   * Writes a job for one stream entry and template, due at `dueAt`. Unique per (member, store, seq,
   * template): a second enqueue of the same answers false and writes nothing, on every engine and across
   * nodes.
   */
  enqueue(job: NewNotifyJob, at: number): Promise<boolean>;
  /**
   * Claims up to `limit` jobs that are pending and due at `now` (due_at ≤ now, and not claimed, or claimed
   * with the claim run out): sets claimed_until = now + claimMs and counts an attempt, atomically, so of
   * several nodes asking at once each job goes to one. Oldest due first.
   */
  claim(now: number, limit: number, claimMs: number): Promise<NotifyJob[]>;
  /** Ends or defers a claimed job: sent, dropped with a reason, or due again at `retryAt`. */
  settle(jobId: number, outcome: NotifyOutcome, at: number): Promise<void>;
  /** Counts of jobs by state, for metrics. */
  countJobs(): Promise<{ pending: number; sent: number; dropped: number }>;

  /** The shared access token, if one is stored. */
  accessToken(): Promise<StoredToken | undefined>;
  /**
   * Takes the lease to refresh the access token until `until`, when nobody holds it (or theirs ran out);
   * false otherwise. The holder fetches a token and `putAccessToken`s it; the others wait and read it.
   */
  leaseTokenRefresh(holder: string, now: number, until: number): Promise<boolean>;
  /** Stores a fresh token (and ends the holder's lease). */
  putAccessToken(token: StoredToken, holder: string): Promise<void>;
}

export interface NotifyCandidate {
  memberId: number;
  /** The member's WeChat openid, the message's `touser`. */
  openid: string;
  /** The store's name, for the message. */
  storeName: string;
  storeId: number;
  seq: number;
  code: number;
  remaining: number | null;
  createdAt: number;
}

export interface NewNotifyJob {
  memberId: number;
  /** The openid the message goes to (`touser`). */
  openid: string;
  storeId: number;
  seq: number;
  templateId: string;
  /** The message's `data`, already mapped and within WeChat's limits (core/notify-message.ts). */
  data: Record<string, { value: string }>;
  dueAt: number;
}

export interface NotifyJob extends NewNotifyJob {
  id: number;
  /** Attempts so far, this claim included. */
  attempts: number;
  createdAt: number;
}

export type NotifyOutcome = { kind: 'sent' } | { kind: 'dropped'; reason: string } | { kind: 'retry'; retryAt: number; error: string };

export interface StoredToken {
  token: string;
  /** Unix ms WeChat says it stops working. */
  expiresAt: number;
  fetchedAt: number;
}
