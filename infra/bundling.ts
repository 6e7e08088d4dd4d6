/**
 * How Longhaul's workers are bundled: one set of esbuild settings shared by the Lambda function
 * (through `NodejsFunction`), the Fargate image (infra/worker.Dockerfile runs infra/bundle-worker.ts)
 * and the bundle-size script, so all three ship the same code.
 *
 * - ESM for Node 22, minified, with a source map (`NODE_OPTIONS=--enable-source-maps` maps stack traces).
 * - The `source` export condition, so the in-repo `longhaul` package resolves to `src/*.ts`.
 * - The AWS SDK v3 clients are bundled rather than taken from the Lambda runtime: the version is the one
 *   the tests ran against, and esbuild keeps only what is imported.
 * - A banner defines `require` for the few CommonJS dependencies that call it from an ES module.
 */

import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

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
  sourcemap: true,
  sourcesContent: false,
  conditions: ['source'],
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
  sourceMap: lambdaEsbuildOptions.sourcemap,
  sourcesContent: lambdaEsbuildOptions.sourcesContent,
  mainFields: [...lambdaEsbuildOptions.mainFields],
  banner: lambdaEsbuildOptions.banner.js,
  bundleAwsSDK: true,
  externalModules: [],
  esbuildArgs: { '--conditions': lambdaEsbuildOptions.conditions.join(',') },
  logLevel: LogLevel.WARNING,
  forceDockerBundling: false,
};
