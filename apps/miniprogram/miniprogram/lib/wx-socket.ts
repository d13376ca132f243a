import { STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import type { ConnectFn } from './socket-manager';

/**
 * The socket manager's connect function over `wx.connectSocket`, speaking `scanpush.v1`, with the
 * session token in the Authorization header. WeChat may report an error, a close, or both for one
 * failure: the manager hears exactly one close.
 */
export function wxSocketConnect(url: string, token: string): ConnectFn {
  return (events) => {
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      events.onClose(code, reason);
    };
    const task = wx.connectSocket({
      url,
      header: { Authorization: `Bearer ${token}` },
      protocols: [STRUCTURED_SUBPROTOCOL],
      fail: (err) => end(1006, err.errMsg),
    });
    task.onOpen(() => events.onOpen());
    task.onMessage((message) => {
      if (typeof message.data === 'string') events.onMessage(message.data);
    });
    task.onError((err) => end(1006, err.errMsg));
    task.onClose((res) => end(res.code, res.reason));
    return {
      send: (text) => task.send({ data: text }),
      close: (code, reason) => task.close({ code, reason }),
    };
  };
}
