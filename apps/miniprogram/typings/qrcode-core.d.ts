// The `qrcode` package's matrix encoder alone (no canvas, no Node streams): what the mini-program needs
// to draw a QR itself. @types/qrcode describes only the package's top-level API.
declare module 'qrcode/lib/core/qrcode' {
  export interface BitMatrix {
    size: number;
    /** 1 for a dark module. */
    get(row: number, col: number): number;
  }
  export interface QRCodeSymbol {
    modules: BitMatrix;
    version: number;
    maskPattern: number;
    segments: Array<{ mode: { id: string }; data: string }>;
  }
  export function create(
    data: string | Array<{ data: string; mode: 'numeric' | 'alphanumeric' }>,
    options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H'; version?: number; maskPattern?: number },
  ): QRCodeSymbol;
}
