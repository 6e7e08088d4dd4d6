// The page the web app serves: its HTML and stylesheet as written, and its script bundled by esbuild from
// page/main.ts when the app starts (so a bundling error stops the app at once, not on the first visit).
// An app of your own would bundle with its usual build instead; the page imports `longhaul/browser`
// like any other package.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface PageAssets {
  readonly html: string;
  readonly script: string;
  readonly styles: string;
}

const pageFolder = new URL('./page/', import.meta.url);

export async function buildPageAssets(): Promise<PageAssets> {
  const [html, styles, bundle] = await Promise.all([
    readFile(new URL('index.html', pageFolder), 'utf8'),
    readFile(new URL('app.css', pageFolder), 'utf8'),
    build({
      entryPoints: [fileURLToPath(new URL('main.ts', pageFolder))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // In this repository `longhaul` resolves to its own sources (the `source` export condition).
      conditions: ['source'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
  ]);
  const script = bundle.outputFiles[0]?.text;
  if (script === undefined) throw new Error('esbuild wrote no script for the web app page');
  return { html, script, styles };
}
