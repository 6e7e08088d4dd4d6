// Listing must not become a scan: on a table of 10,000 succeeded jobs and 20 failed ones (of a rare
// task, enqueued in the middle), each listing call must read on the order of one page. The items are
// written with BatchWriteItem, shaped by the store's own item builder, rather than by 10,000 enqueues.
// Every Query and BatchGetItem the store sends is counted by a middleware on its client: the items
// each returned (index entries, job items) and, where the emulator reports them, the read units.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobPage, JobQuery, JobRecord } from 'longhaul';
import { createJobResources, DynamoJobStore, deleteJobResources, type JobResources } from 'longhaul/aws';
import { MemoryJobStore } from 'longhaul/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItem } from '../../src/backends/aws/dynamo-job-item.js';
import { listingBounds } from '../../src/core/job-listing.js';
import { uniquePrefix } from '../support/backends.js';

const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
const dynamoClient = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(dynamoClient);
let resources: JobResources;

const succeededCount = 10_000;
const failedCount = 20;
const base = Date.UTC(2026, 0, 1);

function job(id: string, task: string, status: 'succeeded' | 'failed', enqueuedAt: number): JobRecord {
  return {
    id,
    task,
    status,
    args: { n: 1 },
    attempts: 1,
    maxAttempts: 3,
    enqueuedAt,
    startedAt: enqueuedAt + 10,
    finishedAt: enqueuedAt + 20,
    logs: [],
    history: [],
    ...(status === 'succeeded'
      ? { result: 'ok' }
      : { error: { name: 'Error', message: 'boom', code: 'TASK_FAILED' } }),
  };
}

// Succeeded jobs two milliseconds apart; the failed (and rare-task) ones in the middle of them.
const jobs: JobRecord[] = [
  ...Array.from({ length: succeededCount }, (_, i) =>
    job(`ok-${String(i).padStart(5, '0')}`, 'emails.send', 'succeeded', base + 2 * i),
  ),
  ...Array.from({ length: failedCount }, (_, i) =>
    job(`bad-${String(i).padStart(2, '0')}`, 'reports.rare', 'failed', base + succeededCount + 2 * i + 1),
  ),
];

async function writeAll(records: readonly JobRecord[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25).map(toItem));
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        while (requests.length > 0) {
          const output = await documents.send(
            new BatchWriteCommand({ RequestItems: { [resources.tableName]: requests } }),
          );
          requests = (output.UnprocessedItems?.[resources.tableName] ?? []) as typeof requests;
        }
      }
    }),
  );
}

/** What the store's client read: index entries (Query items), job items (BatchGetItem), read units. */
interface Reads {
  queries: number;
  entries: number;
  items: number;
  readUnits: number;
}

function countingStore(): { store: DynamoJobStore; reads: Reads } {
  const reads: Reads = { queries: 0, entries: 0, items: 0, readUnits: 0 };
  const client = new DynamoDBClient({});
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as {
        Items?: unknown[];
        Responses?: Record<string, unknown[]>;
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      if (context.commandName === 'QueryCommand') {
        reads.queries++;
        reads.entries += output.Items?.length ?? 0;
      }
      if (context.commandName === 'BatchGetItemCommand') {
        reads.items += Object.values(output.Responses ?? {}).reduce((n, items) => n + items.length, 0);
      }
      for (const used of [output.ConsumedCapacity ?? []].flat()) reads.readUnits += used.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  const store = new DynamoJobStore({
    client: DynamoDBDocumentClient.from(client),
    tableName: resources.tableName,
  });
  return { store, reads };
}

async function pageAll(list: (query: JobQuery) => Promise<JobPage>, query: JobQuery): Promise<JobPage[]> {
  const pages: JobPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  resources = await createJobResources({
    sqsClient,
    dynamoClient,
    prefix: uniquePrefix('integration/listing-reads'),
  });
  await writeAll(jobs);
}, 600_000);
afterAll(async () => {
  if (resources) await deleteJobResources({ sqsClient, dynamoClient }, resources);
});

describe('listing on a table of 10,000 succeeded jobs and 20 failed ones', () => {
  const failed = jobs.filter((j) => j.status === 'failed').sort((a, b) => b.enqueuedAt - a.enqueuedAt);

  it('lists the 20 failed jobs from the attention index, reading about one page', async () => {
    const { store, reads } = countingStore();
    const page = await store.list({ status: 'failed' });
    expect(page.jobs.map((j) => j.id)).toEqual(failed.map((j) => j.id));
    expect(page.nextCursor).toBeUndefined();
    console.info('list({ status: failed })', reads);
    // Exactly the 20 items, and no more index entries than there are failed jobs: one page, not a scan.
    expect(reads.items).toBe(failedCount);
    expect(reads.entries).toBeLessThanOrEqual(failedCount);
  });

  it('lists the newest succeeded jobs by time, reading about one page', async () => {
    const { store, reads } = countingStore();
    const page = await store.list({ status: 'succeeded', limit: 20 });
    const newest = jobs
      .filter((j) => j.status === 'succeeded')
      .sort((a, b) => b.enqueuedAt - a.enqueuedAt)
      .slice(0, 20);
    expect(page.jobs.map((j) => j.id)).toEqual(newest.map((j) => j.id));
    expect(page.nextCursor).toBeDefined();
    console.info('list({ status: succeeded, limit: 20 })', reads);
    // The 20 items themselves, and the index entries of one merge across 16 shards: each shard reads
    // its share of the page plus two, and reads again only if the page took more from it.
    expect(reads.items).toBe(20);
    expect(reads.entries).toBeLessThanOrEqual(4 * 20);
  });

  it('lists a rare task in bounded calls, and the failed jobs of it in one page', async () => {
    const { store, reads } = countingStore();
    const perCall: Reads[] = [];
    const pages = await pageAll(
      async (query) => {
        const before = { ...reads };
        const page = await store.list(query);
        perCall.push({
          queries: reads.queries - before.queries,
          entries: reads.entries - before.entries,
          items: reads.items - before.items,
          readUnits: reads.readUnits - before.readUnits,
        });
        return page;
      },
      { task: 'reports.rare', limit: 20 },
    );
    expect(pages.flatMap((p) => p.jobs.map((j) => j.id))).toEqual(failed.map((j) => j.id));
    console.info(`list({ task: reports.rare }) in ${pages.length} calls`, reads, 'largest call', {
      entries: Math.max(...perCall.map((c) => c.entries)),
      items: Math.max(...perCall.map((c) => c.items)),
    });
    // The time index is filtered by task, so one call walks at most its entry bound (plus what the
    // shards read ahead: at most their last read each) and reads only the items of the task: short
    // pages with a cursor, each call's reads independent of the table's size.
    for (const call of perCall) {
      expect(call.items).toBeLessThanOrEqual(failedCount);
      expect(call.entries).toBeLessThanOrEqual(3 * listingBounds.entries);
    }
    expect(pages.length).toBeGreaterThan(1);

    const byStatus = countingStore();
    const page = await byStatus.store.list({ status: 'failed', task: 'reports.rare', limit: 20 });
    expect(page.jobs).toHaveLength(failedCount);
    expect(byStatus.reads.items).toBe(failedCount);
  }, 300_000);

  it('pages exactly as the embedded backend does over the same jobs', async () => {
    const memory = new MemoryJobStore();
    for (const record of jobs) await memory.create(record);
    const { store } = countingStore();
    for (const query of [
      { task: 'reports.rare', limit: 50 },
      { status: 'queued' as const, limit: 10, enqueuedBefore: base + 2_000 },
      { status: 'failed' as const, limit: 7 },
    ]) {
      const onAws = await pageAll((q) => store.list(q), query);
      const inMemory = await pageAll((q) => memory.list(q), query);
      expect(onAws.map((p) => [p.jobs.map((j) => j.id), p.nextCursor])).toEqual(
        inMemory.map((p) => [p.jobs.map((j) => j.id), p.nextCursor]),
      );
    }
  }, 300_000);
});
