// The unique-jobs and limits example, run as a process like the other examples (see examples.test.ts).
import { describe, expect, it } from 'vitest';
import { runTs } from '../support/processes.js';

describe('the unique jobs and limits example', () => {
  it('creates one job per key and runs one job per tenant at a time, each on its first attempt', async () => {
    const { code, output } = await runTs('examples/unique-and-limits.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('enqueued twice, one job: true (matched by key)');
    expect(output).toContain('globex batch 1 synced');
    expect(output).toContain('attempts: 1, 1, 1; most running at once per tenant: 1');
  });
});
