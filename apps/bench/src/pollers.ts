/**
 * The members' polling clients, as the seed's mini-program polled and as the long-poll fallback waits:
 * each answer that shows a member a new remaining count is recorded with the time it arrived.
 */
import http from 'node:http';
import type { NotificationsResponse } from '@scanpush/shared';
import { nowUs } from './clock.js';
import type { ClientMember } from './protocol.js';
import type { Recorder } from './recorder.js';

export interface Poller {
  stop(): void;
}

/** Counts shared by a worker's pollers. */
export interface PollStats {
  requests: number;
  errors: number;
  skipped: number;
  durations: number[];
}

/** GET returning parsed JSON; `onRequest` gets the request so a stop can abort it. */
function getJson<T>(base: URL, agent: http.Agent, path: string, token: string, onRequest: (req: http.ClientRequest) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, path, agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    onRequest(req);
    req.end();
  });
}

/** Polls the member's cards every `intervalMs` from a random phase, one request at a time. */
export function intervalPoller(base: URL, agent: http.Agent, member: ClientMember, intervalMs: number, recorder: Recorder, pollStats: PollStats): Poller {
  let stopped = false;
  let busy = false;
  let last: number | undefined;
  let current: http.ClientRequest | undefined;
  const tick = () => {
    if (stopped) return;
    if (busy) {
      pollStats.skipped++;
      return;
    }
    busy = true;
    const started = nowUs();
    getJson<{ cards: Array<{ storeId: number; remaining: number }> }>(base, agent, '/api/cards', member.token, (r) => (current = r)).then(
      (body) => {
        const t = nowUs();
        busy = false;
        if (stopped) return;
        pollStats.requests++;
        pollStats.durations.push(t - started);
        const remaining = body.cards.find((c) => c.storeId === member.storeId)?.remaining;
        if (remaining === undefined) recorder.unparsed++;
        // The first answer is the baseline; later ones that differ are what the member learns.
        else if (last !== undefined && remaining !== last) recorder.add(member.memberId, remaining, t);
        last = remaining;
      },
      () => {
        busy = false;
        if (!stopped) pollStats.errors++;
      },
    );
  };
  let interval: NodeJS.Timeout | undefined;
  const phase = setTimeout(() => {
    tick();
    interval = setInterval(tick, intervalMs);
  }, Math.random() * intervalMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(phase);
      clearInterval(interval);
      current?.destroy();
    },
  };
}

/** Long-polls the member's stream at its store, asking again from the answer's position as soon as it comes. */
export function longPoller(base: URL, agent: http.Agent, member: ClientMember, waitSeconds: number, recorder: Recorder, pollStats: PollStats): Poller {
  let stopped = false;
  let position = { epoch: '', seq: 0 };
  let current: http.ClientRequest | undefined;
  const loop = async () => {
    while (!stopped) {
      const started = nowUs();
      try {
        const body = await getJson<NotificationsResponse>(
          base,
          agent,
          `/api/notifications?storeId=${member.storeId}${position.epoch ? `&epoch=${position.epoch}` : ''}&after=${position.seq}&wait=${waitSeconds}`,
          member.token,
          (r) => (current = r),
        );
        const t = nowUs();
        if (stopped) return;
        pollStats.requests++;
        if (body.results.length > 0) pollStats.durations.push(t - started);
        for (const r of body.results) {
          if (r.remaining === null) recorder.unparsed++;
          else recorder.add(member.memberId, r.remaining, t);
        }
        position = { epoch: body.epoch, seq: body.lastSeq };
      } catch {
        if (stopped) return;
        pollStats.errors++;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      current?.destroy();
    },
  };
}
