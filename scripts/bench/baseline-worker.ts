// The hand-written baseline a team would write instead of using Longhaul's worker: a loop over
// `@aws-sdk/client-sqs` and `@aws-sdk/lib-dynamodb` making the same requests per job as Longhaul's
// worker with status tracking on, at the same concurrency:
//
//   ReceiveMessage (up to min(10, free slots) messages, long poll) →
//   per message: conditional UpdateItem claim (the same expression: creates the record when missing, so
//   it serves both full and lean tracking) → the no-op task → conditional UpdateItem complete (fenced
//   by status, attempt and lease token) → DeleteMessageBatch of up to ten finished messages (sent when
//   ten are waiting or 50 ms after the first, like Longhaul's DeleteBatcher).
//
// No retries, heartbeats, dead-lettering, schema validation or logging: just the calls. Lean tracking
// changes nothing here (only the producer skips the PutItem), so the same loop is the lean baseline.
//
// `runPortLoop` is the embedded-backend baseline: the same loop over Longhaul's Transport and JobStore
// ports (MemoryTransport, MemoryJobStore) with no runner, no worker, no task registry.

import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Backend, Envelope, QueueMessage } from 'longhaul';
import { jobTable } from 'longhaul/aws';

export interface BaselineOptions {
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly concurrency: number;
  /** Default 20, as Longhaul's worker. */
  readonly waitTimeSeconds?: number;
  /** Default 60, as Longhaul's worker. */
  readonly visibilityTimeoutSeconds?: number;
  /** The task; default a no-op. */
  readonly task?: (args: unknown) => unknown;
  /**
   * What the completing UpdateItem returns. `ALL_NEW` is what Longhaul's store asks for (the default,
   * so the calls are identical); `NONE` is what a loop that does not read the record back would ask.
   */
  readonly completeReturnValues?: 'ALL_NEW' | 'NONE';
}

/** Requests a baseline made, by operation. */
export interface BaselineCounts {
  ReceiveMessage: number;
  DeleteMessageBatch: number;
  UpdateItem: number;
  completed: number;
}

export interface RunningBaseline {
  readonly counts: BaselineCounts;
  /** Stops receiving, waits for running jobs and sends the pending deletes. */
  stop(): Promise<void>;
}

const workerId = `baseline-${process.pid}`;

function shard(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return String((hash >>> 0) % jobTable.indexShards).padStart(2, '0');
}

/** Starts the hand-written SQS + DynamoDB loop. */
export function runBaselineWorker(options: BaselineOptions): RunningBaseline {
  const { sqs, dynamo, queueUrl, tableName, concurrency } = options;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const visibility = options.visibilityTimeoutSeconds ?? 60;
  const task = options.task ?? (() => null);
  const counts: BaselineCounts = { ReceiveMessage: 0, DeleteMessageBatch: 0, UpdateItem: 0, completed: 0 };
  const stopping = new AbortController();

  const pending: Message[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deletes = new Set<Promise<unknown>>();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending.splice(0, 10);
    counts.DeleteMessageBatch++;
    const request = sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      )
      .catch(() => undefined)
      .finally(() => deletes.delete(request));
    deletes.add(request);
  };

  async function handle(message: Message): Promise<void> {
    const envelope = JSON.parse(message.Body ?? '{}') as {
      id: string;
      task: string;
      args?: unknown;
      enqueuedAt: number;
    };
    const now = Date.now();
    const token = randomUUID();
    const s = shard(envelope.id);
    counts.UpdateItem++;
    const claimed = await dynamo.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id: envelope.id },
        UpdateExpression:
          'SET #task = if_not_exists(#task, :task), #taskShard = if_not_exists(#taskShard, :taskShard), ' +
          '#timeShard = if_not_exists(#timeShard, :timeShard), #args = if_not_exists(#args, :args), ' +
          '#maxAttempts = if_not_exists(#maxAttempts, :maxAttempts), #enqueuedAt = if_not_exists(#enqueuedAt, :enqueuedAt), ' +
          '#logs = if_not_exists(#logs, :empty), #startedAt = if_not_exists(#startedAt, :now), ' +
          '#attempts = if_not_exists(#attempts, :zero) + :one, #status = :running, #statusShard = :statusShard, ' +
          '#workerId = :workerId, #heartbeatAt = :now, #leaseExpiresAt = :lease, #leaseToken = :token, ' +
          '#history = list_append(if_not_exists(#history, :empty), :event) REMOVE #nextAttemptAt',
        ConditionExpression: 'attribute_not_exists(#id) OR #status IN (:queued, :retrying)',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#task': 'task',
          '#taskShard': 'taskShard',
          '#timeShard': 'timeShard',
          '#args': 'args',
          '#maxAttempts': 'maxAttempts',
          '#enqueuedAt': 'enqueuedAt',
          '#logs': 'logs',
          '#startedAt': 'startedAt',
          '#attempts': 'attempts',
          '#status': 'status',
          '#statusShard': 'statusShard',
          '#workerId': 'workerId',
          '#heartbeatAt': 'heartbeatAt',
          '#leaseExpiresAt': 'leaseExpiresAt',
          '#leaseToken': 'leaseToken',
          '#history': 'history',
          '#nextAttemptAt': 'nextAttemptAt',
        },
        ExpressionAttributeValues: {
          ':task': envelope.task,
          ':taskShard': `${envelope.task}#${s}`,
          ':timeShard': `all#${s}`,
          ':args': envelope.args ?? null,
          ':maxAttempts': 4,
          ':enqueuedAt': envelope.enqueuedAt,
          ':empty': [],
          ':now': now,
          ':zero': 0,
          ':one': 1,
          ':running': 'running',
          ':statusShard': `running#${s}`,
          ':workerId': workerId,
          ':lease': now + visibility * 1000 - 2_000,
          ':token': token,
          ':event': [{ at: now, status: 'running', workerId }],
          ':queued': 'queued',
          ':retrying': 'retrying',
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const attempt = Number(claimed.Attributes?.attempts);
    const result = await task(envelope.args);
    const at = Date.now();
    counts.UpdateItem++;
    await dynamo.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id: envelope.id },
        UpdateExpression:
          'SET #status = :succeeded, #statusShard = :statusShard, #history = list_append(if_not_exists(#history, :empty), :event), ' +
          '#result = :result, #finishedAt = :at REMOVE #leaseExpiresAt, #leaseToken, #error',
        ConditionExpression: '#status = :running AND #attempts = :attempt AND #leaseToken = :token',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#statusShard': 'statusShard',
          '#history': 'history',
          '#result': 'result',
          '#finishedAt': 'finishedAt',
          '#leaseExpiresAt': 'leaseExpiresAt',
          '#leaseToken': 'leaseToken',
          '#error': 'error',
          '#attempts': 'attempts',
        },
        ExpressionAttributeValues: {
          ':succeeded': 'succeeded',
          ':statusShard': `succeeded#${s}`,
          ':empty': [],
          ':event': [{ at, status: 'succeeded', attempt, workerId }],
          ':result': result ?? null,
          ':at': at,
          ':running': 'running',
          ':attempt': attempt,
          ':token': token,
        },
        ReturnValues: options.completeReturnValues ?? 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    counts.completed++;
    pending.push(message);
    if (pending.length >= 10) flush();
    else timer ??= setTimeout(flush, 50);
  }

  const slots = runSlots(concurrency, stopping.signal, handle, async (free) => {
    counts.ReceiveMessage++;
    try {
      const output = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, free),
          WaitTimeSeconds: waitTimeSeconds,
          VisibilityTimeout: visibility,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        { abortSignal: stopping.signal },
      );
      return output.Messages ?? [];
    } catch (error) {
      if (stopping.signal.aborted) return undefined;
      throw error;
    }
  });

  return {
    counts,
    async stop() {
      stopping.abort();
      slots.wake();
      await slots.settled;
      while (pending.length) flush();
      await Promise.allSettled([...deletes]);
    },
  };
}

/** What the minimal loop needs: default clients, as a user builds them. */
export interface MinimalLoopOptions {
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly concurrency: number;
  /** The task; default a no-op. */
  readonly task?: (args: unknown) => unknown;
}

/**
 * The leanest loop a competent engineer writes with the guarantees Longhaul gives (docs/ANCHORS: "the
 * baseline"): ReceiveMessage of up to 10 with long polling; per message a claim UpdateItem conditional on
 * the status (`queued` or `retrying` → `running`, with a fresh owner token) and a completion UpdateItem
 * conditional on that owner (→ `succeeded` with the result, the owner removed), both `ReturnValues: NONE`
 * with only the attributes they must set; the task; DeleteMessageBatch of finished messages (at ten, or
 * 50 ms after the first). A claim whose condition fails leaves the message alone. The record is the one
 * the producer wrote (full tracking); the claim writes none when it is missing.
 */
/** The minimal loop's claim: status and owner, conditional on the job being unstarted, nothing back. */
export function minimalClaim(tableName: string, id: string, owner: string): UpdateCommand {
  return new UpdateCommand({
    TableName: tableName,
    Key: { id },
    UpdateExpression: 'SET #s = :running, #o = :owner',
    ConditionExpression: '#s IN (:queued, :retrying)',
    ExpressionAttributeNames: { '#s': 'status', '#o': 'owner' },
    ExpressionAttributeValues: {
      ':running': 'running',
      ':owner': owner,
      ':queued': 'queued',
      ':retrying': 'retrying',
    },
    ReturnValues: 'NONE',
  });
}

export function runMinimalLoop(options: MinimalLoopOptions): RunningBaseline {
  const { sqs, dynamo, queueUrl, tableName } = options;
  const task = options.task ?? (() => null);
  const counts: BaselineCounts = { ReceiveMessage: 0, DeleteMessageBatch: 0, UpdateItem: 0, completed: 0 };
  const stopping = new AbortController();
  const pending: Message[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deletes = new Set<Promise<unknown>>();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending.splice(0, 10);
    counts.DeleteMessageBatch++;
    const request = sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      )
      .catch(() => undefined)
      .finally(() => deletes.delete(request));
    deletes.add(request);
  };

  async function handle(message: Message): Promise<void> {
    const { id, args } = JSON.parse(message.Body ?? '{}') as { id: string; args?: unknown };
    const owner = randomUUID();
    counts.UpdateItem++;
    try {
      await dynamo.send(minimalClaim(tableName, id, owner));
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw error;
    }
    const result = await task(args);
    counts.UpdateItem++;
    await dynamo.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id },
        UpdateExpression: 'SET #s = :succeeded, #r = :result REMOVE #o',
        ConditionExpression: '#o = :owner',
        ExpressionAttributeNames: { '#s': 'status', '#r': 'result', '#o': 'owner' },
        ExpressionAttributeValues: { ':succeeded': 'succeeded', ':result': result ?? null, ':owner': owner },
        ReturnValues: 'NONE',
      }),
    );
    counts.completed++;
    pending.push(message);
    if (pending.length >= 10) flush();
    else timer ??= setTimeout(flush, 50);
  }

  const slots = runSlots(options.concurrency, stopping.signal, handle, async (free) => {
    counts.ReceiveMessage++;
    try {
      const output = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, free),
          WaitTimeSeconds: 20,
          VisibilityTimeout: 60,
        }),
        { abortSignal: stopping.signal },
      );
      return output.Messages ?? [];
    } catch (error) {
      if (stopping.signal.aborted) return undefined;
      throw error;
    }
  });

  return {
    counts,
    async stop() {
      stopping.abort();
      slots.wake();
      await slots.settled;
      while (pending.length) flush();
      await Promise.allSettled([...deletes]);
    },
  };
}

/** The embedded-backend baseline: the same loop straight over a backend's ports. */
export function runPortLoop(options: {
  readonly backend: Backend;
  readonly concurrency: number;
  readonly task?: (args: unknown) => unknown;
}): RunningBaseline {
  const { transport, store } = options.backend;
  const task = options.task ?? (() => null);
  const counts: BaselineCounts = { ReceiveMessage: 0, DeleteMessageBatch: 0, UpdateItem: 0, completed: 0 };
  const stopping = new AbortController();
  let pending: QueueMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deletes = new Set<Promise<unknown>>();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    counts.DeleteMessageBatch++;
    const request = transport.delete(batch).finally(() => deletes.delete(request));
    deletes.add(request);
  };

  async function handle(message: QueueMessage): Promise<void> {
    const envelope = JSON.parse(message.body) as Envelope;
    const now = Date.now();
    counts.UpdateItem++;
    const claim = await store.claim({
      envelope,
      maxAttempts: 4,
      workerId,
      token: randomUUID(),
      now,
      leaseExpiresAt: now + 58_000,
    });
    if (!claim.claimed) return;
    const result = await task(envelope.args);
    counts.UpdateItem++;
    await store.complete(
      envelope.id,
      { attempt: claim.job.attempts, workerId, token: claim.job.leaseToken ?? '' },
      { status: 'succeeded', at: Date.now(), result: result ?? null, logs: [] },
    );
    counts.completed++;
    pending.push(message);
    if (pending.length >= 10) flush();
    else timer ??= setTimeout(flush, 50);
  }

  const slots = runSlots(options.concurrency, stopping.signal, handle, async (free) => {
    counts.ReceiveMessage++;
    return transport.receive(
      { maxMessages: Math.min(10, free), waitTimeSeconds: 20, visibilityTimeoutSeconds: 60 },
      stopping.signal,
    );
  });

  return {
    counts,
    async stop() {
      stopping.abort();
      slots.wake();
      await slots.settled;
      flush();
      await Promise.allSettled([...deletes]);
    },
  };
}

/**
 * The receive loop both baselines share: asks for as many messages as there are free slots and runs
 * each, at most `concurrency` at once, until `signal` aborts or `receive` answers undefined. `settled`
 * resolves once the loop ended and the running messages are done; `wake` ends a wait for a free slot.
 */
function runSlots<M>(
  concurrency: number,
  signal: AbortSignal,
  handle: (message: M) => Promise<void>,
  receive: (free: number) => Promise<M[] | undefined>,
): { settled: Promise<void>; wake(): void } {
  const active = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!signal.aborted) {
      const free = concurrency - active.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const messages = await receive(free);
      if (!messages) break;
      for (const message of messages) {
        const job: Promise<void> = handle(message)
          .catch((error: unknown) => console.error('baseline job failed', error))
          .finally(() => {
            active.delete(job);
            wake?.();
            wake = undefined;
          });
        active.add(job);
      }
    }
  })();
  return {
    settled: loop.then(async () => {
      await Promise.allSettled([...active]);
    }),
    wake: () => wake?.(),
  };
}
