import { drawQr, type QrContext } from './qr-draw';
import { qrMatrix } from './qr-matrix';
import { pixelRatio } from './screen';

/**
 * Draws `text` as a QR on the `<canvas type="2d">` matching `selector` inside `component`, sized in
 * device pixels (CSS size × pixel ratio) so modules stay sharp. Resolves false when the canvas is not
 * rendered (e.g. hidden behind a `wx:if`).
 */
export function drawQrOnCanvas(component: WechatMiniprogram.Component.TrivialInstance, selector: string, text: string): Promise<boolean> {
  return withCanvas(component, selector, (ctx, pixels) => drawQr(ctx, qrMatrix(text), pixels));
}

/**
 * Paints the canvas plain white: an expired code must not stay readable under its mask (a camera reads
 * through a translucent overlay, and the server would refuse it at the counter anyway).
 */
export function clearQrCanvas(component: WechatMiniprogram.Component.TrivialInstance, selector: string): Promise<boolean> {
  return withCanvas(component, selector, (ctx, pixels) => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, pixels, pixels);
  });
}

function withCanvas(
  component: WechatMiniprogram.Component.TrivialInstance,
  selector: string,
  paint: (ctx: QrContext, pixels: number) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    wx.createSelectorQuery()
      .in(component)
      .select(selector)
      .fields({ node: true, size: true }, () => undefined)
      .exec((res: Array<{ node?: WechatMiniprogram.Canvas; width?: number } | null>) => {
        const hit = res[0];
        if (!hit?.node || !hit.width) return resolve(false);
        const pixels = Math.floor(hit.width * pixelRatio());
        hit.node.width = pixels;
        hit.node.height = pixels;
        paint(hit.node.getContext('2d') as unknown as QrContext, pixels);
        resolve(true);
      });
  });
}
