// Builds the back office into dist/: one minified script with every dependency bundled (no CDN, nothing
// fetched at run time), its stylesheet and the page. The server serves dist/ at `/office/`.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/app.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  // Owners' phones and desk browsers of the last few years: this is only syntax.
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile('src/index.html', 'dist/index.html');
await copyFile('src/app.css', 'dist/app.css');
