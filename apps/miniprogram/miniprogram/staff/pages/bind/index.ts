import { parseStaffBinding } from '@scanpush/shared';
import { errorText } from '../../../lib/messages';
import { serverUrl } from '../../../lib/server';
import { STAFF_SCAN_PAGE, forgetStaffKey, loadStaffKey, maskKey, saveStaffKey } from '../../../lib/staff-credential';
import { joinWithInvite } from '../../../lib/staff-join';

interface BindData {
  /** checking: reading storage; unbound; binding: redeeming an invite or saving; bound: this phone holds a key. */
  phase: 'checking' | 'unbound' | 'binding' | 'bound';
  maskedKey: string;
  error: string;
  /** The collapsed 手动输入密钥 fallback. */
  showManual: boolean;
  keyInput: string;
}

interface Runtime {
  server: string;
  unloaded?: boolean;
}

// Binds this phone to a staff key. Reached three ways: WeChat's own scanner on an invite or binding QR
// (the 扫普通链接二维码打开小程序 rule opens this page with the URL in `q`), 扫码绑定 here, or the typed
// key. An invite QR is redeemed at the server for a key of this phone's own; a binding QR carries a key.
Component<BindData, {}, WechatMiniprogram.Component.MethodOption, [], { rt: Runtime }, true>({
  data: { phase: 'checking', maskedKey: '', error: '', showManual: false, keyInput: '' },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.rt = { server: serverUrl() };
      // WeChat hands the QR's text URL-encoded, once.
      const launched = query.q === undefined ? undefined : safeDecode(query.q);
      if (launched !== undefined) {
        void bind(this, launched);
        return;
      }
      void loadStaffKey(this.rt.server).then((key) => {
        if (this.rt.unloaded) return;
        this.setData(key ? { phase: 'bound', maskedKey: maskKey(key) } : { phase: 'unbound' });
      });
    },
    onUnload() {
      this.rt.unloaded = true;
    },
    onScanBind() {
      if (this.data.phase === 'binding') return;
      wx.scanCode({
        // A binding QR may arrive as a picture in a chat: the album is allowed here.
        scanType: ['qrCode'],
        success: (res) => void bind(this, res.result),
        fail: (err) => {
          if (!/cancel/.test(err.errMsg)) this.setData({ error: '无法打开扫码，请检查相机权限' });
        },
      });
    },
    onToggleManual() {
      this.setData({ showManual: !this.data.showManual, error: '' });
    },
    onKeyInput(event: WechatMiniprogram.Input) {
      this.setData({ keyInput: event.detail.value, error: '' });
    },
    onManualBind() {
      void bind(this, this.data.keyInput);
    },
    onGoScan() {
      wx.redirectTo({ url: STAFF_SCAN_PAGE });
    },
    onUnbind() {
      forgetStaffKey();
      this.setData({ phase: 'unbound', maskedKey: '', error: '' });
    },
  },
});

interface BindPage {
  rt: Runtime;
  data: BindData;
  setData(patch: Partial<BindData>): void;
}

/**
 * Binds from a scanned or typed text; on success goes on to the scan page. An invite is redeemed first:
 * its key is saved even if the page was closed meanwhile, since the invite is spent.
 */
async function bind(page: BindPage, text: string): Promise<void> {
  const parsed = parseStaffBinding(text, page.rt.server);
  const idle = page.data.phase === 'bound' ? 'bound' : 'unbound';
  if (!parsed.ok) {
    page.setData({ phase: idle, error: parsed.reason });
    return;
  }
  page.setData({ phase: 'binding', error: '' });
  let key: string;
  if (parsed.binding.kind === 'invite') {
    try {
      key = (await joinWithInvite(page.rt.server, parsed.binding.code)).key;
    } catch (err) {
      if (!page.rt.unloaded) page.setData({ phase: idle, error: errorText(err) });
      return;
    }
  } else {
    key = parsed.binding.key;
  }
  try {
    await saveStaffKey(page.rt.server, key);
  } catch {
    if (!page.rt.unloaded) page.setData({ phase: 'unbound', error: '保存员工密钥失败，请重试' });
    return;
  }
  if (page.rt.unloaded) return;
  page.setData({ phase: 'bound', maskedKey: maskKey(key), keyInput: '', showManual: false });
  wx.redirectTo({ url: STAFF_SCAN_PAGE });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
