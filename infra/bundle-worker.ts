/**
 * Bundles a worker entrypoint with the shared settings in ./bundling.ts. The Fargate image's build stage
 * runs it (infra/worker.Dockerfile); run it yourself to inspect a bundle:
 *
 *   npx tsx infra/bundle-worker.ts functions/worker.ts dist/worker/worker.mjs
 */
import { build } from 'esbuild';
import { lambdaEsbuildOptions } from './bundling.js';

const [entry = 'functions/worker.ts', outfile = 'dist/worker/worker.mjs'] = process.argv.slice(2);
await build({ ...lambdaEsbuildOptions, entryPoints: [entry], outfile });
console.log(`bundled ${entry} into ${outfile}`);
