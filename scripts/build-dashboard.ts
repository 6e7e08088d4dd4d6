// `npm run build`, last step: writes the dashboard's browser bundle into the compiled package
// (dist/src/dashboard/browser/app.js and app.css), where the served code reads it. The published package
// has no esbuild to bundle it at run time.
import { mkdir, writeFile } from 'node:fs/promises';
import { bundleBrowserCode, bundleFileNames } from '../src/dashboard/browser-bundle.js';

const outDir = new URL('../dist/src/dashboard/browser/', import.meta.url);

const bundle = await bundleBrowserCode();
await mkdir(outDir, { recursive: true });
await writeFile(new URL(bundleFileNames.script, outDir), bundle.script);
await writeFile(new URL(bundleFileNames.styles, outDir), bundle.styles);
// On stderr: `npm pack --json` runs the build (prepack) and its stdout must stay JSON.
console.error(
  `dashboard bundle: ${bundleFileNames.script} ${bundle.script.length} bytes, ${bundleFileNames.styles} ${bundle.styles.length} bytes`,
);
