import { STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import { systemClock } from './clock.js';
import type { ConnectFn } from './socket.js';
import { socketUrl, type ConnectorOptions } from './socket-url.js';
import { WxLane, openTask, type WxSocketApi } from './wx-task.js';

export type { WxError, WxSocketApi, WxSocketTask } from './wx-task.js';

// The mini-program's global; module scoped so it never meets miniprogram-api-typings' declaration.
declare const wx: WxSocketApi;

export interface WxConnectOptions extends ConnectorOptions {
  /** WeChat's API; default the global `wx` (tests pass a fake). */
  api?: WxSocketApi;
}

/** Used when the connector is called without PushClient's attempt (PushClient's own default). */
const DEFAULT_TIMEOUT_MS = 10_000;

/** One lane per `wx`: every connector over the same WeChat shares it. */
const lanes = new WeakMap<WxSocketApi, WxLane>();

/**
 * The connector over `wx.connectSocket`: offers `scanpush.v2` and carries the session in the
 * Authorization header (WeChat lets a mini-program set it). What WeChat does differently, and what the
 * connector does about it (wx-task.ts has the details):
 *
 * - `SocketTask.close()` on a task that is not open yet does nothing ("WebSocket is not connected"),
 *   and such a task opens later with nobody to close it. A close asked for before open is remembered and
 *   done in `onOpen`; the client hears nothing more of that task.
 * - WeChat allows 5 tasks at once; tasks left open used to pile up to that on bad signal, after which
 *   `connectSocket` failed for good. Attempts go one at a time per `wx` (a page shows one card's stream):
 *   an attempt waits until WeChat is done with the previous task, which it is within the connect timeout,
 *   since `connectSocket` is given the client's (`timeout`, base library 2.10.0; without it app.json's
 *   `networkTimeout.connectSocket`, 60 s by default, holds a dead attempt that long).
 * - A failed `send` means the socket is gone: reported as a close (1006), once, so the client reconnects.
 * - WeChat may report an error, a close, or both for one failure, and cannot show why an upgrade was
 *   refused: the client hears exactly one `onClose`. Close codes may be rewritten (a server's 4001 as
 *   1005): the client decides by the server's `bye` (see PushClient).
 */
export function wxConnect(options: WxConnectOptions): ConnectFn {
  const url = socketUrl(options.server, options.memberId, options.storeId);
  const header = { Authorization: `Bearer ${options.token}` };
  return (events, attempt) => {
    const api = options.api ?? wx;
    let lane = lanes.get(api);
    if (!lane) lanes.set(api, (lane = new WxLane()));
    return openTask(api, lane, { url, header, protocols: [STRUCTURED_SUBPROTOCOL] }, events, {
      timeoutMs: attempt?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      clock: attempt?.clock ?? systemClock,
    });
  };
}
