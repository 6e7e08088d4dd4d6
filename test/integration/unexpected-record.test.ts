import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type Disposition, defineTask, Longhaul, type QueueMessage } from 'longhaul';
import { awsBackend, jobTable } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { unexpectedRecordMaxDeliveries } from '../../src/runtime/claim-job.js';
import { useJobResources } from '../support/backends.js';
import { testRunner } from '../support/serve.js';

// A job record the runner cannot place (here: a partial item with no status, as an emulator once stored
// for a failed write) on the real table: each delivery is released with an error line, and the one at the
// bound goes to the dead-letter queue with an `unexpected_record` reason naming the job.
describe('a job whose record is in an unexpected state', () => {
  const scope = useJobResources('integration/unexpected-record', { visibilityTimeoutSeconds: 30 });
  const task = defineTask({ name: 'work', args: z.object({ n: z.number() }), run: ({ n }) => n });

  it('is released with an error line, then dead-lettered as unexpected_record', async () => {
    const backend = awsBackend({ ...scope.resources, ...scope.clients });
    const job = await new Longhaul({ backend }).enqueue(task, { n: 1 });
    await scope.clients.dynamoClient.send(
      new PutItemCommand({
        TableName: scope.resources.tableName,
        Item: marshall({ [jobTable.partitionKey]: job.id, args: { n: 1 } }),
      }),
    );
    const errors: Record<string, unknown>[] = [];
    const runner = testRunner(backend, [task], {
      logger: { info() {}, warn() {}, error: (_message, fields) => errors.push(fields ?? {}) },
    });

    const dispositions: Disposition['kind'][] = [];
    for (let delivery = 1; delivery <= unexpectedRecordMaxDeliveries; delivery++) {
      const [message] = await backend.transport.receive({
        maxMessages: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 30,
      });
      expect(message?.receiveCount).toBe(delivery);
      const disposition = await runner.process(message as QueueMessage);
      dispositions.push(disposition.kind);
      // The runner hides a released message for a while: show it again at once.
      if (disposition.kind === 'release')
        await backend.transport.changeVisibility(message as QueueMessage, 0);
    }

    expect(dispositions).toEqual([
      ...Array(unexpectedRecordMaxDeliveries - 1).fill('release'),
      'deadLettered',
    ]);
    expect(errors).toHaveLength(unexpectedRecordMaxDeliveries);
    // A missing `attempts` reads as 0: a new job's item leaves it out until the first claim.
    expect(errors[0]).toMatchObject({ jobId: job.id, receiveCount: 1, status: null, attempts: 0 });
    expect(errors[0]).not.toHaveProperty('args');
    const letters = await backend.transport.receiveDeadLetters(10, 30);
    expect(letters).toEqual([
      expect.objectContaining({
        reason: expect.objectContaining({ code: 'unexpected_record', jobId: job.id }),
      }),
    ]);
    expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
  });
});
