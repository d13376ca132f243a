import { PushClient, systemClock, type ConnectionStatus } from '@scanpush/client';
import { browserConnect } from '@scanpush/client/browser';
import { closeName, type ResultMessage } from '@scanpush/shared';
import { Feed } from './feed.js';
import { loadStream, saveStream } from './stream-record.js';

export interface MemberStreamOptions {
  memberId: number;
  storeId: number;
  token: string;
  /**
   * Asked after repeated failures. A browser never sees why an upgrade was refused (a 401 looks like
   * 1006), so the page asks the HTTP API: false stops the stream, undefined (cannot tell) keeps trying.
   */
  sessionValid(): Promise<boolean | undefined>;
  /** A result shown for the first time; `live`: recorded just now, not replayed after a (re)connect. */
  onResult(result: ResultMessage, live: boolean): void;
  /** The replay is over: results missed while away may have changed the card. */
  onSynced(): void;
  /** The connection line: a kind for the page's style and its Chinese text. */
  onConnection(kind: 'connecting' | 'syncing' | 'live' | 'waiting' | 'offline' | 'closed', text: string): void;
  /** A notice above the feed, or undefined to hide it. */
  onNotice(text: string | undefined): void;
}

/**
 * One member stream in the console: PushClient over the browser's WebSocket, resumed from the position
 * this browser saved for (member, store), with the feed saved beside it. Resume, dedupe, backoff,
 * heartbeat and close policy are the client library's; this only keeps and shows.
 */
export class MemberStream {
  readonly feed: Feed;
  private readonly client: PushClient;
  /** Consecutive failed attempts since the stream was last live. */
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: MemberStreamOptions) {
    const saved = loadStream(options.memberId, options.storeId);
    this.feed = new Feed(30, saved.results);
    this.client = new PushClient({
      connect: browserConnect({ server: location.origin, memberId: options.memberId, storeId: options.storeId, token: options.token }),
      clock: systemClock,
      position: saved.position,
      onResult: (result, { replayed }) => {
        this.feed.add(result);
        options.onResult(result, !replayed);
      },
      onPosition: (position) => saveStream(options.memberId, options.storeId, { position, results: [...this.feed.entries] }),
      onSynced: ({ position, complete, resynced }) => {
        this.failures = 0;
        if (resynced) {
          this.feed.enter(position.epoch);
          saveStream(options.memberId, options.storeId, { position, results: [...this.feed.entries] });
        }
        options.onConnection('live', complete ? '已连接，实时接收' : '已连接（离线太久，部分旧消息已过期）');
        options.onNotice(resynced ? '服务器的数据已恢复或重建，已重新同步：下面是服务器现有的消息。' : undefined);
        options.onSynced();
      },
      onStatus: (status) => this.status(status),
    });
  }

  start(): void {
    this.client.start();
  }

  stop(): void {
    this.stopped = true;
    this.client.stop();
  }

  private status(status: ConnectionStatus): void {
    if (this.stopped) return;
    const { onConnection } = this.options;
    switch (status.state) {
      case 'connecting':
        return onConnection('connecting', this.failures > 0 ? `重新连接中（第 ${this.failures + 1} 次）…` : '连接中…');
      case 'syncing':
        return onConnection('syncing', '同步中…');
      case 'waiting':
        this.failures++;
        onConnection('waiting', `连接断开（${status.closeCode ?? status.refusedStatus ?? '-'}），${Math.ceil((status.retryInMs ?? 0) / 1000)} 秒后重连`);
        if (this.failures >= 2) void this.checkSession();
        return;
      case 'offline':
        return onConnection('offline', '网络已断开，恢复后自动重连');
      case 'stopped':
        return onConnection('closed', closedText(status.closeCode === undefined ? 'STOPPED' : (closeName(status.closeCode) ?? String(status.closeCode))));
      default:
        return;
    }
  }

  private async checkSession(): Promise<void> {
    if ((await this.options.sessionValid()) !== false || this.stopped) return;
    this.stop();
    this.options.onConnection('closed', closedText('SESSION_INVALID'));
  }
}

function closedText(name: string): string {
  if (name === 'SESSION_REVOKED' || name === 'SESSION_INVALID') return '连接已关闭：登录已失效，请重新登录';
  if (name === 'REPLACED') return '连接已关闭：同一会员打开的页面太多，本页已被替换';
  if (name === 'PROTOCOL_RETIRED') return '连接已关闭：页面版本过旧，请刷新页面';
  return `连接已关闭（${name}）`;
}
