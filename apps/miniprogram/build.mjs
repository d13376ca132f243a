// Makes the mini-program's packages loadable by WeChat DevTools, and the pages loadable by tests.
//
// DevTools compiles the pages' TypeScript itself (project.config.json: useCompilerPlugins typescript) and
// resolves a package name from `miniprogram/miniprogram_npm/<name>`, as CommonJS. The workspace's
// @scanpush/shared and @scanpush/client (with its `wx` connector) are TypeScript ESM source, so they are
// bundled here into that folder, as is the `qrcode` package's matrix encoder. Run
// `pnpm --filter @scanpush/miniprogram build` before opening the project (and after changing packages/).
import { createRequire } from 'node:module';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const APP_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = join(APP_DIR, 'miniprogram');
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

/** Bundles the workspace packages and the QR matrix encoder as CommonJS into a miniprogram_npm folder. */
export async function buildNpm(outDir = join(SOURCE_DIR, 'miniprogram_npm')) {
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
  await buildNpm();
  process.stdout.write(`built ${relative(process.cwd(), join(SOURCE_DIR, 'miniprogram_npm'))}\n`);
}
