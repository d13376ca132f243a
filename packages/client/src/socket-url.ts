import { socketPath } from '@scanpush/shared';

/**
 * The socket URL of one member stream on a server given by its http(s) URL (as the API is reached):
 * `http://h:p/base` → `ws://h:p/base/webSocket/{memberId}/{storeId}`, https → wss. A ws(s) URL is taken
 * as is. String work only: WeChat has no `URL` class. Throws for any other scheme (a caller's bug).
 */
export function socketUrl(server: string, memberId: number, storeId: number): string {
  const base = server.trim().replace(/\/+$/, '');
  const scheme = /^([a-z]+):\/\//i.exec(base)?.[1]?.toLowerCase();
  const rest = base.slice((scheme?.length ?? 0) + 3);
  const ws = scheme === 'http' || scheme === 'ws' ? 'ws' : scheme === 'https' || scheme === 'wss' ? 'wss' : undefined;
  if (!ws || rest === '' || /[?#]/.test(rest)) throw new Error(`not an http(s) server URL: ${server}`);
  return `${ws}://${rest}${socketPath(memberId, storeId)}`;
}

/** What every connector needs to reach one member stream. */
export interface ConnectorOptions {
  /** The server's http(s) URL, e.g. `https://api.example.com` (see socketUrl). */
  server: string;
  memberId: number;
  storeId: number;
  /** The member's session token. */
  token: string;
}
