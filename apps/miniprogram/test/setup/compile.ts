import { join } from 'node:path';
import { buildForSimulate } from '../../build.mjs';

/** Where the tests load the compiled pages from. */
export const BUILD_DIR = join(import.meta.dirname, '..', '..', '.build');

// miniprogram-simulate runs a page with Node's own require, which cannot load TypeScript: compile the
// project first, once per test run, so the tests pass from a fresh clone without a manual build.
export default async function compile(): Promise<void> {
  await buildForSimulate(BUILD_DIR);
}
