// longhaul/browser as a page's bundler sees it: it must build for the browser platform alone (no Node
// built-in, no npm package) and stay small. The dependency-cruiser rule checks its imports; this checks
// what actually lands in a bundle, Node globals included.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../src/browser.ts', import.meta.url));

describe('the longhaul/browser bundle', () => {
  it('builds for the browser with nothing external, no Node globals, in under 12 KB minified', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      metafile: true,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.every((input) => input.startsWith('src/browser'))).toBe(true);
    expect(code).not.toMatch(/\b(process|Buffer|require|__dirname|global)\b/);
    expect(code).toContain('watchJob');
    expect(code.length).toBeLessThan(12 * 1024);
  });
});
