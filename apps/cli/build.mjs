import { chmod } from 'node:fs/promises';
import { bundle } from '../../scripts/bundle.mjs';

await bundle({ entry: 'src/main.ts', outfile: 'dist/scanpush.js', banner: '#!/usr/bin/env node' });
await chmod('dist/scanpush.js', 0o755);
