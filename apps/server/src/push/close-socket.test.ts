import { describe, expect, it } from 'vitest';
import { closeSocket } from './close-socket.js';
import { structuredDialect } from './dialect-structured.js';
import { textDialect } from './dialect-text.js';
import { FakeSocket } from './testing.js';

describe('closeSocket', () => {
  it('sends the structured bye with the catalog’s code and reason, then closes with them', () => {
    const socket = new FakeSocket();
    closeSocket(socket, structuredDialect, 'RATE_LIMITED');
    expect(socket.json()).toEqual([{ type: 'bye', code: 4003, reason: 'too many frames' }]);
    expect(socket.closedWith).toEqual({ code: 4003, reason: 'too many frames' });
  });

  it('sends nothing before the close in the text dialect: its clients read every frame as a push text', () => {
    const socket = new FakeSocket();
    closeSocket(socket, textDialect, 'SESSION_REVOKED');
    expect(socket.sent).toEqual([]);
    expect(socket.closedWith).toEqual({ code: 4001, reason: 'session revoked or expired' });
  });

  it('sends no bye on a socket already closing (FakeSocket throws on a send there, as ws errors)', () => {
    const socket = new FakeSocket();
    socket.deaf = true;
    closeSocket(socket, structuredDialect, 'REPLACED');
    closeSocket(socket, structuredDialect, 'GOING_AWAY');
    expect(socket.json()).toEqual([{ type: 'bye', code: 4002, reason: 'too many sockets: replaced by a newer one' }]);
    expect(socket.closedWith).toEqual({ code: 4002, reason: 'too many sockets: replaced by a newer one' });
  });
});
