import { INITIAL_DATA } from './member-data';
import { MemberScreen } from './member-screen';

// Written with Component() (WeChat runs pages built this way) so that miniprogram-simulate can load it.
Component<typeof INITIAL_DATA, {}, WechatMiniprogram.Component.MethodOption, [], { screen?: MemberScreen }, true>({
  data: { ...INITIAL_DATA },
  methods: {
    onLoad() {
      const page = this;
      this.screen = new MemberScreen({
        get data() {
          return page.data;
        },
        setData: (patch) => page.setData(patch),
        component: page,
      });
      void this.screen.open();
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
    onStaffEntry() {
      this.screen?.openStaffScan();
    },
  },
});
