import fc from 'fast-check';
import { CLOSE_CODES, decodeClientMessage, encodeMessage, type ClientMessage } from '@scanpush/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryBroker } from './broker-memory.js';
import { structuredDialect } from './dialect-structured.js';
import { textDialect } from './dialect-text.js';
import type { Dialect } from './dialect.js';
import { Hub } from './hub.js';
import { FakeSocket, MemoryStreams, delivery, settle, silentLogger, testMetrics } from './testing.js';


const M = 7;
const streams = new MemoryStreams('epochA');
for (let i = 0; i < 3; i++) streams.append(M, 1);
const hub = new Hub({
  streams,
  broker: createMemoryBroker((err) => {
    throw err;
  }),
  logger: silentLogger,
  metrics: testMetrics(),
  now: () => Date.now(),
  heartbeatMs: 25_000,
  delivery,
});
afterAll(() => hub.shutdown());

// Each run gets a socket of its own stream (the member at another store), so none replaces another.
let nextStore = 1;
function open(dialect: Dialect, urlResume: boolean) {
  const socket = new FakeSocket();
  const grant = { memberId: M, storeId: nextStore++, sessionId: 1, tokenHash: 'hash-1' };
  const conn = hub.connect(urlResume ? { ...grant, resume: { after: 0 } } : grant, socket, dialect);
  socket.onClosed = (code) => conn.socketClosed(code);
  return { socket, conn };
}

const epochArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const clientArb: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ type: fc.constant('resume'), epoch: epochArb, after: fc.oneof(fc.nat(5), fc.maxSafeNat()) }, { requiredKeys: ['type', 'after'] }),
  fc.record({ type: fc.constant('ping'), id: fc.oneof(fc.string({ maxLength: 64 }), fc.integer()) }, { requiredKeys: ['type'] }),
);
// JSON whose keys are often the frames' field names or Object.prototype's, with near-valid values.
const KEYS = ['type', 'epoch', 'after', 'id', 'toString', 'valueOf', '__proto__', 'constructor'];
const { json: trickyJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('resume', 'ping', 'pong', 'synced', ''),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 })),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 3 })), tie('json'), { maxKeys: 5 }),
  ),
}));
const frameArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.json(),
  trickyJson.map((v) => JSON.stringify(v)),
  clientArb.map(encodeMessage),
  fc.constantFrom('ping', 'PING', '', '{}', '{"type":"ping","id":1e400}', '{"type":"resume","after":-1}'),
);
// A member's frame that made decodeClientMessage throw out of the socket's message handler (and the process).
const pinned: Array<[string, boolean, boolean]> = [['{"type":{"toString":1}}', false, true]];

/** What the structured dialect must do with a frame: close it as malformed, or take it. */
function acceptable(frame: string, isBinary: boolean): ClientMessage | undefined {
  if (isBinary) return undefined;
  try {
    const decoded = decodeClientMessage(frame);
    return decoded.ok ? decoded.value : undefined;
  } catch {
    return undefined;
  }
}

describe('the structured dialect', () => {
  it('never throws on an arbitrary frame: closes with BAD_FRAME, answers a ping, or replays after a resume', async () => {
    await fc.assert(
      fc.asyncProperty(frameArb, fc.boolean(), fc.boolean(), async (frame, isBinary, urlResume) => {
        const { socket, conn } = open(structuredDialect, urlResume);
        await settle();
        const before = socket.sent.length;
        conn.receive(frame, isBinary);
        for (let i = 0; i < 3; i++) await settle();
        const message = acceptable(frame, isBinary);
        if (message === undefined) {
          expect(socket.closedWith?.code).toBe(CLOSE_CODES.BAD_FRAME.code);
          return;
        }
        expect(socket.closedWith).toBeUndefined();
        const frames = socket.json().slice(before);
        if (message.type === 'ping') expect(frames).toContainEqual(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id });
        else expect(frames.at(-1)).toMatchObject({ type: 'synced', epoch: 'epochA' });
        conn.close('NORMAL');
      }),
      { ...{ numRuns: 500 }, examples: pinned },
    );
  });
});

describe('the text dialect', () => {
  it('never throws on an arbitrary frame and ignores it', async () => {
    await fc.assert(
      fc.asyncProperty(frameArb, fc.boolean(), async (frame, isBinary) => {
        const { socket, conn } = open(textDialect, false);
        await settle();
        const before = socket.sent.length;
        conn.receive(frame, isBinary);
        await settle();
        expect(socket.closedWith).toBeUndefined();
        expect(socket.sent.length).toBe(before);
        conn.close('NORMAL');
      }),
      { numRuns: 300 },
    );
  });
});
