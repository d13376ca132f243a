import { parseStoreEntry, type CardView, type Decoded, type StoreSummary } from '@scanpush/shared';
import { ApiError } from '../../lib/api';
import { errorText } from '../../lib/messages';
import { cardFields, newCardFields, type MemberData } from './member-data';

/** Storage key of the store whose 办卡 entry a member scanned, per member (a phone may log in as another). */
function storageKey(memberId: number): string {
  return `scanpush.newCardStore.${memberId}`;
}

/** What the entry needs of the member screen. */
export interface EntryHost {
  /** This copy's server origin: an entry of another server is refused. */
  server: string;
  /** A member request, with the screen's session handling. */
  call<T>(path: string): Promise<T>;
  /** The member signed in, once the session is open. */
  memberId(): number | undefined;
}

/**
 * The store of a 办卡 entry (packages/shared store-entry.ts) the member scanned, with WeChat's scanner
 * (the `q` launch option) or 扫码办卡 (`wx.scanCode`): the member page shows it with the member's QR so
 * staff can sell the first card there. It is remembered in storage until the member holds a card at
 * that store, so reopening the mini-program still shows it. One store at a time: the latest entry wins.
 */
export class StoreEntry {
  /** The launch (`q` and `scancode_time`) taken last: onLoad's and the next onShow's are the same one. */
  private lastLaunch = '';

  constructor(private readonly host: EntryHost) {}

  /**
   * The entry text of a launch by WeChat's scanner (`q`), once per scan: the page reads its onLoad
   * query and, on each show, the enter options, since a hot start (the mini-program was in the
   * background) may show the open page again rather than load it anew. `scancode_time` tells two scans
   * of one code apart.
   */
  launched(query: Record<string, string | undefined> | undefined): string | undefined {
    const q = query?.q;
    if (q === undefined) return undefined;
    const launch = `${q}|${query?.scancode_time ?? ''}`;
    if (launch === this.lastLaunch) return undefined;
    this.lastLaunch = launch;
    return q;
  }

  /**
   * Reads an entry text and names its store (`GET /api/stores/:id`); remembers it for the member. A
   * refusal is a Chinese reason for the member, and leaves a store remembered before as it was.
   */
  async enter(text: string): Promise<Decoded<StoreSummary>> {
    const parsed = parseStoreEntry(text, this.host.server);
    if (!parsed.ok) return parsed;
    let store: StoreSummary;
    try {
      store = await this.host.call<StoreSummary>(`/api/stores/${parsed.value.storeId}`);
    } catch (err) {
      const unknown = err instanceof ApiError && err.code === 'NOT_FOUND';
      return { ok: false, reason: unknown ? '未找到这家门店，请向店员索取本店的办卡码' : errorText(err) };
    }
    const memberId = this.host.memberId();
    if (memberId !== undefined) wx.setStorageSync(storageKey(memberId), { id: store.id, name: store.name });
    return { ok: true, value: store };
  }

  /** 扫码办卡: reads a code with the camera (or from the album) and enters it; undefined when cancelled. */
  async scan(): Promise<Decoded<StoreSummary> | undefined> {
    let text: string | undefined;
    try {
      text = await scanCode();
    } catch {
      return { ok: false, reason: '无法打开扫码，请检查相机权限' };
    }
    return text === undefined ? undefined : this.enter(text);
  }

  /**
   * The remembered store where the member holds no card yet; one where `cards` has a card now is
   * forgotten (the card shows instead).
   */
  pending(cards: readonly CardView[]): StoreSummary | undefined {
    const memberId = this.host.memberId();
    if (memberId === undefined) return undefined;
    const stored: unknown = wx.getStorageSync(storageKey(memberId));
    const store = isStore(stored) ? stored : undefined;
    if (store && !cards.some((card) => card.storeId === store.id)) return store;
    if (stored !== '') wx.removeStorageSync(storageKey(memberId));
    return undefined;
  }
}

function isStore(value: unknown): value is StoreSummary {
  const v = value as Partial<StoreSummary> | null;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.id) && (v.id as number) > 0 && typeof v.name === 'string';
}

/** The picker's labels: the cards' stores, then the store without a card, marked as such. */
export function choiceLabels(cards: readonly CardView[], pending: StoreSummary | undefined): string[] {
  const labels = cards.map((card) => card.storeName);
  if (pending) labels.push(`${pending.name}（办卡）`);
  return labels;
}

/**
 * Which store the page shows: the one just entered, else the one on screen, else the remembered store
 * (the member was about to buy a card there), else the first card. The pending store's index is
 * `cards.length`, past the cards, as in `choiceLabels`.
 */
export function chooseIndex(cards: readonly CardView[], pending: StoreSummary | undefined, preferred: readonly number[]): number {
  for (const storeId of preferred) {
    const index = cards.findIndex((card) => card.storeId === storeId);
    if (index >= 0) return index;
    if (pending?.id === storeId) return cards.length;
  }
  return pending ? cards.length : 0;
}

/** The store at `index` of the picker (the store without a card past the cards), and its fields on the page. */
export function pickAt(
  cards: readonly CardView[],
  pending: StoreSummary | undefined,
  index: number,
): { storeId: number; fields: Partial<MemberData> } | undefined {
  const card = cards[index];
  if (card) return { storeId: card.storeId, fields: cardFields(card, Date.now()) };
  return pending && index === cards.length ? { storeId: pending.id, fields: newCardFields(pending) } : undefined;
}

/** The query of the launch or show that brought the mini-program to the front (base library 2.9.4). */
export function enterQuery(): Record<string, string | undefined> | undefined {
  if (typeof wx.getEnterOptionsSync !== 'function') return undefined;
  try {
    return wx.getEnterOptionsSync()?.query as Record<string, string | undefined> | undefined;
  } catch {
    return undefined;
  }
}

/** The text of a QR from the camera or the album; undefined when the member cancelled. */
function scanCode(): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      // The counter's code may also come as a picture in a chat: the album is allowed.
      scanType: ['qrCode'],
      success: (res) => resolve(res.result),
      fail: (err) => (/cancel/.test(err.errMsg) ? resolve(undefined) : reject(new Error(err.errMsg))),
    });
  });
}
