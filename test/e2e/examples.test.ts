// The examples a user copies from: each is typechecked by `npm run typecheck` and run here as a process.

import { describe, expect, it } from 'vitest';
import { useJobResources } from '../support/backends.js';
import { runTs } from '../support/processes.js';

const runExample = (file: string, extraEnv: Record<string, string> = {}) =>
  runTs(`examples/${file}`, extraEnv);

describe('the examples', () => {
  it('runs the quickstart on the embedded backend', async () => {
    const { code, output } = await runExample('quickstart.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('total for acme: 2100');
    expect(output).toContain('status succeeded after 1 attempt(s), progress month 6 of 6');
  });

  it('runs the delays and priorities example on the embedded backend', async () => {
    const { code, output } = await runExample('delays-and-priorities.ts').done;
    expect(code, output).toBe(0);
    expect(output).toMatch(/reminder is scheduled, runs at \d{4}-/);
    expect(output).toContain('cancelled: cancelled');
    expect(output).toContain('in one second');
    expect(output).toContain('charge o-42');
    expect(output).toContain('the reminder stayed cancelled');
  });

  describe('against the emulator', () => {
    const scope = useJobResources('e2e/examples');

    it('serves the producer from a worker process that stops gracefully on SIGTERM', async () => {
      const worker = runExample('aws-worker.ts', scope.environment);
      const producer = await runExample('aws-producer.ts', scope.environment).done;
      expect(producer.code, producer.output).toBe(0);
      expect(producer.output).toContain('result {"accountId":"acme","total":600}');

      worker.child.kill('SIGTERM');
      const stopped = await worker.done;
      expect(stopped.code, stopped.output).toBe(0);
      expect(stopped.output).toMatch(/worker stopped .*deleted: 1/s);
    });
  });
});
