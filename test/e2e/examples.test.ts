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

  it('runs the tracing example: one trace from the web request to the attempt', async () => {
    const { code, output } = await runExample('tracing.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('traces: 1\nPOST /orders\n  send longhaul\n    process longhaul (attempt 1)');
  });

  it('runs the workflows example: a chain, a group with its callback, a hook and events', async () => {
    const { code, output } = await runExample('workflows.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('chain: https://example.com: 190 words');
    expect(output).toContain('hook: pages.total succeeded with 540');
    expect(output).toContain('group: succeeded, 3/3 members, total 540');
    expect(output).toContain('events: 18 state changes published');
  });

  it('stops a CPU-bound task at its timeout and cancels a running job', async () => {
    const { code, output } = await runExample('timeouts-and-cancellation.ts').done;
    expect(code, output).toBe(0);
    expect(output).toMatch(/quick checksum: [0-9a-f]{12}…/);
    expect(output).toContain('cancel requested while running');
    expect(output).toContain('files.checksum: failed (timeout)');
    expect(output).toContain('accounts.export: cancelled (cancelled)');
  });

  it('offloads large payloads and applies a task retention on the embedded backend', async () => {
    const { code, output } = await runExample('large-payloads.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('card numbers left: false');
    expect(output).toMatch(/arguments offloaded: true \(\d+ bytes\)/);
    expect(output).toMatch(/result offloaded: true \(\d+ bytes\)/);
    expect(output).toContain('kept for 24 hours after it finished');
  });

  describe('large payloads in S3 on the emulator', () => {
    const scope = useJobResources('e2e/examples-payloads', { payloadBucket: true });

    it('runs the large-payloads example against the queue, table and bucket', async () => {
      const { code, output } = await runExample('large-payloads.ts', scope.environment).done;
      expect(code, output).toBe(0);
      expect(output).toMatch(/result offloaded: true \(\d+ bytes\)/);
      expect(output).toContain('kept for 24 hours after it finished');
    });
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
