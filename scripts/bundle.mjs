// Bundles one app entry into a single ESM file for Node. Workspace packages (@scanpush/*, TypeScript
// source) are bundled in; every other package stays an import from node_modules (native modules
// such as better-sqlite3 cannot be bundled).
import { build } from 'esbuild';

export async function bundle({ entry, outfile, banner }) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    banner: banner ? { js: banner } : undefined,
    logLevel: 'warning',
    plugins: [
      {
        name: 'externalize-node-modules',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@scanpush/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
}
