// Moving a table from the 0.x layout with by-status and by-task to the current indexes: items written
// as the earlier release wrote them (statusShard, taskShard, timeShard) get their attention attribute
// and lose the legacy ones; a second run writes nothing; the script runs the same migration.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JobRecord, JobStatus } from 'longhaul';
import {
  createJobResources,
  DynamoJobStore,
  deleteJobResources,
  type JobResources,
  migrateJobIndexes,
} from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/core/index-shards.js';
import { uniquePrefix } from '../support/backends.js';
import { repositoryRoot } from '../support/processes.js';

const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
const dynamoClient = new DynamoDBClient({});
const client = DynamoDBDocumentClient.from(dynamoClient);
let resources: JobResources;

const statuses: JobStatus[] = [
  'queued',
  'scheduled',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
];

/** A job item as the earlier layout stored it. */
function legacyItem(status: JobStatus, i: number): Record<string, unknown> {
  const id = `legacy-${status}`;
  const record: JobRecord = {
    id,
    task: 'emails.send',
    status,
    args: null,
    attempts: status === 'queued' || status === 'scheduled' ? 0 : 1,
    maxAttempts: 3,
    enqueuedAt: Date.now() - 60_000 + i,
    logs: [],
    history: [],
  };
  return {
    ...record,
    statusShard: `${status}#${shardOf(id)}`,
    taskShard: `emails.send#${shardOf(id)}`,
    timeShard: `all#${shardOf(id)}`,
  };
}

beforeAll(async () => {
  resources = await createJobResources({
    sqsClient,
    dynamoClient,
    prefix: uniquePrefix('integration/index-migration'),
  });
  for (const [i, status] of statuses.entries()) {
    await client.send(new PutCommand({ TableName: resources.tableName, Item: legacyItem(status, i) }));
  }
  // Not a job: no status, never touched.
  await client.send(
    new PutCommand({ TableName: resources.tableName, Item: { id: '#limit#emails.send', slots: [] } }),
  );
});
afterAll(async () => {
  if (resources) await deleteJobResources({ sqsClient, dynamoClient }, resources);
});

const item = async (id: string) =>
  (await client.send(new GetCommand({ TableName: resources.tableName, Key: { id }, ConsistentRead: true })))
    .Item ?? {};

describe('migrating job items to the current indexes', () => {
  it('lists the attention states, drops the legacy attributes, and writes nothing the second time', async () => {
    const store = new DynamoJobStore({ client, tableName: resources.tableName });
    // Before: nothing is in the attention index.
    expect((await store.list({ status: 'failed' })).jobs).toEqual([]);

    const first = await migrateJobIndexes({ client, tableName: resources.tableName });
    expect(first).toEqual({ scanned: statuses.length, updated: statuses.length, changedMeanwhile: 0 });
    for (const status of statuses) {
      const migrated = await item(`legacy-${status}`);
      expect(migrated.statusShard).toBeUndefined();
      expect(migrated.taskShard).toBeUndefined();
      expect(migrated.timeShard).toBe(`all#${shardOf(`legacy-${status}`)}`);
      const listed = ['scheduled', 'running', 'retrying', 'failed', 'cancelled'].includes(status);
      expect(migrated.attentionShard).toBe(listed ? `${status}#${shardOf(`legacy-${status}`)}` : undefined);
    }
    expect(await item('#limit#emails.send')).toEqual({ id: '#limit#emails.send', slots: [] });
    for (const status of statuses) {
      expect((await store.list({ status })).jobs.map((j) => j.id)).toEqual([`legacy-${status}`]);
    }

    expect(await migrateJobIndexes({ client, tableName: resources.tableName, segments: 2 })).toEqual({
      scanned: statuses.length,
      updated: 0,
      changedMeanwhile: 0,
    });
  });

  it('runs as a script, reporting what it did', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'scripts/migrate-indexes.ts',
        '--table',
        resources.tableName,
      ],
      { cwd: repositoryRoot, env: process.env },
    );
    expect(JSON.parse(stdout)).toEqual({ scanned: statuses.length, updated: 0, changedMeanwhile: 0 });
  });
});
