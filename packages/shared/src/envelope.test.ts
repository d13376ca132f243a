import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from './close-codes.js';
import {
  byeFor,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  positionOf,
  resumeFrom,
  type ClientMessage,
  type ResultMessage,
  type ServerMessage,
} from './envelope.js';

const RESULT: ResultMessage = {
  type: 'result',
  epoch: 'e-2026_a',
  seq: 12,
  code: 0,
  name: 'OK',
  ok: true,
  title: '扣费成功',
  text: '0_扣费成功_剩余次数: 3',
  remaining: 3,
  memberId: 17,
  storeId: 2,
  at: '2026-01-01T00:00:00.000Z',
  ledgerId: 99,
};

function refused(decode: (text: string) => { ok: boolean }, text: string): void {
  const result = decode(text) as { ok: true } | { ok: false; reason: string };
  expect(result.ok, `${text} should be refused`).toBe(false);
  if (!result.ok) expect(result.reason).not.toBe('');
}

// Not JSON objects at all: both decoders refuse them the same way.
const NOT_OBJECTS = ['not json', '', '[]', '[{"type":"ack","seq":1}]', 'null', '42', '"ack"', 'true', '{"type":"ack",'];

describe('decodeClientMessage', () => {
  it.each([
    ['{"type":"resume","after":0}', { type: 'resume', after: 0 }],
    ['{"type":"resume","epoch":"e1","after":41}', { type: 'resume', epoch: 'e1', after: 41 }],
    ['{"type":"resume","epoch":"Ab_-9","after":0}', { type: 'resume', epoch: 'Ab_-9', after: 0 }],
    [`{"type":"resume","epoch":"${'e'.repeat(64)}","after":9007199254740991}`, { type: 'resume', epoch: 'e'.repeat(64), after: 9007199254740991 }],
    ['{"type":"ping"}', { type: 'ping' }],
    ['{"type":"ping","id":"abc"}', { type: 'ping', id: 'abc' }],
    ['{"type":"ping","id":3}', { type: 'ping', id: 3 }],
    [`{"type":"ping","id":"${'x'.repeat(64)}"}`, { type: 'ping', id: 'x'.repeat(64) }],
    ['{"type":"resume","epoch":"e1","after":7,"extra":true}', { type: 'resume', epoch: 'e1', after: 7 }],
  ])('reads %s', (text, value) => {
    expect(decodeClientMessage(text)).toEqual({ ok: true, value });
  });

  it.each(NOT_OBJECTS)('refuses %j', (text) => {
    expect(decodeClientMessage(text)).toEqual({ ok: false, reason: 'frame is not a JSON object' });
  });

  it.each([
    '{"type":"resume"}',
    '{"type":"resume","after":-3}',
    '{"type":"resume","after":1.5}',
    '{"type":"resume","after":"1"}',
    '{"type":"resume","after":null}',
    '{"type":"resume","after":9007199254740992}',
    '{"type":"resume","after":1e400}',
    '{"type":"resume","epoch":"","after":1}',
    '{"type":"resume","epoch":"has space","after":1}',
    '{"type":"resume","epoch":"e/1","after":1}',
    `{"type":"resume","epoch":"${'e'.repeat(65)}","after":1}`,
    '{"type":"resume","epoch":7,"after":1}',
    '{"type":"resume","epoch":null,"after":1}',
    '{"type":"ping","id":{"a":1}}',
    '{"type":"ping","id":null}',
    `{"type":"ping","id":"${'x'.repeat(65)}"}`,
    // JSON.parse reads 1e400 as Infinity, which a pong would echo back as null.
    '{"type":"ping","id":1e400}',
    '{"type":"hello"}',
    '{"type":"result","seq":1}',
    '{"seq":1}',
    '{}',
  ])('refuses %s', (text) => {
    refused(decodeClientMessage, text);
  });

  it.each<ClientMessage>([
    { type: 'resume', after: 0 },
    { type: 'resume', epoch: 'e1', after: 123 },
    { type: 'ping' },
    { type: 'ping', id: 'p-1' },
    { type: 'ping', id: 0 },
  ])('round-trips %j', (message) => {
    expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
  });
});

describe('decodeServerMessage', () => {
  it.each<ServerMessage>([
    RESULT,
    { ...RESULT, seq: 13, code: 3, name: 'NO_USES_LEFT', ok: false, title: '剩余次数不足', text: '3_剩余次数不足_请联系门店充值', remaining: null, ledgerId: undefined },
    { type: 'synced', epoch: 'e1', lastSeq: 0, complete: true },
    { type: 'synced', epoch: 'e-2026_a', lastSeq: 12, complete: false },
    { type: 'pong' },
    { type: 'pong', id: 'p-1' },
    { type: 'pong', id: 7 },
    { type: 'bye', code: 4001, reason: 'session revoked or expired' },
    { type: 'bye', code: 1001, reason: '' },
  ])('round-trips %j', (message) => {
    const expected = JSON.parse(JSON.stringify(message)) as ServerMessage;
    expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, value: expected });
  });

  it('reads a result by its code, not by the name or ok it claims', () => {
    const text = JSON.stringify({ ...RESULT, name: 'QR_USED', ok: false });
    const decoded = decodeServerMessage(text);
    expect(decoded.ok && decoded.value.type === 'result' && [decoded.value.name, decoded.value.ok]).toEqual(['OK', true]);
  });

  it.each([
    [7, 'TOPPED_UP', true],
    [8, 'REVERSED', true],
    [9, 'CARD_EXPIRED', false],
    [14, 'OFFLINE_CODE_STALE', false],
  ])('reads code %i as %s, ok %s', (code, name, ok) => {
    const decoded = decodeServerMessage(JSON.stringify({ ...RESULT, code, name: 'OK', ok: !ok }));
    expect(decoded.ok && decoded.value.type === 'result' && [decoded.value.name, decoded.value.ok]).toEqual([name, ok]);
  });

  it('keeps a result code this version does not know', () => {
    const text = JSON.stringify({ ...RESULT, code: 42, name: 'NEW_THING', ok: true, title: '新的', text: '42_新的_x' });
    const decoded = decodeServerMessage(text);
    expect(decoded.ok).toBe(true);
    if (decoded.ok && decoded.value.type === 'result') {
      expect(decoded.value).toMatchObject({ code: 42, name: 'NEW_THING', ok: false, title: '新的', text: '42_新的_x' });
    }
  });

  it('fills absent optional result fields', () => {
    const text = '{"type":"result","epoch":"e1","seq":1,"code":6,"text":"6_二维码无效_请刷新二维码后重试","memberId":17,"storeId":2}';
    expect(decodeServerMessage(text)).toEqual({
      ok: true,
      value: {
        type: 'result',
        epoch: 'e1',
        seq: 1,
        code: 6,
        name: 'QR_INVALID',
        ok: false,
        title: '',
        text: '6_二维码无效_请刷新二维码后重试',
        remaining: null,
        memberId: 17,
        storeId: 2,
        at: '',
      },
    });
  });

  it.each(NOT_OBJECTS)('refuses %j', (text) => {
    expect(decodeServerMessage(text)).toEqual({ ok: false, reason: 'frame is not a JSON object' });
  });

  const result = (patch: Record<string, unknown>): string => JSON.stringify({ ...RESULT, ...patch });
  it.each([
    result({ epoch: undefined }),
    result({ epoch: '' }),
    result({ epoch: 'not an epoch' }),
    result({ epoch: 3 }),
    result({ seq: -1 }),
    result({ seq: 1.5 }),
    result({ seq: undefined }),
    result({ code: '0' }),
    result({ text: undefined }),
    result({ memberId: undefined }),
    result({ memberId: '17' }),
    result({ memberId: 0 }),
    result({ memberId: -17 }),
    result({ memberId: 17.5 }),
    result({ memberId: 2 ** 32 }),
    result({ storeId: null }),
    result({ storeId: 2 ** 53 }),
    result({ storeId: 0 }),
    '{"type":"result","epoch":"e1","seq":1,"code":0,"text":"x","memberId":1e400,"storeId":2}',
    '{"type":"synced","epoch":"e1","lastSeq":3}',
    '{"type":"synced","lastSeq":3,"complete":true}',
    '{"type":"synced","epoch":"","lastSeq":3,"complete":true}',
    '{"type":"synced","epoch":"e1","lastSeq":-1,"complete":true}',
    '{"type":"synced","epoch":"e1","lastSeq":3,"complete":"yes"}',
    '{"type":"bye"}',
    '{"type":"bye","reason":"x"}',
    '{"type":"bye","code":"4001","reason":"x"}',
    '{"type":"bye","code":4001.5,"reason":"x"}',
    '{"type":"bye","code":999,"reason":"x"}',
    '{"type":"bye","code":5000,"reason":"x"}',
    '{"type":"bye","code":1e400,"reason":"x"}',
    '{"type":"bye","code":4001,"reason":7}',
    '{"type":"bye","code":4001,"reason":null}',
    // v1's acks left the protocol in v2.
    '{"type":"ack","seq":1}',
    '{"type":"hello"}',
    '{}',
  ])('refuses %s', (text) => {
    refused(decodeServerMessage, text);
  });
});

describe('bye', () => {
  it('writes the golden frame with the catalog’s code and reason', () => {
    expect(encodeMessage(byeFor('SESSION_REVOKED'))).toBe('{"type":"bye","code":4001,"reason":"session revoked or expired"}');
    expect(encodeMessage(byeFor('GOING_AWAY'))).toBe('{"type":"bye","code":1001,"reason":"server shutting down"}');
    for (const [name, { code, reason }] of Object.entries(CLOSE_CODES)) {
      expect(byeFor(name as keyof typeof CLOSE_CODES)).toEqual({ type: 'bye', code, reason });
    }
  });

  it.each([
    ['{"type":"bye","code":4002,"reason":"too many sockets: replaced by a newer one"}', { type: 'bye', code: 4002, reason: 'too many sockets: replaced by a newer one' }],
    ['{"type":"bye","code":4004}', { type: 'bye', code: 4004, reason: '' }],
    ['{"type":"bye","code":1000,"reason":"","extra":1}', { type: 'bye', code: 1000, reason: '' }],
    ['{"type":"bye","code":4999,"reason":"a newer server\u0027s code"}', { type: 'bye', code: 4999, reason: "a newer server's code" }],
  ])('reads %s', (text, value) => {
    expect(decodeServerMessage(text)).toEqual({ ok: true, value });
  });

  it('is the server’s word only: a client may not send it', () => {
    expect(decodeClientMessage('{"type":"bye","code":4001,"reason":"x"}')).toEqual({ ok: false, reason: 'unknown message type: bye' });
  });
});

describe('acks left the protocol', () => {
  it.each(['{"type":"ack","seq":7}', '{"type":"ack","epoch":"e1","seq":7}'])('refuses %s from a client as an unknown type', (text) => {
    expect(decodeClientMessage(text)).toEqual({ ok: false, reason: 'unknown message type: ack' });
  });
});

describe('positions on the wire', () => {
  it('names the position of a result and of synced', () => {
    expect(positionOf(RESULT)).toEqual({ epoch: 'e-2026_a', seq: 12 });
    expect(positionOf({ type: 'synced', epoch: 'e2', lastSeq: 40, complete: false })).toEqual({ epoch: 'e2', seq: 40 });
  });

  it('resumes with the epoch and seq of a known position, and from the start without one', () => {
    expect(encodeMessage(resumeFrom({ epoch: 'e1', seq: 5 }))).toBe('{"type":"resume","epoch":"e1","after":5}');
    expect(encodeMessage(resumeFrom({ epoch: 'e1', seq: 0 }))).toBe('{"type":"resume","epoch":"e1","after":0}');
    // A seq with no epoch says nothing about the server's history: ask for everything retained.
    expect(encodeMessage(resumeFrom({ epoch: '', seq: 0 }))).toBe('{"type":"resume","after":0}');
    expect(encodeMessage(resumeFrom({ epoch: '', seq: 9 }))).toBe('{"type":"resume","after":0}');
  });

  it('writes the golden v2 frames', () => {
    expect(encodeMessage({ type: 'synced', epoch: 'e1', lastSeq: 3, complete: true })).toBe('{"type":"synced","epoch":"e1","lastSeq":3,"complete":true}');
    expect(decodeServerMessage('{"type":"result","epoch":"e1","seq":3,"code":0,"title":"扣费成功","text":"0_扣费成功_剩余次数: 7","remaining":7,"memberId":17,"storeId":2,"at":"2026-01-01T00:00:00.000Z"}')).toEqual({
      ok: true,
      value: {
        type: 'result',
        epoch: 'e1',
        seq: 3,
        code: 0,
        name: 'OK',
        ok: true,
        title: '扣费成功',
        text: '0_扣费成功_剩余次数: 7',
        remaining: 7,
        memberId: 17,
        storeId: 2,
        at: '2026-01-01T00:00:00.000Z',
      },
    });
  });
});
