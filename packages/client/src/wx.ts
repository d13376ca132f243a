import { STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import type { ConnectFn } from './socket.js';
import { socketUrl, type ConnectorOptions } from './socket-url.js';

/**
 * The part of WeChat's `wx` this connector uses, declared here rather than taken from
 * miniprogram-api-typings: those clash with Node's types, which the package's tests need.
 */
export interface WxSocketApi {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    fail?: (err: { errMsg: string }) => void;
  }): WxSocketTask;
}

export interface WxSocketTask {
  onOpen(fn: (res: unknown) => void): void;
  onMessage(fn: (message: { data: string | ArrayBuffer }) => void): void;
  onError(fn: (err: { errMsg: string }) => void): void;
  onClose(fn: (res: { code: number; reason: string }) => void): void;
  send(options: { data: string }): void;
  close(options: { code?: number; reason?: string }): void;
}

// The mini-program's global; module scoped so it never meets miniprogram-api-typings' declaration.
declare const wx: WxSocketApi;

export interface WxConnectOptions extends ConnectorOptions {
  /** WeChat's API; default the global `wx` (tests pass a fake). */
  api?: WxSocketApi;
}

/**
 * The connector over `wx.connectSocket`: offers `scanpush.v2`, carries the session in the Authorization
 * header (WeChat lets a mini-program set it). WeChat may report an error, a close, or both for one
 * failure, and cannot show why an upgrade was refused: the client hears exactly one `onClose`.
 */
export function wxConnect(options: WxConnectOptions): ConnectFn {
  const url = socketUrl(options.server, options.memberId, options.storeId);
  return (events) => {
    const api = options.api ?? wx;
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      events.onClose(code, reason);
    };
    const task = api.connectSocket({
      url,
      header: { Authorization: `Bearer ${options.token}` },
      protocols: [STRUCTURED_SUBPROTOCOL],
      fail: (err) => end(1006, err.errMsg),
    });
    task.onOpen(() => {
      if (!ended) events.onOpen();
    });
    task.onMessage((message) => {
      if (!ended && typeof message.data === 'string') events.onMessage(message.data);
    });
    task.onError((err) => end(1006, err.errMsg));
    task.onClose((res) => end(res.code, res.reason));
    return {
      send: (text) => {
        if (!ended) task.send({ data: text });
      },
      close: (code, reason) => {
        ended = true;
        task.close({ code, reason });
      },
    };
  };
}
