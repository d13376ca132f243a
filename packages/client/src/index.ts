// The core: pure, no platform. Connectors are separate entries: @scanpush/client/ws (Node),
// @scanpush/client/browser, @scanpush/client/wx.
export { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
export { systemClock, type Clock, type TimerId } from './clock.js';
export { decidingEnd, retryAfterClose, retryAfterRefusal, type SocketEnd } from './policy.js';
export { PushClient, type PushClientOptions, type SyncInfo } from './push-client.js';
export type { ConnectAttempt, ConnectFn, ConnectionState, ConnectionStatus, SocketEvents, SocketHandle } from './socket.js';
export { socketUrl, type ConnectorOptions } from './socket-url.js';
