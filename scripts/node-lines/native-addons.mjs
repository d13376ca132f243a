// The native addons of node_modules, built once per Node line from that line's own headers, cached by ABI
// and pnpm package directory (name, version, patch), and put in place only while that line's tests run.
// esbuild and rollup need none of this: esbuild is a plain executable, rollup's addon is Node-API.
//
// Why a swap and not a loader hook: some processes the tests start get an environment of their own (the
// bench's server: PATH and its settings only), so nothing but the file at build/Release reaches all of them.
// Every swap is a rename (a running process keeps the file it mapped), and the machine's builds are kept in
// the cache first, put back after each line, at exit and on SIGINT/SIGTERM, and on the next run if a killed
// run left a line's build behind.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The node-gyp the build runs, pinned like pnpm. 12.x still runs on Node 20; 13 needs 22.
const NODE_GYP = 'node-gyp@12.4.0';

/**
 * Every package pnpm built from source (a binding.gyp and a build/Release with addons in it), with the
 * addon files a Node line must have its own build of.
 */
export function findNativeAddons(root) {
  const store = join(root, 'node_modules', '.pnpm');
  const found = [];
  for (const entry of readdirSync(store)) {
    const modules = join(store, entry, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const name of readdirSync(modules)) {
      const dirs = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)];
      for (const dir of dirs) {
        // A package's own directory is real; the links beside it are its dependencies, found at their home.
        if (lstatSync(dir).isSymbolicLink()) continue;
        const release = join(dir, 'build', 'Release');
        if (!existsSync(join(dir, 'binding.gyp')) || !existsSync(release)) continue;
        const files = readdirSync(release).filter((f) => f.endsWith('.node'));
        if (files.length === 0) continue;
        const { name: pkgName, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        found.push({ name: pkgName, version, pnpmId: entry, dir, nodePath: modules, files });
      }
    }
  }
  return found;
}

/** The ABI (NODE_MODULE_VERSION) of a node binary. */
export function abiOf(nodeBin) {
  return execFileSync(nodeBin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
}

const cacheDir = (cache, addon, abi) => join(cache, 'addons', addon.pnpmId, `abi${abi}-${process.platform}-${process.arch}`);
const hasAll = (dir, addon) => addon.files.every((f) => existsSync(join(dir, f)));

/** Replaces the files of build/Release with those of `from`, each in one rename. */
function install(addon, from) {
  for (const f of addon.files) {
    const target = join(addon.dir, 'build', 'Release', f);
    copyFileSync(join(from, f), `${target}.node-lines`);
    renameSync(`${target}.node-lines`, target);
  }
}

/** Whether this process (the machine's node) can load the addon at build/Release. */
function loadsHere(addon) {
  try {
    process.dlopen({ exports: {} }, join(addon.dir, 'build', 'Release', addon.files.find((f) => !f.startsWith('test_')) ?? addon.files[0]));
    return true;
  } catch (err) {
    return !/NODE_MODULE_VERSION/.test(String(err?.message));
  }
}

/**
 * Keeps the machine's build of every addon in the cache (once), putting it back first if a killed run
 * left a line's build at build/Release. Returns the function that puts the machine's builds back.
 */
export function guardMachineAddons(cache, addons) {
  const abi = process.versions.modules;
  for (const addon of addons) {
    const kept = cacheDir(cache, addon, abi);
    if (!loadsHere(addon)) {
      if (!hasAll(kept, addon)) throw new Error(`${addon.dir}/build/Release is not for this node and no copy is kept: run pnpm rebuild ${addon.name}`);
      install(addon, kept);
      console.log(`node-lines: put the machine's ${addon.name} back (a run was cut short)`);
    } else if (!hasAll(kept, addon)) {
      mkdirSync(dirname(kept), { recursive: true });
      const tmp = mkdtempSync(join(dirname(kept), '.keep-'));
      for (const f of addon.files) copyFileSync(join(addon.dir, 'build', 'Release', f), join(tmp, f));
      rmSync(kept, { recursive: true, force: true });
      renameSync(tmp, kept);
    }
  }
  return () => {
    for (const addon of addons) install(addon, cacheDir(cache, addon, abi));
  };
}

/** Puts the line's build of every addon at build/Release (built first if the cache has none). */
export function useLineAddons(cache, addons, nodeDir, label) {
  const abi = abiOf(join(nodeDir, 'bin', 'node'));
  for (const addon of addons) {
    const built = cacheDir(cache, addon, abi);
    if (!hasAll(built, addon)) build(addon, nodeDir, built, label);
    install(addon, built);
  }
}

/**
 * Compiles a copy of the package (never the checkout's own: node-gyp rebuilds where it runs) under the
 * line's node and headers (`npm_config_nodedir`), into `into` in one rename.
 */
function build(addon, nodeDir, into, label) {
  mkdirSync(dirname(into), { recursive: true });
  const tmp = mkdtempSync(join(dirname(into), '.build-'));
  const started = Date.now();
  process.stdout.write(`node-lines: building ${addon.name}@${addon.version} for ${label} … `);
  try {
    const src = join(tmp, 'src');
    cpSync(addon.dir, src, { recursive: true, filter: (from) => from === addon.dir || !/^(build|node_modules)$/.test(from.slice(addon.dir.length + 1)) });
    if (lstatSync(src).isSymbolicLink() || !existsSync(join(src, 'binding.gyp'))) throw new Error(`${addon.dir} did not copy into ${src}`);
    try {
      execFileSync('npx', ['-y', NODE_GYP, 'rebuild', '--release', '--jobs', 'max'], {
        cwd: src,
        // PATH: node-gyp and the scripts binding.gyp runs use the line's node; NODE_PATH: a binding.gyp that
        // asks node for a dependency (node-addon-api) finds the package's pnpm siblings from the copy.
        env: { ...process.env, PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir, NODE_PATH: addon.nodePath },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      const log = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').slice(-30).join('\n');
      throw new Error(`node-gyp could not build ${addon.name}@${addon.version} for ${label}; the end of its log:\n${log}`);
    }
    const out = join(tmp, 'out');
    mkdirSync(out);
    for (const f of addon.files) cpSync(join(src, 'build', 'Release', f), join(out, f));
    rmSync(into, { recursive: true, force: true });
    renameSync(out, into);
    console.log(`${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
