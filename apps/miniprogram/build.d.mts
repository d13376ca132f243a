/** The host of the placeholder origin server-origins.ts ships with. */
export const PLACEHOLDER_HOST: string;
/**
 * Bundles @scanpush/shared, @scanpush/client (and /wx) and the QR matrix encoder as CommonJS into a
 * miniprogram_npm folder, with the development login (`@scanpush/dev-login`) unless `release`.
 */
export function buildNpm(outDir?: string, options?: { release?: boolean }): Promise<void>;
/** A release refused; `message` is the one-line reason. */
export class ReleaseRefused extends Error {}
/** The release build: removes `outDir`, checks the origins (ReleaseRefused), builds without the development login. */
export function buildRelease(outDir?: string, originsFile?: string): Promise<void>;
/** The SERVERS object of a server-origins.ts. */
export function readServerOrigins(file?: string): Promise<Record<string, string>>;
/** Why these origins cannot ship, or undefined when trial and release are real https origins. */
export function releaseOriginProblem(servers: Record<string, unknown> | undefined): string | undefined;
/** The project compiled file by file to CommonJS, as DevTools runs it, for miniprogram-simulate. */
export function buildForSimulate(outDir: string): Promise<void>;
