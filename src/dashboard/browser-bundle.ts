// The dashboard's browser code as served at `<base>/assets/app.js` and `app.css`, bundled by esbuild from
// src/dashboard/browser/. The published package ships the bundle prebuilt (scripts/build-dashboard.ts
// writes it next to the compiled modules, in dist/src/dashboard/browser/); run from source (tests,
// `tsx --conditions=source`) there is none, so it is bundled on first use and kept in memory. esbuild is
// only a devDependency: it is imported in that case alone.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The page's script and stylesheet. */
export interface BrowserBundle {
  readonly script: string;
  readonly styles: string;
}

/** The files of a prebuilt bundle, in the compiled package's `dashboard/browser/` folder. */
export const bundleFileNames = { script: 'app.js', styles: 'app.css' } as const;

/** The browser folder beside this module: the sources, or in the compiled package the prebuilt bundle. */
const browserFolder = new URL('./browser/', import.meta.url);

let loading: Promise<BrowserBundle> | undefined;

/**
 * The bundle: the prebuilt files when present, else bundled now with esbuild. Read once per process;
 * a failure is not kept, so the next request tries again.
 */
export function loadBrowserBundle(): Promise<BrowserBundle> {
  if (loading === undefined) {
    const attempt = readPrebuiltBundle().then((prebuilt) => prebuilt ?? bundleBrowserCode());
    loading = attempt;
    attempt.catch(() => {
      if (loading === attempt) loading = undefined;
    });
  }
  return loading;
}

/** The prebuilt bundle in `folder`, or undefined when it has none (as when run from source). */
export async function readPrebuiltBundle(folder: URL = browserFolder): Promise<BrowserBundle | undefined> {
  try {
    const [script, styles] = await Promise.all([
      readFile(new URL(bundleFileNames.script, folder), 'utf8'),
      readFile(new URL(bundleFileNames.styles, folder), 'utf8'),
    ]);
    return { script, styles };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Bundles src/dashboard/browser/ with esbuild: `main.ts` and what it imports into one classic script
 * (the page loads it with `<script defer>`), `app.css` into one stylesheet, both minified.
 */
export async function bundleBrowserCode(): Promise<BrowserBundle> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new Error(
      `The dashboard's browser bundle is missing from ${fileURLToPath(browserFolder)} and esbuild, which could build it, is not installed: rebuild the package with \`npm run build\``,
      { cause },
    );
  }
  const result = await esbuild.build({
    entryPoints: [
      { in: fileURLToPath(new URL('main.ts', browserFolder)), out: 'app' },
      { in: fileURLToPath(new URL('app.css', browserFolder)), out: 'app' },
    ],
    outdir: fileURLToPath(browserFolder),
    write: false,
    bundle: true,
    format: 'iife',
    // What the stylesheet already needs (color-mix) is newer than ES2022 everywhere.
    target: 'es2022',
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = (extension: string): string => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (!file) throw new Error(`esbuild wrote no ${extension} file for the dashboard`);
    return file.text;
  };
  return { script: output('.js'), styles: output('.css') };
}
