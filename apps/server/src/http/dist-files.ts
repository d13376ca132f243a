import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AppError } from '../errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const HTML_TYPE = CONTENT_TYPES['.html']!;

// One path segment of ordinary characters: no way to name a file outside dist/.
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Headers of every file of a built browser app: revalidated on each load, never sniffed, no referrer. */
export const DIST_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * The files of a browser app built into `distDir` (apps/console, apps/office), read on each request so a
 * rebuild shows without a restart. `label` names the app in the refusals ("console", "back office").
 */
export function distFiles(distDir: string, label: string) {
  return {
    /** index.html; UNAVAILABLE, saying what to run, when the app was not built. */
    async page(): Promise<Uint8Array<ArrayBuffer>> {
      const path = join(distDir, 'index.html');
      const body = await readOptional(path);
      if (!body) {
        throw new AppError('UNAVAILABLE', `The scanpush ${label} is not built: run \`npx -y pnpm@12.4.2 build\` in the repository, then reload (looked for ${path})`);
      }
      return body;
    },
    /** One asset by its file name, with its content type; NOT_FOUND for anything else. */
    async asset(name: string): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> {
      const type = CONTENT_TYPES[extname(name)];
      const body = ASSET_NAME.test(name) && type ? await readOptional(join(distDir, name)) : undefined;
      if (!body || !type) throw new AppError('NOT_FOUND', `No such ${label} file`);
      return { body, type };
    },
  };
}

async function readOptional(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
