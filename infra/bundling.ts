/**
 * How Longhaul's workers are bundled: one set of esbuild settings shared by the Lambda function
 * (through `NodejsFunction`), the Fargate image (infra/worker.Dockerfile runs infra/bundle-worker.ts)
 * and the bundle-size script, so all three ship the same code.
 *
 * - ESM for Node 22, minified, with a source map (`NODE_OPTIONS=--enable-source-maps` maps stack traces).
 *   Names are kept (`keepNames`): an error's `name`, which job records, logs and the dashboard show, is
 *   its class's name, and minified classes would report "l" or "e", Longhaul's errors and the app's own.
 * - In this repository, the `source` export condition, so `longhaul` resolves to `src/*.ts`. An installed
 *   package ships no `src/`, so there the condition is left out and `longhaul` resolves to `dist/`.
 * - The AWS SDK v3 clients are bundled rather than taken from the Lambda runtime: the version is the one
 *   the tests ran against, and esbuild keeps only what is imported.
 * - A banner defines `require` for the few CommonJS dependencies that call it from an ES module.
 */

import { existsSync } from 'node:fs';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The export conditions bundles resolve `longhaul` with: `source` where the TypeScript sources sit beside
 * this module (the repository: infra/ next to src/), none in an installed package (dist/infra/ next to
 * dist/src/, which holds JavaScript), whose `source` targets are not shipped.
 */
const exportConditions: string[] = existsSync(new URL('../src/index.ts', import.meta.url)) ? ['source'] : [];

/** The Node.js version the bundles target. Lambda runs `NODEJS_22_X`; the image is `node:22-slim`. */
export const nodeTarget = 'node22';

/** Defines `require` inside an ES module bundle, for CommonJS code that esbuild inlined. */
export const requireBanner =
  "import { createRequire as __longhaulCreateRequire } from 'node:module'; const require = __longhaulCreateRequire(import.meta.url);";

/**
 * The esbuild settings of every Longhaul bundle. Add `entryPoints` and `outfile` (or `outdir`).
 *
 * @example
 * import { build } from 'esbuild';
 * await build({ ...lambdaEsbuildOptions, entryPoints: ['functions/lambda.ts'], outfile: 'dist/lambda/index.mjs' });
 */
export const lambdaEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: nodeTarget,
  minify: true,
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  conditions: exportConditions,
  mainFields: ['module', 'main'],
  banner: { js: requireBanner },
  external: [],
  logLevel: 'warning',
} as const satisfies BuildOptions;

/**
 * The same settings in the shape `NodejsFunction` takes. Never Docker: esbuild from `node_modules` runs
 * locally, which is faster and needs no Docker daemon at synth.
 *
 * @example
 * new NodejsFunction(this, 'Fn', { entry: 'functions/lambda.ts', bundling: lambdaBundling });
 */
export const lambdaBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: lambdaEsbuildOptions.target,
  minify: lambdaEsbuildOptions.minify,
  keepNames: lambdaEsbuildOptions.keepNames,
  sourceMap: lambdaEsbuildOptions.sourcemap,
  sourcesContent: lambdaEsbuildOptions.sourcesContent,
  mainFields: [...lambdaEsbuildOptions.mainFields],
  banner: lambdaEsbuildOptions.banner.js,
  bundleAwsSDK: true,
  externalModules: [],
  ...(exportConditions.length ? { esbuildArgs: { '--conditions': exportConditions.join(',') } } : {}),
  logLevel: LogLevel.WARNING,
  forceDockerBundling: false,
};
