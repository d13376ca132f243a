/**
 * Tells `listener` whether the phone has a network: once from `wx.getNetworkType` at the start (unless
 * a change came first), then on every `wx.onNetworkStatusChange`. Returns the function that stops it;
 * after that nothing more is reported, also on a base library without `offNetworkStatusChange` (before
 * 2.9.3), where the listener cannot be removed and is silenced instead.
 */
export function watchNetwork(listener: (online: boolean) => void): () => void {
  let stopped = false;
  let changed = false;
  const onChange: WechatMiniprogram.OnNetworkStatusChangeCallback = (res) => {
    changed = true;
    if (!stopped) listener(res.isConnected);
  };
  wx.onNetworkStatusChange(onChange);
  wx.getNetworkType({
    success: (res) => {
      if (!stopped && !changed) listener(res.networkType !== 'none');
    },
  });
  return () => {
    stopped = true;
    // The typings give off's listener another parameter type; it is the same function object on WeChat.
    if (typeof wx.offNetworkStatusChange === 'function') wx.offNetworkStatusChange(onChange as unknown as WechatMiniprogram.OffNetworkStatusChangeCallback);
  };
}
