import { describe, expect, it } from 'vitest';
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ResultMessage,
  type ServerMessage,
} from './envelope.js';

const RESULT: ResultMessage = {
  type: 'result',
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
    ['{"type":"resume","after":41}', { type: 'resume', after: 41 }],
    ['{"type":"ack","seq":7}', { type: 'ack', seq: 7 }],
    ['{"type":"ack","seq":9007199254740991}', { type: 'ack', seq: 9007199254740991 }],
    ['{"type":"ping"}', { type: 'ping' }],
    ['{"type":"ping","id":"abc"}', { type: 'ping', id: 'abc' }],
    ['{"type":"ping","id":3}', { type: 'ping', id: 3 }],
    [`{"type":"ping","id":"${'x'.repeat(64)}"}`, { type: 'ping', id: 'x'.repeat(64) }],
    ['{"type":"ack","seq":7,"extra":true}', { type: 'ack', seq: 7 }],
  ])('reads %s', (text, value) => {
    expect(decodeClientMessage(text)).toEqual({ ok: true, value });
  });

  it.each(NOT_OBJECTS)('refuses %j', (text) => {
    expect(decodeClientMessage(text)).toEqual({ ok: false, reason: 'frame is not a JSON object' });
  });

  it.each([
    '{"type":"ack","seq":-1}',
    '{"type":"ack","seq":1.5}',
    '{"type":"ack","seq":"1"}',
    '{"type":"ack","seq":null}',
    '{"type":"ack"}',
    '{"type":"ack","seq":9007199254740992}',
    '{"type":"ack","seq":1e400}',
    '{"type":"resume"}',
    '{"type":"resume","after":-3}',
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
    { type: 'ack', seq: 123 },
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
    { type: 'synced', lastSeq: 0, complete: true },
    { type: 'synced', lastSeq: 12, complete: false },
    { type: 'pong' },
    { type: 'pong', id: 'p-1' },
    { type: 'pong', id: 7 },
  ])('round-trips %j', (message) => {
    const expected = JSON.parse(JSON.stringify(message)) as ServerMessage;
    expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, value: expected });
  });

  it('reads a result by its code, not by the name or ok it claims', () => {
    const text = JSON.stringify({ ...RESULT, name: 'QR_USED', ok: false });
    const decoded = decodeServerMessage(text);
    expect(decoded.ok && decoded.value.type === 'result' && [decoded.value.name, decoded.value.ok]).toEqual(['OK', true]);
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
    const text = '{"type":"result","seq":1,"code":6,"text":"6_二维码无效_请刷新二维码后重试","memberId":17,"storeId":2}';
    expect(decodeServerMessage(text)).toEqual({
      ok: true,
      value: {
        type: 'result',
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
    '{"type":"result","seq":1,"code":0,"text":"x","memberId":1e400,"storeId":2}',
    '{"type":"synced","lastSeq":3}',
    '{"type":"synced","lastSeq":-1,"complete":true}',
    '{"type":"synced","lastSeq":3,"complete":"yes"}',
    '{"type":"ack","seq":1}',
    '{"type":"hello"}',
    '{}',
  ])('refuses %s', (text) => {
    refused(decodeServerMessage, text);
  });
});
