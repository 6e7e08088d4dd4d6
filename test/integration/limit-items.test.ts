import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { defineTask, Longhaul } from 'longhaul';
import { awsBackend, jobTable } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useJobResources } from '../support/backends.js';
import { serveUntil, testWorker } from '../support/serve.js';

// The DynamoDB items behind unique keys and limits, as the emulator stores them: where they live, what
// they carry, and that listings, counts and purges never see them.
describe('unique-key and limit items in the job table', () => {
  const scope = useJobResources('integration/limit-items', { visibilityTimeoutSeconds: 2 });
  const { clients } = scope;
  const item = async (id: string) => {
    const output = await clients.dynamoClient.send(
      new GetItemCommand({
        TableName: scope.resources.tableName,
        Key: { [jobTable.partitionKey]: { S: id } },
        ConsistentRead: true,
      }),
    );
    return output.Item ? unmarshall(output.Item) : undefined;
  };

  const sync = defineTask({
    name: 'crm.sync',
    args: z.object({ tenant: z.string() }),
    unique: { key: ({ tenant }) => tenant, windowMs: 60_000 },
    limits: { concurrency: 2, rate: { max: 5, perMs: 60_000 }, key: ({ tenant }) => tenant },
    run: ({ tenant }) => tenant,
  });

  it('keeps the key hold, the slot counter and the rate window beside the jobs, out of every listing', async () => {
    const backend = awsBackend({ ...scope.resources, ...clients });
    const longhaul = new Longhaul({ backend });
    const job = await longhaul.enqueue(sync, { tenant: 'acme' });
    const startedAt = Date.now();
    await serveUntil(
      testWorker(backend, [sync]),
      async () => (await longhaul.getJob(job.id)).status === 'succeeded',
    );

    const hold = await item(`${jobTable.keyHoldPrefix}crm.sync#acme`);
    expect(hold).toMatchObject({ holder: job.id });
    expect((hold?.until as number) - (hold?.heldAt as number)).toBe(60_000);
    // Removable by TTL (epoch seconds) two weeks after its window, when no message of its job can be left.
    expect(hold?.[jobTable.ttlAttribute]).toBe(Math.ceil(((hold?.until as number) + 14 * 86_400_000) / 1000));

    // Released at the attempt's end: the counter is back to 0 and no slot attribute is left.
    const slots = await item(`${jobTable.concurrencyLimitPrefix}crm.sync#acme`);
    expect(slots?.n).toBe(0);
    expect(Object.keys(slots ?? {}).filter((name) => name.startsWith('slot:'))).toEqual([]);

    // One start counted in its fixed window, with a TTL (epoch seconds) two windows on.
    const window = Math.floor(startedAt / 60_000);
    const rate =
      (await item(`${jobTable.rateLimitPrefix}crm.sync#acme@${window}`)) ??
      (await item(`${jobTable.rateLimitPrefix}crm.sync#acme@${window + 1}`));
    expect(rate?.n).toBe(1);
    expect(rate?.[jobTable.ttlAttribute]).toBeGreaterThan(Date.now() / 1000);
    expect(rate?.[jobTable.ttlAttribute]).toBeLessThanOrEqual(Math.ceil((window + 3) * 60));

    // None of them carries an index key, so listings, counts and purges see the one job only.
    const scan = await clients.dynamoClient.send(new ScanCommand({ TableName: scope.resources.tableName }));
    const items = (scan.Items ?? []).map((raw) => unmarshall(raw));
    for (const other of items.filter((i) => String(i.id).startsWith('#'))) {
      expect(other[jobTable.timeIndex.partitionKey]).toBeUndefined();
      expect(other[jobTable.attentionIndex.partitionKey]).toBeUndefined();
      expect(other.status).toBeUndefined();
    }
    expect((await longhaul.list({})).jobs.map((j) => j.id)).toEqual([job.id]);
    const counts = await backend.store.countFromIndex();
    expect(counts.byStatus.succeeded).toBe(1);
    expect(Object.keys(counts.byTask)).toEqual(['crm.sync']);
    expect(await longhaul.purge({ status: 'succeeded', olderThanMs: 0 })).toEqual({ deleted: 1 });
    expect(await item(`${jobTable.keyHoldPrefix}crm.sync#acme`)).toBeDefined();
  });

  // DynamoDB applies one conditional write to an item at a time. moto's threaded server did not: two
  // requests could both pass the check before either wrote, and once in a few hundred races two jobs
  // started in a window with room for one (the emulator launcher now serializes DynamoDB requests). A
  // race is won or lost in moto's thread switches, so this runs many: on the old launcher about 2% of
  // rounds had two winners, and 150 rounds caught it nearly every time.
  it('counts concurrent starts in a rate window one at a time', async () => {
    const backend = awsBackend({ ...scope.resources, ...clients });
    const rounds = 150;
    const contenders = 8;
    const winners: number[] = [];
    for (let window = 0; window < rounds; window++) {
      const started = await Promise.all(
        Array.from({ length: contenders }, () =>
          backend.store.takeRateStart({ limit: 'race', window, max: 1, expiresAt: Date.now() + 3_600_000 }),
        ),
      );
      winners.push(started.filter(Boolean).length);
    }
    expect(winners.filter((n) => n !== 1)).toEqual([]);
  });
});
