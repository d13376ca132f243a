import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from './broker-envelope.js';

const entry = { memberId: 7, storeId: 2, epoch: 'e1', seq: 3, code: 0, remaining: 4, ledgerId: 9, createdAt: 1_700_000_000_000 };

describe('decodeEnvelope', () => {
  it.each([
    [`{"n":"a#1","e":${JSON.stringify({ entry, committedAt: 1.5 })}}`, { n: 'a#1', e: { entry, committedAt: 1.5 } }],
    [`{"n":"a#1","e":${JSON.stringify({ entry: { ...entry, remaining: null, ledgerId: null }, committedAt: 1 })}}`, { n: 'a#1', e: { entry: { ...entry, remaining: null, ledgerId: null }, committedAt: 1 } }],
    ['{"n":"a#1","c":{"kind":"close-member","memberId":7}}', { n: 'a#1', c: { kind: 'close-member', memberId: 7 } }],
    ['{"n":"a#1","c":{"kind":"close-member","memberId":7,"sessionId":3}}', { n: 'a#1', c: { kind: 'close-member', memberId: 7, sessionId: 3 } }],
    ['{"n":"a#1","r":{"since":1700000000000,"sessions":true}}', { n: 'a#1', r: { since: 1_700_000_000_000, sessions: true } }],
  ])('reads %s', (text, envelope) => {
    expect(decodeEnvelope(text)).toEqual(envelope);
  });

  it.each([
    'not json',
    'null',
    '[]',
    '{"e":{}}',
    '{"n":"a"}',
    `{"n":1,"c":{"kind":"close-member","memberId":7}}`,
    `{"n":"a","e":${JSON.stringify({ entry: { ...entry, seq: 1.5 }, committedAt: 1 })}}`,
    `{"n":"a","e":${JSON.stringify({ entry: { ...entry, epoch: 5 }, committedAt: 1 })}}`,
    `{"n":"a","e":${JSON.stringify({ entry })}}`,
    '{"n":"a","c":{"kind":"restart","memberId":7}}',
    '{"n":"a","c":{"kind":"close-member","memberId":"7"}}',
    '{"n":"a","r":{"since":"yesterday","sessions":true}}',
  ])('drops %s', (text) => {
    expect(decodeEnvelope(text)).toBeUndefined();
  });
});
