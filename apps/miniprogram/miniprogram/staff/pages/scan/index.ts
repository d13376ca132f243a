import type { ProductView } from '@scanpush/shared';
import { newIdempotencyKey } from '../../../lib/idempotency';
import { serverUrl } from '../../../lib/server';
import { STAFF_BIND_PAGE, forgetStaffKey, loadStaffKey, maskKey } from '../../../lib/staff-credential';
import type { ResultView } from '../../../lib/messages';
import { RECENT_MAX, loadProducts, productLabel, submitWrite, type PendingWrite, type RecentDeduction, type ScanOutcome } from './staff-scan';

interface ScanData {
  /** loading: reading the key from storage; ready: bound, can scan; unbound: sent to the bind page. */
  phase: 'loading' | 'ready' | 'unbound';
  maskedKey: string;
  /** 扫码扣次 (deduct) or 售卡/充值 (sell: pick a product, then scan). */
  mode: 'deduct' | 'sell';
  products: ProductView[];
  productLabels: string[];
  productIndex: number;
  /** Said in 售卡/充值 when the store sells nothing or the list could not be loaded. */
  productsNote: string;
  /** The last deductions this page made, newest first, each with 撤销. */
  recent: RecentDeduction[];
  /** The reason a reversal records; staff may change it. */
  reason: string;
  busy: boolean;
  result: ResultView | null;
  /** What a screen reader says for the result. */
  resultLabel: string;
  error: string;
  canRetry: boolean;
  canRebind: boolean;
}

const CLEAR = { busy: false, result: null, resultLabel: '', error: '', canRetry: false, canRebind: false };

interface Runtime {
  server: string;
  key?: string;
  pending?: PendingWrite;
  unloaded?: boolean;
}

// The shop staff's scan page: scan a member's QR to deduct, or pick a product and scan to sell (售卡/充值);
// undo one of the last deductions (撤销) with a reason. A phone without a staff key is sent to the bind page.
Component<ScanData, {}, WechatMiniprogram.Component.MethodOption, [], { rt: Runtime }, true>({
  data: { phase: 'loading', maskedKey: '', mode: 'deduct', products: [], productLabels: [], productIndex: 0, productsNote: '', recent: [], reason: '误扣', ...CLEAR },
  methods: {
    onLoad() {
      this.rt = { server: serverUrl() };
      void loadStaffKey(this.rt.server).then((key) => {
        if (this.rt.unloaded) return;
        if (!key) {
          this.setData({ phase: 'unbound' });
          wx.redirectTo({ url: STAFF_BIND_PAGE });
          return;
        }
        this.rt.key = key;
        this.setData({ phase: 'ready', maskedKey: maskKey(key) });
      });
    },
    onUnload() {
      this.rt.unloaded = true;
    },
    onMode(e: WechatMiniprogram.TouchEvent) {
      const mode = e.currentTarget.dataset.mode === 'sell' ? 'sell' : 'deduct';
      this.setData({ mode, ...CLEAR });
      if (mode === 'sell') void refreshProducts(this);
    },
    onProductChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ productIndex: Number(e.detail.value) });
    },
    onReasonInput(e: WechatMiniprogram.Input) {
      this.setData({ reason: e.detail.value });
    },
    onScan() {
      scanThen(this, (qr) => ({ path: '/api/scans', body: { qr }, idempotencyKey: newIdempotencyKey() }));
    },
    onSell() {
      const product = this.data.products[this.data.productIndex];
      if (!product) return;
      scanThen(this, (qr) => ({ path: '/api/sales', body: { qr, productId: product.id }, idempotencyKey: newIdempotencyKey() }));
    },
    onReverse(e: WechatMiniprogram.TouchEvent) {
      const ledgerId = Number(e.currentTarget.dataset.ledger);
      const reason = this.data.reason.trim();
      if (this.data.busy || !this.rt.key || !Number.isSafeInteger(ledgerId)) return;
      if (!reason) {
        this.setData({ ...CLEAR, error: '请先填写撤销原因' });
        return;
      }
      wx.showModal({
        title: '撤销这次扣次？',
        content: `次数将退回会员卡。原因：${reason}`,
        confirmText: '撤销',
        success: (res) => {
          if (!res.confirm || this.rt.unloaded) return;
          this.rt.pending = { path: '/api/reversals', body: { ledgerId, reason }, idempotencyKey: newIdempotencyKey() };
          void send(this);
        },
      });
    },
    onRetry() {
      if (this.rt.pending && !this.data.busy) void send(this);
    },
    onRebind() {
      wx.navigateTo({ url: STAFF_BIND_PAGE });
    },
    onUnbind() {
      forgetStaffKey();
      this.rt.key = undefined;
      this.rt.pending = undefined;
      this.setData({ phase: 'unbound', maskedKey: '', recent: [], ...CLEAR });
      wx.redirectTo({ url: STAFF_BIND_PAGE });
    },
  },
});

interface ScanPage {
  rt: Runtime;
  data: ScanData;
  setData(patch: Partial<ScanData>): void;
}

/** Opens the camera; the code it reads becomes the pending write `make` builds, sent at once. */
function scanThen(page: ScanPage, make: (qr: string) => PendingWrite): void {
  if (page.data.busy || !page.rt.key) return;
  wx.scanCode({
    onlyFromCamera: true,
    scanType: ['qrCode'],
    success: (res) => {
      page.rt.pending = make(res.result);
      void send(page);
    },
    fail: (err) => {
      // Closing the scanner is not an error worth a message.
      if (!/cancel/.test(err.errMsg)) page.setData({ ...CLEAR, error: '无法打开扫码，请检查相机权限' });
    },
  });
}

async function refreshProducts(page: ScanPage): Promise<void> {
  const { key, server } = page.rt;
  if (!key) return;
  try {
    const products = await loadProducts(server, key);
    if (page.rt.unloaded) return;
    const productIndex = Math.min(page.data.productIndex, Math.max(0, products.length - 1));
    page.setData({ products, productLabels: products.map(productLabel), productIndex, productsNote: products.length ? '' : '本店还没有可售的卡种' });
  } catch {
    if (!page.rt.unloaded) page.setData({ productsNote: '卡种加载失败，请切换后重试' });
  }
}

/** Sends the pending write and shows the outcome; one without a decision stays pending for 重试. */
async function send(page: ScanPage): Promise<void> {
  const { key, server, pending } = page.rt;
  if (!key || !pending) return;
  page.setData({ ...CLEAR, busy: true });
  const outcome = await submitWrite(server, key, pending);
  if (page.rt.unloaded) return;
  if (outcome.kind === 'retry') {
    page.setData({ busy: false, error: outcome.message, canRetry: true });
    return;
  }
  page.rt.pending = undefined;
  if (outcome.kind === 'result') {
    const view = outcome.view;
    page.setData({ busy: false, result: view, resultLabel: `${view.title}，${view.detail}`, recent: remember(page.data.recent, pending, outcome) });
    wx.vibrateShort({ type: view.ok ? 'light' : 'heavy' });
  } else {
    page.setData({ busy: false, error: outcome.message, canRebind: outcome.kind === 'rebind' });
  }
}

/** The recent deductions after an outcome: a new deduction on top; a reversal (or "already") marks its row. */
function remember(recent: RecentDeduction[], write: PendingWrite, outcome: Extract<ScanOutcome, { kind: 'result' }>): RecentDeduction[] {
  const { result, view } = outcome;
  if (write.path === '/api/scans' && result.name === 'OK' && result.ledgerId !== undefined) {
    const at = new Date(result.at);
    const time = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
    return [{ ledgerId: result.ledgerId, label: `${time} ${view.title} ${view.detail}`, reversed: false }, ...recent].slice(0, RECENT_MAX);
  }
  if (write.path === '/api/reversals' && (result.name === 'REVERSED' || result.name === 'ALREADY_REVERSED')) {
    return recent.map((row) => (row.ledgerId === write.body.ledgerId ? { ...row, reversed: true } : row));
  }
  return recent;
}
