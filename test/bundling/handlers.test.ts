import { mkdtempSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleHandlers, handlerEntries } from '../helpers/handlers';

/**
 * Optional packages left to run time on purpose: `canvas` (node-canvas) is tried by vega-canvas in the trip-outliers
 * report function, which renders SVG without it (`externalModules: ['canvas']` on that function).
 */
const OPTIONAL_IMPORTS = new Set(['canvas']);

describe('real bundling of every handler', () => {
  const entries = handlerEntries();

  it('finds the handlers', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it('bundles every entry with the house esbuild settings into a self-contained ESM file exporting handler', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'mlw-bundle-'));
    try {
      const result = await bundleHandlers(outdir, entries);
      expect(result.errors).toEqual([]);
      const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
      expect(outputs).toHaveLength(entries.length);
      for (const [file, output] of outputs) {
        expect(output.exports.includes('handler') ? file : `${file} has no handler export`).toBe(file);
        // Nothing is left to resolve at run time except Node built-ins (with or without the node: prefix), and
        // optional packages that a dependency loads with import() inside try/catch and works without.
        const external = output.imports.filter(
          (i) => i.external && !isBuiltin(i.path) && !(i.kind === 'dynamic-import' && OPTIONAL_IMPORTS.has(i.path)),
        );
        expect({ file, external }).toEqual({ file, external: [] });
        // No CDK code in a handler bundle.
        expect(Object.keys(output.inputs).some((input) => input.includes('node_modules/aws-cdk-lib/'))).toBe(false);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
