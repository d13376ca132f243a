/** The member's 到店消费提醒 row: what it says, and whether the 去设置 hint shows. */
export interface NotifyView {
  status: string;
  /** WeChat will not ask (main switch off, the template banned or always refused): how to turn it on. */
  blocked: boolean;
  /** A failed report or request, said once under the row; '' otherwise. */
  notice: string;
}

/** `GET /api/notify/settings`. */
interface NotifySettings {
  enabled: boolean;
  templateIds: string[];
  credits: Record<string, number>;
}

export interface SubscriptionHost {
  /** A member request, with the screen's session handling. */
  call<T>(path: string, init?: { body?: object }): Promise<T>;
  set(patch: { notify: NotifyView | null }): void;
  now(): number;
}

/** Automatic asks (the QR refresh tap, a card switch) at most this often; the row asks at every tap. */
export const AUTO_ASK_INTERVAL_MS = 60_000;
/** WeChat's errCode for a request made while the member's 订阅消息 main switch is off. */
const MAIN_SWITCH_OFF = 20004;

/**
 * WeChat subscription messages (订阅消息) for the member page: the member's consent asked where they tap
 * anyway, reported to the server, and the credits shown.
 *
 * Contract: `ask` calls `wx.requestSubscribeMessage` synchronously, at most once per call, so it must be
 * called synchronously from a tap handler (WeChat refuses a request after an await). Each 'accept' is
 * one send for the server; nothing here waits on the QR or holds it up: a failure only changes the row.
 */
export class Subscriptions {
  private templateIds: string[] = [];
  private credits: Record<string, number> = {};
  private loading: Promise<void> | undefined;
  private loaded = false;
  private blocked = false;
  /** The member answered 'reject' to a pop-up on this page: automatic taps stop asking. */
  private refused = false;
  private lastAutoAsk = -Infinity;
  private notice = '';

  constructor(private readonly host: SubscriptionHost) {}

  /** Reads the server's settings and WeChat's, once (again after a failure); off on the server, nothing shows. */
  load(): Promise<void> {
    if (this.loaded || this.loading) return this.loading ?? Promise.resolve();
    const loading = (async () => {
      try {
        const settings = await this.host.call<NotifySettings>('/api/notify/settings');
        if (!settings.enabled || settings.templateIds.length === 0) return;
        this.templateIds = settings.templateIds;
        this.credits = settings.credits;
        this.loaded = true;
        this.show();
        this.readSetting();
      } catch {
        // A convenience: the next card load tries again.
      } finally {
        this.loading = undefined;
      }
    })();
    this.loading = loading;
    return loading;
  }

  /** WeChat's 订阅消息 settings again (the member may have changed them in ··· → 设置 meanwhile). */
  readSetting(): void {
    if (!this.loaded || typeof wx.getSetting !== 'function') return;
    wx.getSetting({
      withSubscriptions: true,
      success: (res) => this.applySetting(res.subscriptionsSetting),
    });
  }

  /**
   * A tap: `row` is the 到店消费提醒 row itself (always asks; blocked, it opens the settings instead),
   * `auto` a tap made for something else (asks at most once a minute, and not after a refusal here).
   */
  ask(source: 'row' | 'auto'): void {
    if (!this.loaded) return;
    if (source === 'row' && this.blocked) return this.openSettings();
    if (source === 'auto') {
      const now = this.host.now();
      if (this.blocked || this.refused || now - this.lastAutoAsk < AUTO_ASK_INTERVAL_MS) return;
      this.lastAutoAsk = now;
    }
    const tmplIds = this.templateIds;
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => void this.report(tmplIds, res),
      fail: (err) => {
        if (err.errCode === MAIN_SWITCH_OFF) {
          this.blocked = true;
          this.show();
        } else if (source === 'row') {
          this.show('未能开启，请稍后再试');
        }
      },
    });
  }

  /** 去设置: WeChat's settings page (must come from a tap too); what the member changed there shows on return. */
  openSettings(): void {
    if (typeof wx.openSetting !== 'function') return;
    wx.openSetting({
      withSubscriptions: true,
      success: (res) => this.applySetting(res.subscriptionsSetting),
    });
  }

  private async report(tmplIds: string[], res: Record<string, string>): Promise<void> {
    const results: Record<string, string> = {};
    for (const id of tmplIds) if (typeof res[id] === 'string') results[id] = res[id]!;
    if (tmplIds.some((id) => results[id] === 'ban')) this.blocked = true;
    const accepted = tmplIds.some((id) => results[id] === 'accept');
    this.refused = !accepted && tmplIds.every((id) => results[id] === 'reject');
    if (!accepted) return this.show();
    try {
      const answer = await this.host.call<{ credits: Record<string, number> }>('/api/notify/subscriptions', { body: { results } });
      this.credits = answer.credits;
      this.show();
    } catch {
      this.show('网络不佳，提醒未能开启，请重试');
    }
  }

  private applySetting(setting: WechatMiniprogram.SubscriptionsSetting | undefined): void {
    if (!setting) return;
    const items = (setting.itemSettings ?? {}) as Record<string, string>;
    // 'reject' here is a refusal the member asked WeChat to keep: the pop-up never shows again.
    this.blocked = !setting.mainSwitch || this.templateIds.some((id) => items[id] === 'ban' || items[id] === 'reject');
    this.show();
  }

  private show(notice = ''): void {
    this.notice = notice;
    this.host.set({ notify: notifyView(this.templateIds, this.credits, this.blocked, this.notice) });
  }
}

/**
 * The row for the credits held: the fewest of the configured templates (each result needs one of its
 * template's credits, so that is how many results can still be told).
 */
export function notifyView(templateIds: string[], credits: Record<string, number>, blocked: boolean, notice = ''): NotifyView {
  const count = Math.min(...templateIds.map((id) => credits[id] ?? 0));
  const status = count > 0 ? `已开启，可提醒 ${count} 次` : blocked ? '未开启 · 去设置' : '未开启 · 点击开启';
  return { status, blocked, notice };
}
