import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQR from 'jsqr';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

/** Debian's chromium package; scripts/ensure-system-deps.sh installs it. Never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the tests leave screenshots for a person to look at (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  page: Page;
  /**
   * Uncaught exceptions and console errors of its pages (CSP violations among them), except Chromium's
   * line for each 4xx answer, which the console provokes on purpose.
   */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Real Chromium with a fresh profile (its own user-data-dir, removed on close). `args` adds switches,
 * such as the fake camera's.
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (scripts/ensure-system-deps.sh does, as root)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'scanpush-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...args],
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  });
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(`uncaught: ${error.error().message}`));
  context.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-output/console/NAME.png, or at `path` when given. */
export async function snapshot(page: Page, name: string, path = join(SCREENSHOTS, `${name}.png`)): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  // Animations (the result's highlight) are run to their end, so the picture shows the settled state.
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** Reads the QR code in a PNG image; throws when there is none. */
export function decodeQrPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  // jsqr is CommonJS typed as an ES module: under NodeNext its function sits on `.default`.
  const code = jsQR.default(pixels, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  if (!code?.data) throw new Error('no QR code in the image');
  return code.data;
}
