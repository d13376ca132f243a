import jsQR from 'jsqr';

/**
 * WeChat's Canvas 2D node, as far as the QR drawing uses it, over a real RGBA pixel buffer: what the page
 * draws is rasterised here and can be read back by a QR decoder, as a phone camera would.
 */
export class RasterCanvas {
  private pixels = new Uint8ClampedArray(0);
  private w = 0;
  private h = 0;
  private scaleX = 1;
  private scaleY = 1;
  private fill: [number, number, number] = [0, 0, 0];
  /** How many times the canvas was drawn from scratch (a full-size fill). */
  paints = 0;

  get width(): number {
    return this.w;
  }
  set width(value: number) {
    this.w = Math.floor(value);
    this.reset();
  }
  get height(): number {
    return this.h;
  }
  set height(value: number) {
    this.h = Math.floor(value);
    this.reset();
  }

  getContext(kind: string) {
    if (kind !== '2d') throw new Error(`only the 2d context is drawn here, not ${kind}`);
    const canvas = this;
    return {
      get fillStyle(): string {
        return `#${canvas.fill.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
      },
      set fillStyle(value: string) {
        canvas.fill = parseColor(value);
      },
      fillRect: (x: number, y: number, width: number, height: number) => this.fillRect(x, y, width, height),
      clearRect: (x: number, y: number, width: number, height: number) => {
        const saved = this.fill;
        this.fill = [255, 255, 255];
        this.fillRect(x, y, width, height);
        this.fill = saved;
      },
      scale: (x: number, y: number) => {
        this.scaleX *= x;
        this.scaleY *= y;
      },
      setTransform: (a: number, _b: number, _c: number, d: number) => {
        this.scaleX = a;
        this.scaleY = d;
      },
    };
  }

  /** The QR text a decoder reads from the pixels, or undefined when none is found. */
  decode(): string | undefined {
    return jsQR(this.pixels, this.w, this.h, { inversionAttempts: 'dontInvert' })?.data;
  }

  private reset(): void {
    // Setting a canvas's size clears it (transparent, read as white here) and resets its transform.
    this.pixels = new Uint8ClampedArray(this.w * this.h * 4).fill(255);
    this.scaleX = 1;
    this.scaleY = 1;
  }

  private fillRect(x: number, y: number, width: number, height: number): void {
    const x0 = Math.max(0, Math.round(x * this.scaleX));
    const y0 = Math.max(0, Math.round(y * this.scaleY));
    const x1 = Math.min(this.w, Math.round((x + width) * this.scaleX));
    const y1 = Math.min(this.h, Math.round((y + height) * this.scaleY));
    if (x0 === 0 && y0 === 0 && x1 === this.w && y1 === this.h) this.paints++;
    for (let row = y0; row < y1; row++) {
      for (let col = x0; col < x1; col++) {
        const i = (row * this.w + col) * 4;
        this.pixels[i] = this.fill[0];
        this.pixels[i + 1] = this.fill[1];
        this.pixels[i + 2] = this.fill[2];
        this.pixels[i + 3] = 255;
      }
    }
  }
}

function parseColor(value: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(value)?.[1];
  if (hex) return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const short = /^#([0-9a-f]{3})$/i.exec(value)?.[1];
  if (short) return [...short].map((c) => parseInt(c + c, 16)) as [number, number, number];
  if (value === 'black') return [0, 0, 0];
  if (value === 'white') return [255, 255, 255];
  throw new Error(`colour not understood by the test canvas: ${value}`);
}
