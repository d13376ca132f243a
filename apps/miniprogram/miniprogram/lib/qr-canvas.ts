import { drawQr, type QrContext } from './qr-draw';
import { qrMatrix } from './qr-matrix';

/**
 * Draws `text` as a QR on the `<canvas type="2d">` matching `selector` inside `component`, sized in
 * device pixels (CSS size × pixel ratio) so modules stay sharp. Resolves false when the canvas is not
 * rendered (e.g. hidden behind a `wx:if`).
 */
export function drawQrOnCanvas(component: WechatMiniprogram.Component.TrivialInstance, selector: string, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    wx.createSelectorQuery()
      .in(component)
      .select(selector)
      .fields({ node: true, size: true }, () => undefined)
      .exec((res: Array<{ node?: WechatMiniprogram.Canvas; width?: number } | null>) => {
        const hit = res[0];
        if (!hit?.node || !hit.width) return resolve(false);
        const pixels = Math.floor(hit.width * wx.getWindowInfo().pixelRatio);
        hit.node.width = pixels;
        hit.node.height = pixels;
        drawQr(hit.node.getContext('2d') as unknown as QrContext, qrMatrix(text), pixels);
        resolve(true);
      });
  });
}
