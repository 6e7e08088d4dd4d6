import { join } from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

async function violations(paths: string[], baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const result = await cruise(paths, { ...options, baseDir }, undefined, {
    tsConfig: extractTSConfig(join(root, 'tsconfig.json')),
  });
  if (typeof result.output === 'string') throw new Error('expected the JSON result of a cruise');
  return result.output.summary.violations.map(
    (violation: IViolation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`,
  );
}

// The layout of .dependency-cruiser.cjs and docs/architecture.md: one folder per role, no circles.
describe('the import boundaries', () => {
  it('hold in src/, infra/ and functions/', { timeout: 60_000 }, async () => {
    expect(await violations(['src', 'infra', 'functions'], root)).toEqual([]);
  });

  it('catch a circle, an impure core, an adapter reaching up, a backend opened past its index, and a browser client leaning on Node', {
    timeout: 60_000,
  }, async () => {
    // A small tree that breaks each rule once (see the comment at the top of each file).
    const found = await violations(['src'], join(root, 'test/unit/fixtures/boundaries'));
    expect(found.sort()).toEqual(
      [
        'aws-backend-internals: src/core/model.ts -> src/backends/aws/queue.ts',
        'aws-backend-internals: src/dashboard/page.ts -> src/backends/aws/queue.ts',
        'backends-apart: src/backends/memory/store.ts -> src/backends/aws/index.ts',
        'backends-on-core-only: src/backends/aws/queue.ts -> src/runtime/worker.ts',
        'browser-stands-alone: src/browser/watch.ts -> fs',
        'browser-stands-alone: src/browser/watch.ts -> src/runtime/worker.ts',
        'browser-takes-types-from-core: src/browser/watch.ts -> src/core/model.ts',
        'client-on-core-only: src/client/send.ts -> src/runtime/worker.ts',
        'http-on-client-and-core: src/http/routes.ts -> src/runtime/worker.ts',
        'core-stays-pure: src/core/model.ts -> src/backends/aws/queue.ts',
        'no-circular: src/core/model.ts -> src/core/status.ts',
      ].sort(),
    );
  });
});
