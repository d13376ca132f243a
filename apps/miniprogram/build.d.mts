/** Bundles @scanpush/shared, @scanpush/client (and /wx) and the QR matrix encoder as CommonJS into a miniprogram_npm folder. */
export function buildNpm(outDir?: string): Promise<void>;
/** The project compiled file by file to CommonJS, as DevTools runs it, for miniprogram-simulate. */
export function buildForSimulate(outDir: string): Promise<void>;
