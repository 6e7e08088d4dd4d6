import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoJobStore } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { queuedJob } from '../support/job-records.js';

// DynamoDB returns UnprocessedItems from BatchWriteItem when it throttles part of a request; moto (the
// emulator the other tests use) never does. So these cases answer the store's requests with an SDK-level
// fake of the document client's `send`: the only place in the suite that does, and only for that path.

interface SentBatch {
  readonly ids: string[];
}

const job = (id: string) => queuedJob({ id });

/** A client answering each BatchWriteItem with `unprocessed(call, ids)` left unprocessed. */
function fakeClient(unprocessed: (call: number, ids: string[]) => string[]): {
  client: DynamoDBDocumentClient;
  sent: SentBatch[];
} {
  const sent: SentBatch[] = [];
  const client = {
    async send(command: {
      input: { RequestItems: Record<string, { PutRequest: { Item: { id: string } } }[]> };
    }) {
      const [table, requests] = Object.entries(command.input.RequestItems)[0] ?? ['', []];
      const ids = requests.map((r) => r.PutRequest.Item.id);
      sent.push({ ids });
      const left = new Set(unprocessed(sent.length, ids));
      const leftItems = requests.filter((r) => left.has(r.PutRequest.Item.id));
      return { UnprocessedItems: leftItems.length > 0 ? { [table]: leftItems } : {} };
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

describe('DynamoJobStore.putNew', () => {
  it('writes 25 records per BatchWriteItem', async () => {
    const { client, sent } = fakeClient(() => []);
    const store = new DynamoJobStore({ client, tableName: 'jobs' });
    const jobs = Array.from({ length: 60 }, (_, i) => job(`job-${i}`));
    const put = await store.putNew(jobs, new AbortController().signal);
    expect(put.error).toBeUndefined();
    expect([...put.written].sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(sent.map((batch) => batch.ids.length).sort()).toEqual([10, 25, 25]);
  });

  it('sends unprocessed items again until every record is written', async () => {
    // The first answer leaves two items unprocessed, the second one of those two.
    const { client, sent } = fakeClient((call, ids) =>
      ids.slice(call === 1 ? -2 : call === 2 ? -1 : ids.length),
    );
    const store = new DynamoJobStore({ client, tableName: 'jobs' });
    const jobs = Array.from({ length: 5 }, (_, i) => job(`job-${i}`));
    const put = await store.putNew(jobs, new AbortController().signal);
    expect(put).toEqual({ written: ['job-0', 'job-1', 'job-2', 'job-3', 'job-4'] });
    expect(sent.map((batch) => batch.ids)).toEqual([
      ['job-0', 'job-1', 'job-2', 'job-3', 'job-4'],
      ['job-3', 'job-4'],
      ['job-4'],
    ]);
  });

  it('stops at the abort and says which records were written', async () => {
    const controller = new AbortController();
    // Every answer leaves one item unprocessed; the producer's bound passes during the back-off.
    const { client } = fakeClient((call, ids) => {
      if (call === 2) controller.abort(new Error('bound passed'));
      return ids.slice(-1);
    });
    const store = new DynamoJobStore({ client, tableName: 'jobs' });
    const put = await store.putNew([job('a'), job('b'), job('c')], controller.signal);
    expect(put.written).toEqual(['a', 'b']);
    expect(put.error).toEqual(new Error('bound passed'));
  });
});
