import { STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import type { ConnectFn } from './socket.js';
import { socketUrl, type ConnectorOptions } from './socket-url.js';

/** The part of the browser's WebSocket this connector uses (Node's `ws` class has it too). */
export interface BrowserSocket {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export type BrowserSocketClass = new (url: string, protocols?: string | string[]) => BrowserSocket;

// The browser's global, module scoped: the package is typed against no DOM.
declare const WebSocket: BrowserSocketClass;

const OPEN = 1;

export interface BrowserConnectOptions extends ConnectorOptions {
  /** The WebSocket class; default the browser's (tests pass `ws`'s, which has the same interface). */
  WebSocket?: BrowserSocketClass;
}

/**
 * The connector over the browser's WebSocket: offers `scanpush.v2`; a browser cannot set headers, so
 * the session rides in `?token=`. A browser never shows why an upgrade was refused: a 401 is a 1006
 * close like any failure (a page that must know asks the HTTP API whether its session is still good).
 */
export function browserConnect(options: BrowserConnectOptions): ConnectFn {
  const url = `${socketUrl(options.server, options.memberId, options.storeId)}?token=${encodeURIComponent(options.token)}`;
  return (events) => {
    const Socket = options.WebSocket ?? WebSocket;
    const ws = new Socket(url, [STRUCTURED_SUBPROTOCOL]);
    let ended = false;
    ws.onopen = () => {
      if (!ended) events.onOpen();
    };
    ws.onmessage = (event) => {
      if (!ended && typeof event.data === 'string') events.onMessage(event.data);
    };
    // An error is always followed by a close, which carries the code.
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (ended) return;
      ended = true;
      events.onClose(event.code, event.reason);
    };
    return {
      send: (text) => {
        if (ws.readyState === OPEN) ws.send(text);
      },
      close: (code, reason) => {
        ended = true;
        ws.close(code, reason);
      },
    };
  };
}
