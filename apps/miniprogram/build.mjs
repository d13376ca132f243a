// Makes the mini-program's packages loadable by WeChat DevTools, and the pages loadable by tests.
//
// DevTools compiles the pages' TypeScript itself (project.config.json: useCompilerPlugins typescript) and
// resolves a package name from `miniprogram/miniprogram_npm/<name>`, as CommonJS. The workspace's
// @scanpush/shared and @scanpush/client (with its `wx` connector) are TypeScript ESM source, so they are
// bundled here into that folder, as is the `qrcode` package's matrix encoder. DevTools runs this itself
// (project.config.json `scripts`): `node build.mjs` before compiling and previewing, `node build.mjs
// --release` before uploading. By hand: `pnpm --filter @scanpush/miniprogram build`.
//
// Two kinds of build. A development build adds the development login (dev/dev-login.ts) as
// `@scanpush/dev-login`. A release build writes that module without it, and first checks that the trial
// and release server origins (miniprogram/lib/server-origins.ts) are real https origins: it refuses the
// placeholder, leaving no miniprogram_npm behind, so a failed check cannot leave a development build in
// place to be uploaded.
import { createRequire } from 'node:module';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const APP_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = join(APP_DIR, 'miniprogram');
const ORIGINS_FILE = join(SOURCE_DIR, 'lib', 'server-origins.ts');
const DEV_LOGIN_SOURCE = join(APP_DIR, 'dev', 'dev-login.ts');
/** The origin server-origins.ts ships with, until an operator puts theirs in. */
export const PLACEHOLDER_HOST = 'scanpush.example.com';
const require = createRequire(import.meta.url);

// WeChat's JavaScript engines (old iOS JavaScriptCore among them) are the floor, not Node's.
const TARGET = 'es2017';

/**
 * The workspace packages the pages import, each bundled on its own. Each leaves the others to a
 * `require` at run time, so the one copy of @scanpush/shared serves the pages and the client alike.
 * `@scanpush/client/wx` goes to `wx/index.js`, a path both WeChat and Node resolve for that name.
 */
const WORKSPACE_BUNDLES = [
  { name: '@scanpush/shared', outfile: '@scanpush/shared/index.js' },
  { name: '@scanpush/client', outfile: '@scanpush/client/index.js' },
  { name: '@scanpush/client/wx', outfile: '@scanpush/client/wx/index.js' },
];

/** Marks the other workspace bundles external, by exact name (esbuild's `external` takes subpaths too). */
function otherBundlesExternal(self) {
  const others = new Set(WORKSPACE_BUNDLES.map((b) => b.name).filter((name) => name !== self));
  return {
    name: 'other-bundles-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@scanpush\// }, (args) => (others.has(args.path) ? { path: args.path, external: true } : undefined));
    },
  };
}

/**
 * Bundles the workspace packages and the QR matrix encoder as CommonJS into a miniprogram_npm folder,
 * with the development login unless `release`. Use buildRelease for an upload: it checks the origins.
 */
export async function buildNpm(outDir = join(SOURCE_DIR, 'miniprogram_npm'), { release = false } = {}) {
  await rm(outDir, { recursive: true, force: true });
  const common = { bundle: true, format: 'cjs', platform: 'neutral', mainFields: ['main'], target: TARGET, logLevel: 'warning' };
  for (const { name, outfile } of WORKSPACE_BUNDLES) {
    await build({
      ...common,
      stdin: { contents: `export * from '${name}';`, resolveDir: APP_DIR, sourcefile: `${name.replace(/\W+/g, '-')}.js` },
      outfile: join(outDir, outfile),
      plugins: [otherBundlesExternal(name)],
    });
  }
  await build({
    ...common,
    entryPoints: [require.resolve('qrcode/lib/core/qrcode')],
    outfile: join(outDir, 'qrcode/lib/core/qrcode.js'),
  });
  const devLoginFile = join(outDir, '@scanpush/dev-login/index.js');
  if (release) {
    await mkdir(dirname(devLoginFile), { recursive: true });
    await writeFile(devLoginFile, '"use strict";\n// Release build: no development login.\nexports.devLogin = undefined;\n');
  } else {
    await build({ ...common, entryPoints: [DEV_LOGIN_SOURCE], outfile: devLoginFile, plugins: [otherBundlesExternal('@scanpush/dev-login')] });
  }
}

/** A release refused: `message` is the one-line reason. */
export class ReleaseRefused extends Error {}

/**
 * The release build: removes `outDir`, checks the trial and release origins in `originsFile`, then builds
 * without the development login. Throws ReleaseRefused (and leaves no `outDir`) when an origin is not fit
 * to ship.
 */
export async function buildRelease(outDir = join(SOURCE_DIR, 'miniprogram_npm'), originsFile = ORIGINS_FILE) {
  await rm(outDir, { recursive: true, force: true });
  const problem = releaseOriginProblem(await readServerOrigins(originsFile));
  if (problem) throw new ReleaseRefused(`${relative(APP_DIR, originsFile)}: ${problem}`);
  await buildNpm(outDir, { release: true });
}

/** The SERVERS object of a server-origins.ts, compiled and evaluated (it holds no `wx`). */
export async function readServerOrigins(file = ORIGINS_FILE) {
  const out = await build({ entryPoints: [file], bundle: false, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  const module = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return module.SERVERS;
}

/** Why these origins cannot ship, or undefined when trial and release are both real https origins. */
export function releaseOriginProblem(servers) {
  for (const env of ['trial', 'release']) {
    const origin = servers?.[env];
    if (typeof origin !== 'string' || origin === '') return `no ${env} server origin`;
    const match = /^https:\/\/([^/:?#\s]+)(:\d+)?\/?$/i.exec(origin);
    if (!match) return `the ${env} origin must be https://<your domain> (WeChat allows no http, path or query there), got ${origin}`;
    const host = match[1].toLowerCase();
    if (host === PLACEHOLDER_HOST) return `the ${env} origin is still the placeholder ${origin}: put your own https origin there`;
    if (host === 'localhost' || /^[\d.]+$/.test(host) || host.includes('[')) return `the ${env} origin must be a domain name, not ${host} (合法域名 are domain names with an ICP filing; WeChat allows only LAN addresses besides, which phones elsewhere cannot reach)`;
  }
  return undefined;
}

/**
 * The project as DevTools would run it, for miniprogram-simulate: each TypeScript file compiled on its
 * own to CommonJS, the page files copied beside it, and the packages under `node_modules` (Node's name
 * for what WeChat calls miniprogram_npm).
 */
export async function buildForSimulate(outDir) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  await buildNpm(join(outDir, 'node_modules'));
  const files = await listFiles(SOURCE_DIR);
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: outDir,
    outbase: SOURCE_DIR,
    bundle: false,
    format: 'cjs',
    platform: 'neutral',
    target: TARGET,
    logLevel: 'warning',
  });
  for (const file of files.filter((f) => /\.(json|wxml|wxss)$/.test(f))) {
    await cp(file, join(outDir, relative(SOURCE_DIR, file)));
  }
}

async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'miniprogram_npm') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const release = args.includes('--release');
  // --out and --origins serve the tests; DevTools and people use the defaults.
  const outDir = option('--out') ?? join(SOURCE_DIR, 'miniprogram_npm');
  try {
    if (release) await buildRelease(outDir, option('--origins'));
    else await buildNpm(outDir);
    process.stdout.write(`built ${relative(process.cwd(), outDir)} (${release ? 'release' : 'development: with the development login'})\n`);
  } catch (error) {
    if (!(error instanceof ReleaseRefused)) throw error;
    process.stderr.write(`build: release refused: ${error.message}\n`);
    process.exitCode = 1;
  }
}
