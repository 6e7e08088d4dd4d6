// The Lambda worker as the construct bundles it (functions/lambda.ts with infra/bundling.ts's settings):
// what lands in it is what every cold start loads, so the operator side of the job store (listings,
// counts, the index migration), which only the client, CLI and dashboard call, must stay out of it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('keeps the names of error classes, which job records and logs report', async () => {
    // A failed job's record carries `error.name`; minified without kept names it reads "l" or "e", for
    // Longhaul's errors and for the app's own alike.
    const dir = mkdtempSync(join(tmpdir(), 'lambda-bundle-names-'));
    try {
      const contents = [
        "import { JobNotFoundError, serializeError, TaskTimeoutError } from 'longhaul';",
        'class QuotaExceededError extends Error {',
        '  constructor(message: string) {',
        '    super(message);',
        '    this.name = new.target.name;',
        '  }',
        '}',
        "const errors = [new JobNotFoundError('j'), new TaskTimeoutError('t', 1000), new QuotaExceededError('q')];",
        'console.log(JSON.stringify(errors.map((error) => serializeError(error).name)));',
      ].join('\n');
      const outfile = join(dir, 'index.mjs');
      await build({
        ...lambdaEsbuildOptions,
        stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
        outfile,
        absWorkingDir: root,
        logLevel: 'silent',
      });
      const names = JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }));
      expect(names).toEqual(['JobNotFoundError', 'TaskTimeoutError', 'QuotaExceededError']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
