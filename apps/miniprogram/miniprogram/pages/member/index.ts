import { INITIAL_DATA } from './member-data';
import { MemberScreen } from './member-screen';

// Written with Component() (WeChat runs pages built this way) so that miniprogram-simulate can load it.
Component<typeof INITIAL_DATA, {}, WechatMiniprogram.Component.MethodOption, [], { screen?: MemberScreen }, true>({
  data: { ...INITIAL_DATA },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      const page = this;
      this.screen = new MemberScreen({
        get data() {
          return page.data;
        },
        setData: (patch) => page.setData(patch),
        component: page,
      });
      // A store's 办卡 code scanned with WeChat's own scanner: its URL in `q` (URL-encoded, which the
      // entry's parser reads as it comes).
      void this.screen.open(query);
    },
    onShow() {
      this.screen?.show();
    },
    onHide() {
      this.screen?.hide();
    },
    onUnload() {
      this.screen?.close();
    },
    onReload() {
      void this.screen?.reload();
    },
    onCardChange(event: WechatMiniprogram.PickerChange) {
      void this.screen?.selectCard(Number(event.detail.value));
      this.screen?.notify.ask('auto');
    },
    onDismissResult() {
      this.screen?.dismissResult();
    },
    onReconnect() {
      this.screen?.reconnect();
    },
    onQrTap() {
      if (!this.data.qrExpired && !(!this.data.qrReady && this.data.qrError)) return;
      void this.screen?.retryQr();
      // After the refresh has started, and only on a tap that refreshes: a pop-up over a code being shown
      // would be in the way.
      this.screen?.notify.ask('auto');
    },
    // 订阅消息 may only be asked for synchronously inside a tap (lib/subscriptions.ts).
    onNotifyTap() {
      this.screen?.notify.ask('row');
    },
    onNotifySettings() {
      this.screen?.notify.openSettings();
    },
    onPullDownRefresh() {
      void this.screen?.pullDown();
    },
    onReachBottom() {
      void this.screen?.loadMoreHistory();
    },
    onLoadMore() {
      void this.screen?.loadMoreHistory();
    },
    onScanEntry() {
      void this.screen?.scanEntry();
    },
    onStaffEntry() {
      this.screen?.openStaffScan();
    },
  },
});
