import { bundle } from '../../scripts/bundle.mjs';

await bundle({ entry: 'src/main.ts', outfile: 'dist/main.js' });
