// Index writes, counted from the job table's index definitions (`jobIndexes` in src/core/names.ts)
// applied to the item before and after each write, so the count follows the indexes the table really
// has rather than a hand-kept model of them.
//
// DynamoDB's rules for a global secondary index, per item write: an item that gains the index's keys
// puts an entry (1 write unit per KB of entry), one that loses them deletes it (1), one whose key changes
// deletes the old entry and puts the new one (2), and one whose key stays but whose projected attributes
// change rewrites the entry (1). Anything else costs the index nothing. Entries here are far under 1 KB.
//
// On the emulator the images are the table stream's (NEW_AND_OLD_IMAGES); on the embedded backend they
// are the records before and after each store call, given the index attributes the AWS backend's items
// would have (`itemImage`).
import { isDeepStrictEqual } from 'node:util';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { JobRecord, JobStore } from 'longhaul';
import { attentionShardKey, indexAttributes } from '../../src/backends/aws/job-index.js';
import { jobIndexes, jobTable } from '../../src/core/names.js';

export type ItemImage = Readonly<Record<string, unknown>>;

interface IndexDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly include: readonly string[];
}

/** The entry an index holds for `image`, or undefined when the item lacks the index's keys (sparse). */
function entryOf(index: IndexDefinition, image: ItemImage | undefined): ItemImage | undefined {
  if (!image || image[index.partitionKey] === undefined || image[index.sortKey] === undefined)
    return undefined;
  const projected = [jobTable.partitionKey, index.partitionKey, index.sortKey, ...index.include];
  return Object.fromEntries(projected.map((name) => [name, image[name]]));
}

/** The index write units one item write costs, by DynamoDB's rules above, over `indexes`. */
export function indexWritesOf(
  before: ItemImage | undefined,
  after: ItemImage | undefined,
  indexes: readonly IndexDefinition[] = jobIndexes,
): number {
  let writes = 0;
  for (const index of indexes) {
    const old = entryOf(index, before);
    const next = entryOf(index, after);
    if (!old && !next) continue;
    if (!old || !next) writes += 1;
    else if (
      old[index.partitionKey] !== next[index.partitionKey] ||
      old[index.sortKey] !== next[index.sortKey]
    )
      writes += 2;
    else if (!isDeepStrictEqual(old, next)) writes += 1;
  }
  return writes;
}

/** True when a write changed the item, so DynamoDB Streams records it (an unchanged item makes no record). */
export function changed(before: ItemImage | undefined, after: ItemImage | undefined): boolean {
  return !isDeepStrictEqual(before, after);
}

/**
 * The item the AWS backend would hold for `record`: the record plus its index attributes. `longRunning`
 * is whether the running attempt reached a lease extension (the DynamoDB store then lists it as
 * long-running, see `markLongRunning`).
 */
export function itemImage(record: JobRecord | undefined, longRunning: boolean): ItemImage | undefined {
  if (!record) return undefined;
  const attributes = indexAttributes(record);
  if (record.status === 'running' && longRunning)
    attributes[jobTable.attentionIndex.partitionKey] = attentionShardKey('running', record.id);
  return { ...record, ...attributes };
}

/** What a recording store saw: index write units and stream records its writes would make. */
export interface WriteRecording {
  readonly indexWrites: number;
  /** Every stream record, the schedule pointers' included. */
  readonly streamRecords: number;
  /**
   * Of those, the records of schedule pointer items (`#schedule-latest#<name>`): a scheduled run's
   * pointer write changes the item only if no newer run finished first, so their number depends on the
   * order runs finish in, not on the layout.
   */
  readonly pointerRecords: number;
}

/** The job ids a store call writes, for the calls that write job items. */
const writtenIds: Record<string, (args: unknown[]) => readonly string[]> = {
  create: (a) => [(a[0] as JobRecord).id],
  putNew: (a) => (a[0] as readonly JobRecord[]).map((job) => job.id),
  claim: (a) => [(a[0] as { envelope: { id: string } }).envelope.id],
  takeOver: (a) => [(a[0] as { envelope: { id: string } }).envelope.id],
  touch: (a) => [a[0] as string],
  complete: (a) => [a[0] as string],
  reject: (a) => [(a[0] as { id: string }).id],
  cancel: (a) => [a[0] as string],
  requeue: (a) => [a[0] as string],
  registerHandoff: (a) => [a[0] as string],
  noteLimited: (a) => [a[0] as string],
  remove: (a) => a[0] as readonly string[],
};

/**
 * Wraps the embedded backend's store so every call that writes a job item is bracketed by reads of the
 * item before and after (`get`, taken back off the request counter with `uncount`), turned into item
 * images and priced by {@link indexWritesOf}. A benchmark instrument: it doubles the store's reads.
 */
export function recordingStore(
  store: JobStore,
  uncount: (reads: number) => void,
): { store: JobStore; recording: () => WriteRecording } {
  let indexWrites = 0;
  let streamRecords = 0;
  let pointerRecords = 0;
  // Running jobs whose attempt extended its lease: what the DynamoDB store marks as long-running.
  const longRunning = new Set<string>();
  const images = async (ids: readonly string[]) => {
    const records = await Promise.all(ids.map((id) => store.get(id)));
    uncount(ids.length);
    return records.map((record) => itemImage(record, record ? longRunning.has(record.id) : false));
  };
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'noteScheduleResult') {
        // The store answers whether it replaced the pointer: only then does the item change.
        return async (...args: unknown[]) => {
          const replaced = (await value.apply(target, args)) as boolean;
          if (replaced) pointerRecords += 1;
          return replaced;
        };
      }
      const idsOf = typeof property === 'string' ? writtenIds[property] : undefined;
      if (!idsOf) return value.bind(target);
      return async (...args: unknown[]) => {
        const ids = idsOf(args);
        const before = await images(ids);
        try {
          return await value.apply(target, args);
        } finally {
          const leaseExtended =
            property === 'touch' && (args[2] as { leaseExpiresAt?: number }).leaseExpiresAt !== undefined;
          const afterRecords = await Promise.all(ids.map((id) => store.get(id)));
          uncount(ids.length);
          ids.forEach((id, i) => {
            const record = afterRecords[i];
            if (record?.status === 'running' && leaseExtended) longRunning.add(id);
            if (record?.status !== 'running') longRunning.delete(id);
            const after = itemImage(record, longRunning.has(id));
            indexWrites += indexWritesOf(before[i], after);
            if (changed(before[i], after)) streamRecords += 1;
          });
        }
      };
    },
  });
  return {
    store: proxy,
    recording: () => ({ indexWrites, streamRecords: streamRecords + pointerRecords, pointerRecords }),
  };
}

/**
 * Reads every record of `tableName`'s stream (the emulator's; the table must stream new and old images)
 * and prices its images with {@link indexWritesOf}.
 */
export async function streamRecording(dynamo: DynamoDBClient, tableName: string): Promise<WriteRecording> {
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} has no stream: create it with stream: true`);
  const streams = new DynamoDBStreamsClient({});
  let indexWrites = 0;
  let streamRecords = 0;
  let pointerRecords = 0;
  try {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId as string,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      while (ShardIterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
        for (const record of page.Records ?? []) {
          const image = (raw: Record<string, AttributeValue> | undefined) =>
            raw ? unmarshall(raw as Parameters<typeof unmarshall>[0]) : undefined;
          const before = image(record.dynamodb?.OldImage);
          const after = image(record.dynamodb?.NewImage);
          // Moto makes an item an UpdateItem creates in two steps, each with its record: first the bare
          // key, then the whole item. DynamoDB makes one; the bare-key step is left out.
          const bareKey = !before && after && Object.keys(after).length === 1;
          indexWrites += indexWritesOf(before, after);
          if (changed(before, after) && !bareKey) {
            streamRecords += 1;
            const id = String((after ?? before)?.[jobTable.partitionKey] ?? '');
            if (id.startsWith(jobTable.scheduleLatestPrefix)) pointerRecords += 1;
          }
        }
        if (!page.Records?.length) break;
        ShardIterator = page.NextShardIterator;
      }
    }
  } finally {
    streams.destroy();
  }
  return { indexWrites, streamRecords, pointerRecords };
}
