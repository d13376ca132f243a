import { newIdempotencyKey } from '../../../lib/idempotency';
import { serverUrl } from '../../../lib/server';
import { STAFF_BIND_PAGE, forgetStaffKey, loadStaffKey, maskKey } from '../../../lib/staff-credential';
import type { ResultView } from '../../../lib/messages';
import { submitScan, type PendingScan } from './staff-scan';

interface ScanData {
  /** loading: reading the key from storage; ready: bound, can scan; unbound: sent to the bind page. */
  phase: 'loading' | 'ready' | 'unbound';
  maskedKey: string;
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
  pending?: PendingScan;
  unloaded?: boolean;
}

// The shop staff's scan page: scan a member's QR, see the result. A phone without a staff key is sent
// to the bind page.
Component<ScanData, {}, WechatMiniprogram.Component.MethodOption, [], { rt: Runtime }, true>({
  data: { phase: 'loading', maskedKey: '', ...CLEAR },
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
    onScan() {
      if (this.data.busy || !this.rt.key) return;
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['qrCode'],
        success: (res) => {
          this.rt.pending = { qr: res.result, idempotencyKey: newIdempotencyKey() };
          void send(this);
        },
        fail: (err) => {
          // Closing the scanner is not an error worth a message.
          if (!/cancel/.test(err.errMsg)) this.setData({ ...CLEAR, error: '无法打开扫码，请检查相机权限' });
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
      this.setData({ phase: 'unbound', maskedKey: '', ...CLEAR });
      wx.redirectTo({ url: STAFF_BIND_PAGE });
    },
  },
});

interface ScanPage {
  rt: Runtime;
  data: ScanData;
  setData(patch: Partial<ScanData>): void;
}

/** Sends the pending scan and shows the outcome; a scan without a decision stays pending for 重试. */
async function send(page: ScanPage): Promise<void> {
  const { key, server, pending } = page.rt;
  if (!key || !pending) return;
  page.setData({ ...CLEAR, busy: true });
  const outcome = await submitScan(server, key, pending);
  if (page.rt.unloaded) return;
  if (outcome.kind === 'retry') {
    page.setData({ busy: false, error: outcome.message, canRetry: true });
    return;
  }
  page.rt.pending = undefined;
  if (outcome.kind === 'result') {
    const view = outcome.view;
    page.setData({ busy: false, result: view, resultLabel: `${view.title}，${view.detail}` });
    wx.vibrateShort({ type: view.ok ? 'light' : 'heavy' });
  } else {
    page.setData({ busy: false, error: outcome.message, canRebind: outcome.kind === 'rebind' });
  }
}
