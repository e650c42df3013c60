import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from '../../shared/paths';

/** Source folder of the review page (`index.html`, `styles.css`, `src/main.ts`). */
export const REVIEW_PAGE_SOURCE = join(REPO_ROOT, 'web', 'review');

/** One file of the built page and its size. */
export interface BuiltFile {
  readonly name: string;
  readonly bytes: number;
}

/**
 * Build the review page into `outDir` with esbuild: `app.js` (the TypeScript bundled and minified, ES2020, one IIFE,
 * no framework), `styles.css` (minified) and `index.html` (copied). Used by the construct's local asset bundling at
 * synth time (no Docker), by the browser test and by the page-weight benchmark — one build for all three.
 * The deploy-time `config.json` is not part of the build.
 */
export function buildReviewPage(outDir: string): BuiltFile[] {
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [join(REVIEW_PAGE_SOURCE, 'src', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'silent',
  });
  buildSync({
    entryPoints: [join(REVIEW_PAGE_SOURCE, 'styles.css')],
    outfile: join(outDir, 'styles.css'),
    bundle: true,
    minify: true,
    logLevel: 'silent',
  });
  copyFileSync(join(REVIEW_PAGE_SOURCE, 'index.html'), join(outDir, 'index.html'));
  return ['index.html', 'app.js', 'styles.css'].map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
}
