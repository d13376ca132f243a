import { isMerchantKey } from '@scanpush/shared';
import { newIdempotencyKey } from '../../lib/idempotency';
import { serverUrl } from '../../lib/server';
import type { ResultView } from '../../lib/messages';
import { MERCHANT_KEY_STORAGE, maskKey, submitScan, type PendingScan } from './merchant-scan';

interface MerchantData {
  bound: boolean;
  keyInput: string;
  maskedKey: string;
  bindError: string;
  busy: boolean;
  result: ResultView | null;
  error: string;
  canRetry: boolean;
}

const INITIAL: MerchantData = {
  bound: false,
  keyInput: '',
  maskedKey: '',
  bindError: '',
  busy: false,
  result: null,
  error: '',
  canRetry: false,
};

interface Runtime {
  server?: string;
  key?: string;
  pending?: PendingScan;
  unloaded?: boolean;
}

// The shop staff's page: bind the staff key once, then scan members' QR codes.
Component<MerchantData, {}, WechatMiniprogram.Component.MethodOption, [], { rt: Runtime }, true>({
  data: { ...INITIAL },
  methods: {
    onLoad() {
      this.rt = { server: serverUrl() };
      const stored: unknown = wx.getStorageSync(MERCHANT_KEY_STORAGE);
      if (typeof stored === 'string' && isMerchantKey(stored)) {
        this.rt.key = stored;
        this.setData({ bound: true, maskedKey: maskKey(stored) });
      }
    },
    onUnload() {
      this.rt.unloaded = true;
    },
    onKeyInput(event: WechatMiniprogram.Input) {
      this.setData({ keyInput: event.detail.value, bindError: '' });
    },
    onBind() {
      const key = this.data.keyInput.trim();
      if (!isMerchantKey(key)) {
        this.setData({ bindError: '密钥格式不对，应为 spk_ 开头的员工密钥' });
        return;
      }
      wx.setStorageSync(MERCHANT_KEY_STORAGE, key);
      this.rt.key = key;
      this.setData({ bound: true, keyInput: '', maskedKey: maskKey(key), bindError: '', error: '', result: null });
    },
    onUnbind() {
      wx.removeStorageSync(MERCHANT_KEY_STORAGE);
      this.rt.key = undefined;
      this.rt.pending = undefined;
      this.setData({ ...INITIAL });
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
          if (!/cancel/.test(err.errMsg)) this.setData({ error: '无法打开扫码，请检查相机权限', canRetry: false });
        },
      });
    },
    onRetry() {
      if (this.rt.pending && !this.data.busy) void send(this);
    },
  },
});

interface MerchantPage {
  rt: Runtime;
  data: MerchantData;
  setData(patch: Partial<MerchantData>): void;
}

/** Sends the pending scan and shows the outcome; a scan without a decision stays pending for 重试. */
async function send(page: MerchantPage): Promise<void> {
  const { key, server, pending } = page.rt;
  if (!key || !server || !pending) return;
  page.setData({ busy: true, error: '', canRetry: false, result: null });
  const outcome = await submitScan(server, key, pending);
  if (page.rt.unloaded) return;
  if (outcome.kind === 'retry') {
    page.setData({ busy: false, error: outcome.message, canRetry: true });
    return;
  }
  page.rt.pending = undefined;
  if (outcome.kind === 'result') {
    page.setData({ busy: false, result: outcome.view });
    wx.vibrateShort({ type: outcome.view.ok ? 'light' : 'heavy' });
  } else {
    page.setData({ busy: false, error: outcome.message });
  }
}
