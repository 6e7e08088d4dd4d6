/**
 * The AWS reads of a listing (see src/core/job-listing.ts for the walk itself): index entries from every
 * shard of the listing's sources, merged newest first as the walk pulls them, and job items read with
 * BatchGetItem.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { shardKeys } from '../../core/index-shards.js';
import type { JobPage, JobQuery, JobRecord } from '../../core/job.js';
import {
  byListingOrder,
  type EntryRange,
  type IndexEntry,
  isAfter,
  type ListingReads,
  type ListingSource,
  listJobPage,
} from '../../core/job-listing.js';
import { jobTable } from '../../core/names.js';
import { fromItem } from './dynamo-job-item.js';
import type { JobTable } from './dynamo-job-table.js';

/** One page of the jobs `query` asks for, newest first (see `DynamoJobStore.list` for how). */
export function listJobs(table: JobTable, query: JobQuery): Promise<JobPage> {
  return listJobPage(query, dynamoListingReads(table));
}

/** The listing's reads on `table`. */
export function dynamoListingReads(table: JobTable): ListingReads {
  return {
    entries: (sources, range) => mergedEntries(table, sources, range),
    items: (ids) => batchGet(table, ids),
  };
}

/** The largest Query page one shard reads at a time. */
const maxShardRead = 500;

/**
 * One partition of an index, read newest first in growing pages. Entries are handed out only once no
 * later read can hold one that sorts before them: DynamoDB orders entries with equal `enqueuedAt` by
 * nothing the listing can use, so those at the edge of a read wait for the next one.
 */
class ShardReader {
  #buffer: IndexEntry[] = [];
  #startKey: Record<string, unknown> | undefined;
  #done = false;
  #readSize: number;

  constructor(
    private readonly table: JobTable,
    private readonly spec: { readonly name: string; readonly partitionKey: string; readonly sortKey: string },
    private readonly partition: string,
    private readonly range: EntryRange,
    firstRead: number,
  ) {
    this.#readSize = firstRead;
  }

  /** The next entry, read when needed; undefined once the partition has no more. */
  async peek(): Promise<IndexEntry | undefined> {
    while (this.#sealed() === 0 && !this.#done) await this.#read();
    return this.#buffer[0];
  }

  take(): void {
    this.#buffer.shift();
  }

  /** How many buffered entries can be handed out. */
  #sealed(): number {
    if (this.#done) return this.#buffer.length;
    const edge = this.#buffer.at(-1)?.enqueuedAt;
    const sealed = this.#buffer.findIndex((entry) => entry.enqueuedAt === edge);
    return sealed < 0 ? 0 : sealed;
  }

  async #read(): Promise<void> {
    const { spec, range } = this;
    const bounded = Number.isFinite(range.atMost);
    const output = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: spec.name,
        KeyConditionExpression: bounded ? '#pk = :pk AND #sk <= :atMost' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': spec.partitionKey, ...(bounded ? { '#sk': spec.sortKey } : {}) },
        ExpressionAttributeValues: { ':pk': this.partition, ...(bounded ? { ':atMost': range.atMost } : {}) },
        ScanIndexForward: false,
        Limit: this.#readSize,
        ...(this.#startKey ? { ExclusiveStartKey: this.#startKey } : {}),
      } satisfies QueryCommandInput),
    );
    for (const item of output.Items ?? []) {
      const entry = {
        id: String(item[jobTable.partitionKey]),
        enqueuedAt: Number(item[spec.sortKey]),
        task: String(item.task),
      };
      if (isAfter(entry, range.after)) this.#buffer.push(entry);
    }
    this.#buffer.sort(byListingOrder);
    this.#startKey = output.LastEvaluatedKey;
    this.#done = this.#startKey === undefined;
    this.#readSize = Math.min(this.#readSize * 2, maxShardRead);
  }
}

/** A k-way merge of every shard of every source, each id once. */
async function* mergedEntries(
  table: JobTable,
  sources: readonly ListingSource[],
  range: EntryRange,
): AsyncGenerator<IndexEntry> {
  type IndexSpec = typeof jobTable.timeIndex | typeof jobTable.attentionIndex;
  const partitions = sources.flatMap((source): { spec: IndexSpec; key: string }[] =>
    source.index === 'time'
      ? shardKeys('all').map((key) => ({ spec: jobTable.timeIndex, key }))
      : shardKeys(source.state).map((key) => ({ spec: jobTable.attentionIndex, key })),
  );
  // A shard's share of the expected walk, plus two: the last entry of a read waits for the next one
  // (see ShardReader), and an uneven spread should not cost a second round of queries.
  const firstRead = Math.min(maxShardRead, Math.ceil(range.expected / jobTable.indexShards) + 2);
  const readers = partitions.map(
    (partition) => new ShardReader(table, partition.spec, partition.key, range, firstRead),
  );
  const seen = new Set<string>();
  for (;;) {
    // Every shard that needs a read reads in parallel; the rest answer from their buffers.
    const heads = await Promise.all(readers.map((reader) => reader.peek()));
    let best = -1;
    for (const [i, head] of heads.entries()) {
      if (head && (best < 0 || byListingOrder(head, heads[best] as IndexEntry) < 0)) best = i;
    }
    if (best < 0) return;
    const entry = heads[best] as IndexEntry;
    readers[best]?.take();
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    yield entry;
  }
}

/** Reads items by id, 100 per request, retrying what DynamoDB leaves unprocessed. */
async function batchGet(table: JobTable, ids: readonly string[]): Promise<Map<string, JobRecord>> {
  const found = new Map<string, JobRecord>();
  for (let i = 0; i < ids.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = ids
      .slice(i, i + 100)
      .map((id) => ({ [jobTable.partitionKey]: id }));
    for (let round = 0; keys?.length && round < 8; round++) {
      if (round > 0) await sleep(25 * 2 ** round);
      const output = await table.client.send(
        new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of output.Responses?.[table.tableName] ?? []) {
        const job = fromItem(item);
        found.set(job.id, job);
      }
      keys = output.UnprocessedKeys?.[table.tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}
