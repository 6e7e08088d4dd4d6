import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { defineTask, Longhaul } from 'longhaul';
import { awsBackend, jobTable } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { useJobResources } from '../support/backends.js';
import { receiveOne, testRunner } from '../support/serve.js';

// What a completion leaves in the job table, read raw from the emulator: a success stores no history
// event of its own (the record's status, finishedAt, attempts and workerId state it, and the store's
// read restores it); every other end stores its event.
describe("a completion's history event in the job table", () => {
  const scope = useJobResources('integration/completion-item', { visibilityTimeoutSeconds: 30 });
  const ok = defineTask({ name: 'ok', retries: 0, run: () => 'done' });
  const boom = defineTask({
    name: 'boom',
    retries: 0,
    run: () => {
      throw new Error('boom');
    },
  });

  async function runOne(task: typeof ok | typeof boom) {
    const backend = awsBackend({ ...scope.resources, ...scope.clients });
    const handle = await new Longhaul({ backend }).enqueue(task, undefined);
    await testRunner(backend, [ok, boom]).process(await receiveOne(backend, 30));
    const raw = await scope.clients.dynamoClient.send(
      new GetItemCommand({
        TableName: scope.resources.tableName,
        Key: { [jobTable.partitionKey]: { S: handle.id } },
        ConsistentRead: true,
      }),
    );
    const item = unmarshall(raw.Item ?? {});
    return { item, job: await backend.store.get(handle.id) };
  }

  it('is not stored for a success, and is read back from the record', async () => {
    const { item, job } = await runOne(ok);
    expect(item.status).toBe('succeeded');
    expect((item.history as { status: string }[]).map((e) => e.status)).toEqual(['queued', 'running']);
    expect(job?.history.map((e) => e.status)).toEqual(['queued', 'running', 'succeeded']);
    expect(job?.history.at(-1)).toEqual({
      status: 'succeeded',
      at: item.finishedAt,
      attempt: 1,
      workerId: item.workerId,
    });
  });

  it('is stored for a failure', async () => {
    const { item, job } = await runOne(boom);
    expect(item.status).toBe('failed');
    expect((item.history as { status: string }[]).map((e) => e.status)).toEqual([
      'queued',
      'running',
      'failed',
    ]);
    expect(job?.history.map((e) => e.status)).toEqual(['queued', 'running', 'failed']);
  });
});
