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
    },
    onDismissResult() {
      this.screen?.dismissResult();
    },
    onReconnect() {
      this.screen?.reconnect();
    },
    onQrTap() {
      if (this.data.qrExpired || (!this.data.qrReady && this.data.qrError)) void this.screen?.retryQr();
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
