// The phone's screen while a member shows a code: as bright as it goes and kept on, as every 付款码 and
// 会员码 page does (in a bright car-wash bay a dim screen decides whether the scanner reads it at all).

/** The brightness while a code is on screen: the brightest. */
const CODE_BRIGHTNESS = 1;

/**
 * Raises the brightness and keeps the screen on while `brighten()` holds, and gives the member's own
 * brightness back on `restore()`. Both are idempotent; call them whenever what the page shows changes.
 *
 * The brightness before is read (`getScreenBrightness`) before it is raised, so it can be given back; a
 * phone that cannot say is left at its own brightness rather than stuck at full. An answer that comes
 * after `restore()` (or after a later `brighten()`) is ignored, so a quick hide/show never saves the
 * raised value as the member's own.
 */
export class ScreenKeeper {
  private bright = false;
  /** Bumped on every change: an answer of an earlier turn is stale. */
  private turn = 0;
  /** The member's brightness before this page raised it; undefined until it was read and raised. */
  private saved: number | undefined;

  brighten(): void {
    if (this.bright) return;
    this.bright = true;
    const turn = ++this.turn;
    keepOn(true);
    if (typeof wx.getScreenBrightness !== 'function' || typeof wx.setScreenBrightness !== 'function') return;
    wx.getScreenBrightness({
      success: ({ value }) => {
        if (turn !== this.turn) return;
        this.saved = value;
        wx.setScreenBrightness({ value: CODE_BRIGHTNESS, fail: () => undefined });
      },
      // Not knowing the member's brightness, it is not changed: it could not be given back.
      fail: () => undefined,
    });
  }

  restore(): void {
    if (!this.bright) return;
    this.bright = false;
    this.turn++;
    keepOn(false);
    const saved = this.saved;
    this.saved = undefined;
    if (saved !== undefined && typeof wx.setScreenBrightness === 'function') wx.setScreenBrightness({ value: saved, fail: () => undefined });
  }
}

function keepOn(keepScreenOn: boolean): void {
  if (typeof wx.setKeepScreenOn === 'function') wx.setKeepScreenOn({ keepScreenOn, fail: () => undefined });
}

/** Device pixels per CSS pixel: `getWindowInfo` (base library 2.20.1+), else the older `getSystemInfoSync`. */
export function pixelRatio(): number {
  if (typeof wx.getWindowInfo === 'function') return wx.getWindowInfo().pixelRatio;
  return wx.getSystemInfoSync().pixelRatio;
}
