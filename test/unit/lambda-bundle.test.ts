// The Lambda worker as the construct bundles it (functions/lambda.ts with infra/bundling.ts's settings):
// what lands in it is what every cold start loads, so the operator side of the job store (listings,
// counts, the index migration), which only the client, CLI and dashboard call, must stay out of it.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaEsbuildOptions } from '../../infra/bundling.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the Lambda worker bundle', () => {
  it('carries the worker side of the job store and none of the operator side', async () => {
    const result = await build({
      ...lambdaEsbuildOptions,
      entryPoints: ['functions/lambda.ts'],
      outfile: 'lambda-bundle-test/index.mjs',
      absWorkingDir: root,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    const bundled = Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    expect(bundled).toContain('src/backends/aws/dynamo-worker-job-store.ts');
    expect(bundled).toContain('src/backends/aws/dynamo-job-claims.ts');
    for (const operatorSide of [
      'src/backends/aws/dynamo-job-store.ts',
      'src/backends/aws/dynamo-job-listing.ts',
      'src/backends/aws/dynamo-job-stats.ts',
      'src/backends/aws/job-index-migration.ts',
      'src/core/job-listing.ts',
    ]) {
      expect(bundled).not.toContain(operatorSide);
    }
  });
});
