import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type ClaimResult, ConfigError, defineTask, type Envelope, Longhaul } from 'longhaul';
import { awsBackend, awsBackendFromEnv, createClients, createJobResources } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useJobResources } from '../support/backends.js';
import { failUnstarted } from '../support/job-records.js';
import { serveUntil, testWorker } from '../support/serve.js';

describe('the AWS adapters against the emulator', () => {
  const scope = useJobResources('integration/aws-adapters', {
    maxReceiveCount: 7,
    visibilityTimeoutSeconds: 2,
  });
  const { clients } = scope;

  it('creates the queue with a redrive policy and encryption, and the table with its listing indexes', async () => {
    const queue = await clients.sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl: scope.resources.queueUrl, AttributeNames: ['All'] }),
    );
    const dlq = await clients.sqsClient.send(
      new GetQueueAttributesCommand({
        QueueUrl: scope.resources.deadLetterQueueUrl,
        AttributeNames: ['QueueArn'],
      }),
    );
    expect(JSON.parse(queue.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.Attributes?.QueueArn,
      maxReceiveCount: 7,
    });
    expect(queue.Attributes?.SqsManagedSseEnabled).toBe('true');
    const table = await clients.dynamoClient.send(
      new DescribeTableCommand({ TableName: scope.resources.tableName }),
    );
    const indexes = table.Table?.GlobalSecondaryIndexes ?? [];
    // Sharded partition keys, projecting only the task (which never changes).
    expect(
      indexes
        .map((i) => [
          i.IndexName,
          i.KeySchema?.[0]?.AttributeName,
          i.Projection?.ProjectionType,
          i.Projection?.NonKeyAttributes,
        ])
        .sort(),
    ).toEqual([
      ['by-attention', 'attentionShard', 'INCLUDE', ['task']],
      ['by-time-v2', 'timeShard', 'INCLUDE', ['task']],
    ]);
    expect(table.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('finds the existing resources when asked to create them again', async () => {
    expect(
      await createJobResources({
        ...clients,
        prefix: scope.prefix,
        maxReceiveCount: 7,
        visibilityTimeoutSeconds: 2,
      }),
    ).toEqual(scope.resources);
  });

  it('counts real SDK requests by operation, batching sends and deletes ten at a time', async () => {
    const backend = awsBackend({ ...scope.resources, ...createClients() });
    await backend.transport.send(Array.from({ length: 25 }, (_, i) => ({ body: `m${i}` })));
    const received = [];
    while (received.length < 25) {
      received.push(
        ...(await backend.transport.receive({
          maxMessages: 10,
          waitTimeSeconds: 1,
          visibilityTimeoutSeconds: 30,
        })),
      );
    }
    await backend.transport.delete(received);
    const counts = backend.requests.snapshot();
    expect(counts.sqs?.SendMessageBatch).toBe(3);
    expect(counts.sqs?.DeleteMessageBatch).toBe(3);
    expect(counts.sqs?.ReceiveMessage).toBeGreaterThanOrEqual(3);
    expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    // A message deleted already no longer holds a lock that could be extended.
    expect(
      await backend.transport.changeVisibility(received[0] as NonNullable<(typeof received)[0]>, 10),
    ).toBe(false);
  });

  it('reads numbers back as numbers from the item of a failed condition', async () => {
    const backend = awsBackend({ ...scope.resources, ...createClients() });
    const now = Date.now();
    const request = {
      envelope: { v: 1 as const, id: `typed-${now}`, task: 't', args: { n: 1 }, enqueuedAt: now },
      maxAttempts: 2,
      workerId: 'w1',
      token: 'token-w1',
      now,
      leaseExpiresAt: now + 60_000,
    };
    await backend.store.claim(request);
    const refused = await backend.store.claim({ ...request, workerId: 'w2' });
    expect(refused.claimed).toBe(false);
    expect(refused.job).toMatchObject({
      attempts: 1,
      workerId: 'w1',
      args: { n: 1 },
      leaseExpiresAt: now + 60_000,
    });
    // The first claim finds no record and puts it; the second's failed condition returns the item: no read.
    expect(backend.requests.snapshot().dynamodb).toEqual({ UpdateItem: 2, PutItem: 1 });
  });

  it('ends a job with a write that sends nothing back, answering with the record a read gives', async () => {
    // Watches the requests of a real client (no mock): what the worker asks DynamoDB to return.
    const { dynamoClient } = createClients();
    const writes: Array<{ expression: string; returnValues: unknown }> = [];
    dynamoClient.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string; ReturnValues?: unknown };
        if (input.UpdateExpression) {
          writes.push({ expression: input.UpdateExpression, returnValues: input.ReturnValues });
        }
        return next(args);
      },
      { step: 'initialize', name: 'watchWrites' },
    );
    const backend = awsBackend({ ...scope.resources, sqsClient: createClients().sqsClient, dynamoClient });
    let seen: unknown;
    const chatty = defineTask({
      name: 'chatty',
      run: (_args, ctx) => {
        ctx.log('on my way');
        return { answer: 42 };
      },
    });
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(chatty);
    const worker = testWorker(backend, [chatty], {
      hooks: {
        onSuccess: (result) => {
          seen = result;
        },
      },
    });
    await serveUntil(worker, async () => (await longhaul.getJob(handle.id)).status === 'succeeded');
    const completion = writes.find((w) => w.expression.includes('#finishedAt'));
    expect(completion?.returnValues).toBe('NONE');
    expect(seen).toEqual({ answer: 42 });
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      result: { answer: 42 },
      logs: [{ message: 'on my way' }],
    });
  });

  it('claims a job whose producer writes its record without sending what that record holds', async () => {
    const { dynamoClient } = createClients();
    const claims: string[] = [];
    dynamoClient.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (input.UpdateExpression?.includes('#leaseToken = ')) claims.push(input.UpdateExpression);
        return next(args);
      },
      { step: 'initialize', name: 'watchClaims' },
    );
    const backend = awsBackend({ ...scope.resources, sqsClient: createClients().sqsClient, dynamoClient });
    const add = defineTask({
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => a + b,
    });
    const longhaul = new Longhaul({ backend });
    // enqueueMany with full tracking: the message says its record is the producer's to write.
    const [handle] = await longhaul.enqueueMany(add, [{ a: 1, b: 2 }]);
    const id = (handle as NonNullable<typeof handle>).id;
    const worker = testWorker(backend, [add]);
    await serveUntil(worker, async () => (await longhaul.getJob(id)).status === 'succeeded');
    expect(claims).toHaveLength(1);
    expect(claims[0]).not.toMatch(/#args|#task|#enqueuedAt/);
    expect(await longhaul.getJob(id)).toMatchObject({ task: 'add', args: { a: 1, b: 2 }, result: 3 });
  });

  it("claims an enqueued job's record with only what a claim changes, and creates a lost record whole", async () => {
    const { backend, writesOf, requestsOf } = watchedBackend(scope.resources);
    const add = defineTask({
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => a + b,
    });
    const longhaul = new Longhaul({ backend });
    const worker = () => testWorker(backend, [add]);
    const succeeded = (id: string) => async () =>
      (await longhaul.getJob(id).catch(() => undefined))?.status === 'succeeded';

    // enqueue with full tracking: the record is there when the worker claims it.
    const handle = await longhaul.enqueue(add, { a: 1, b: 2 });
    await serveUntil(worker(), succeeded(handle.id));
    // The producer's put, one claim write and the completion. The claim is the put of the running record
    // on a first delivery; on a later one (a receive of an earlier test on this queue may have taken the
    // first) it is an update that sends only what a claim changes.
    const [, claim, completion] = requestsOf(handle.id);
    expect(requestsOf(handle.id)).toHaveLength(3);
    expect(completion?.update).toMatch(/REMOVE #leaseExpiresAt, #leaseToken/);
    if (claim?.command === 'UpdateItemCommand') {
      expect(claim.update).not.toMatch(/#args|#task|#maxAttempts|#enqueuedAt/);
    } else {
      expect(claim?.command).toBe('PutItemCommand');
    }

    // A message whose producer's record write was lost: the claim finds no record and puts it whole.
    const lost = '0192d3a4-5b6c-7d8e-9f00-112233445566';
    await backend.transport.send([
      { body: JSON.stringify({ v: 1, id: lost, task: 'add', args: { a: 4, b: 4 }, enqueuedAt: Date.now() }) },
    ]);
    await serveUntil(worker(), succeeded(lost));
    expect(writesOf(lost)).toEqual(['UpdateItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
    const job = await longhaul.getJob(lost);
    expect(job).toMatchObject({ task: 'add', args: { a: 4, b: 4 }, result: 8, attempts: 1 });
    expect(job.history.map((event) => `${event.status}:${event.attempt}`)).toEqual([
      'queued:0',
      'running:1',
      'succeeded:1',
    ]);
  });

  it('sends requests through clients whose SDK logger makes no redacted copies of them', async () => {
    // The SDK's logger middleware copies each request and response, redacted, for `logger.info`; the
    // clients Longhaul creates have no `info`, so nothing is copied (see src/backends/aws/sdk-logger.ts).
    const copiesMade = async (client: DynamoDBClient) => {
      let copies = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          for (const key of ['inputFilterSensitiveLog', 'outputFilterSensitiveLog'] as const) {
            const filter = context[key] as ((value: unknown) => unknown) | undefined;
            context[key] = (value: unknown) => {
              copies++;
              return filter ? filter(value) : value;
            };
          }
          return next(args);
        },
        { step: 'initialize', priority: 'high', name: 'countLogCopies' },
      );
      await client.send(new DescribeTableCommand({ TableName: scope.resources.tableName }));
      return copies;
    };
    const { dynamoClient } = createClients();
    expect(await copiesMade(dynamoClient)).toBe(0);
    // The same request through a client with the SDK's default logger: the test sees the copies it counts.
    expect(await copiesMade(new DynamoDBClient({}))).toBe(2);
  });

  it('keeps serving through throttled receives', async () => {
    // moto never throttles, so this test injects ThrottlingException for the first two receives with an
    // SDK middleware on a real client; everything else goes to the emulator.
    const sqsClient = new SQSClient({});
    let throttled = 0;
    sqsClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ReceiveMessageCommand' && throttled < 2) {
          throttled++;
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $retryable: undefined,
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottling' },
    );
    const backend = awsBackend({ ...scope.resources, sqsClient, dynamoClient: createClients().dynamoClient });
    const ping = defineTask({ name: 'ping', run: () => 'pong' });
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(ping);
    const worker = testWorker(backend, [ping]);
    await serveUntil(worker, async () => (await longhaul.getJob(handle.id)).status === 'succeeded');
    expect(throttled).toBe(2);
    expect(worker.stats.crashed).toBe(0);
  });

  it('builds a backend from LONGHAUL_* variables and names a missing one', () => {
    expect(() =>
      awsBackendFromEnv({
        LONGHAUL_QUEUE_URL: scope.resources.queueUrl,
        LONGHAUL_DLQ_URL: scope.resources.deadLetterQueueUrl,
        LONGHAUL_TABLE_NAME: scope.resources.tableName,
      }),
    ).not.toThrow();
    expect(() => awsBackendFromEnv({ LONGHAUL_QUEUE_URL: scope.resources.queueUrl })).toThrow(
      /Environment variable LONGHAUL_DLQ_URL is not set/,
    );
    expect(() => awsBackend({ queueUrl: '', deadLetterQueueUrl: 'x', tableName: '' })).toThrow(ConfigError);
  });
});

/** An AWS backend on `resources` whose job writes (puts and updates, tried or done) are noted per job id. */
function watchedBackend(resources: Parameters<typeof awsBackend>[0]) {
  const { dynamoClient, sqsClient } = createClients();
  const writes: WatchedWrite[] = [];
  dynamoClient.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        Item?: { id?: { S?: string } };
        Key?: { id?: { S?: string } };
        UpdateExpression?: string;
        ReturnValues?: string;
      };
      const command = context.commandName ?? '';
      if (/Put|Update/.test(command)) {
        writes.push({
          command,
          id: (input.Item ?? input.Key)?.id?.S,
          update: input.UpdateExpression,
          returnValues: input.ReturnValues,
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'watchWrites' },
  );
  const requestsOf = (id: string) => writes.filter((write) => write.id === id);
  return {
    backend: awsBackend({ ...resources, sqsClient, dynamoClient }),
    writesOf: (id: string) => requestsOf(id).map((write) => write.command),
    requestsOf,
  };
}

interface WatchedWrite {
  readonly command: string;
  readonly id: unknown;
  readonly update: string | undefined;
  readonly returnValues: string | undefined;
}

/** A first delivery's claim of `envelope`'s job, as a worker makes it a minute after the send. */
function claimOldMessage(
  backend: ReturnType<typeof awsBackend>,
  envelope: Envelope,
  maxAttempts: number,
): Promise<ClaimResult> {
  const now = Date.now();
  return backend.store.claim({
    envelope,
    deliveryCount: 1,
    sentAt: now - 60_000,
    maxAttempts,
    workerId: 'w',
    token: 't',
    now,
    leaseExpiresAt: now + 30_000,
  });
}

// A queue of its own: no message or worker of another test can take the first delivery.
describe("a lean job's first claim against the emulator", () => {
  const own = useJobResources('integration/aws-adapters-lean', { visibilityTimeoutSeconds: 30 });

  it("creates a lean job's record with one put on its first delivery, and still runs a duplicate once", async () => {
    const { backend, writesOf } = watchedBackend(own.resources);
    let runs = 0;
    const add = defineTask({
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => {
        runs++;
        return a + b;
      },
    });
    const lean = new Longhaul({ backend, tracking: 'lean' });
    const handle = await lean.enqueue(add, { a: 2, b: 5 });
    const worker = testWorker(backend, [add]);
    const done = async () => (await lean.getJob(handle.id).catch(() => undefined))?.status === 'succeeded';
    await serveUntil(worker, done);
    // The claim is the put; the completion the update.
    expect(writesOf(handle.id)).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    const job = await lean.getJob(handle.id);
    expect(job).toMatchObject({ task: 'add', args: { a: 2, b: 5 }, result: 7, attempts: 1 });
    expect(job.history.map((event) => `${event.status}:${event.attempt}`)).toEqual([
      'queued:0',
      'running:1',
      'succeeded:1',
    ]);
    // SQS may deliver a message twice: the duplicate's put finds the record, and the claim leaves it done.
    await backend.transport.send([
      {
        body: JSON.stringify({
          v: 1,
          id: handle.id,
          task: 'add',
          args: { a: 2, b: 5 },
          enqueuedAt: job.enqueuedAt,
          workerRecord: true,
        }),
      },
    ]);
    await serveUntil(
      testWorker(backend, [add]),
      async () =>
        (await backend.transport.depth()).available === 0 && (await backend.transport.depth()).inFlight === 0,
    );
    expect(runs).toBe(1);
  });
});

// A queue of its own, as above.
/** True once no message is waiting or in flight. */
async function queueIdle(backend: ReturnType<typeof awsBackend>): Promise<boolean> {
  const depth = await backend.transport.depth();
  return depth.available === 0 && depth.inFlight === 0;
}

describe("a full-tracking job's first claim against the emulator", () => {
  const own = useJobResources('integration/aws-adapters-plain', { visibilityTimeoutSeconds: 30 });

  it('puts the running record over the queued one its producer wrote, for a young message; updates an older one', async () => {
    const { backend, writesOf, requestsOf } = watchedBackend(own.resources);
    const add = defineTask({
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
      run: ({ a, b }) => a + b,
    });
    const longhaul = new Longhaul({ backend });
    const one = await longhaul.enqueue(add, { a: 1, b: 2 });
    // enqueueMany's records land after its messages (pendingRecord): its claims update them.
    const [many] = await longhaul.enqueueMany(add, [{ a: 3, b: 4 }]);
    const ids = [one.id, many?.id ?? ''];
    await serveUntil(testWorker(backend, [add]), () => queueIdle(backend));
    // The producer's put, then the claim's put and the completion.
    expect(writesOf(one.id)).toEqual(['PutItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
    // The producer's batch write (not watched), then the claim's update and the completion.
    expect(writesOf(ids[1] as string)).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    const jobs = await Promise.all(ids.map((id) => longhaul.getJob(id)));
    expect(jobs.map((job) => job.result)).toEqual([3, 7]);
    for (const job of jobs) {
      expect(job).toMatchObject({
        task: 'add',
        status: 'succeeded',
        attempts: 1,
        maxAttempts: add.retry.maxAttempts,
      });
      expect(job.history.map((event) => `${event.status}:${event.attempt}`)).toEqual([
        'queued:0',
        'running:1',
        'succeeded:1',
      ]);
      expect(job.history[0]?.at).toBe(job.enqueuedAt);
    }
    // A message sent a minute before its first delivery: its record is there, and the claim updates it.
    const old = await longhaul.enqueue(add, { a: 5, b: 6 });
    const queued = await longhaul.getJob(old.id);
    const claimed = await claimOldMessage(
      backend,
      {
        v: 1,
        id: old.id,
        task: 'add',
        args: { a: 5, b: 6 },
        enqueuedAt: queued.enqueuedAt,
        plainRecord: true,
      },
      add.retry.maxAttempts,
    );
    expect(claimed).toMatchObject({ claimed: true, job: { status: 'running', attempts: 1 } });
    expect(writesOf(old.id)).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    // The record was the queued one as enqueued: the update sets the claim's fields outright and returns
    // nothing, and the record the claim answers with is the one stored.
    for (const id of [ids[1] as string, old.id]) {
      const claim = requestsOf(id).find((write) => write.update?.includes('#leaseToken = '));
      expect(claim).toMatchObject({ command: 'UpdateItemCommand', returnValues: 'NONE' });
      expect(claim?.update).not.toMatch(/if_not_exists|#args|#task|#enqueuedAt/);
    }
    expect(claimed.job).toEqual(await longhaul.getJob(old.id));
  });
});

// A queue of its own again: a worker stopped in the test before could still take a first delivery.
describe("a full-tracking job's first claim, on a record it could not rebuild", () => {
  const own = useJobResources('integration/aws-adapters-unplain', { visibilityTimeoutSeconds: 30 });

  it('claims with the update a queued record it could not rebuild: requeued, or noted as waiting for a limit', async () => {
    const { backend, writesOf } = watchedBackend(own.resources);
    const echo = defineTask({ name: 'echo', args: z.object({ n: z.number() }), run: ({ n }) => n });
    const longhaul = new Longhaul({ backend });
    // Failed and queued again by the store alone while its first message waits in the queue, as when a
    // message is delivered late or redriven from the dead-letter queue: its envelope still says plainRecord.
    const requeued = await longhaul.enqueue(echo, { n: 1 });
    expect(await failUnstarted(backend.store, requeued.id, 'echo')).toBe(true);
    await backend.store.requeue(requeued.id, Date.now() + 1);
    const limited = await longhaul.enqueue(echo, { n: 2 });
    const note = { by: 'rate', limit: 'echo', at: Date.now(), until: Date.now() + 1_000 } as const;
    expect(await backend.store.noteLimited(limited.id, note)).toEqual({ noted: true });
    await serveUntil(testWorker(backend, [echo]), () => queueIdle(backend));
    const again = await longhaul.getJob(requeued.id);
    expect(again).toMatchObject({ status: 'succeeded', result: 1 });
    expect(again.history.map((event) => event.status)).toEqual([
      'queued',
      'failed',
      'queued',
      'running',
      'succeeded',
    ]);
    const claimAndEnd = [
      'PutItemCommand', // the claim's put, refused
      'UpdateItemCommand', // the claim
      'UpdateItemCommand', // the completion
    ];
    expect(writesOf(requeued.id)).toEqual([
      'PutItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
      ...claimAndEnd,
    ]);
    // The note is the one field a worker adds to a queued record; the claim's put would have lost it.
    expect(await longhaul.getJob(limited.id)).toMatchObject({
      status: 'succeeded',
      result: 2,
      limited: note,
    });
    expect(writesOf(limited.id)).toEqual(['PutItemCommand', 'UpdateItemCommand', ...claimAndEnd]);
  });

  it("claims an older message's record with the update of any job when it is not the queued one as enqueued", async () => {
    const { backend, writesOf, requestsOf } = watchedBackend(own.resources);
    const echo = defineTask({ name: 'echo', args: z.object({ n: z.number() }), run: ({ n }) => n });
    const longhaul = new Longhaul({ backend });
    const envelopeOf = (id: string, n: number, enqueuedAt: number): Envelope => ({
      v: 1,
      id,
      task: 'echo',
      args: { n },
      enqueuedAt,
      plainRecord: true,
    });
    // Failed and queued again by the store alone, as in the test above, but claimed a minute after the send.
    const requeued = await longhaul.enqueue(echo, { n: 1 });
    const enqueuedAt = (await longhaul.getJob(requeued.id)).enqueuedAt;
    expect(await failUnstarted(backend.store, requeued.id, 'echo')).toBe(true);
    await backend.store.requeue(requeued.id, Date.now() + 1);
    const again = await claimOldMessage(
      backend,
      envelopeOf(requeued.id, 1, enqueuedAt),
      echo.retry.maxAttempts,
    );
    expect(again.claimed).toBe(true);
    // The requeue's history is kept, and answered: the claim's update returns the record.
    expect(again.job.history.map((event) => event.status)).toEqual(['queued', 'failed', 'queued', 'running']);
    expect(again.job).toEqual(await longhaul.getJob(requeued.id));
    const limited = await longhaul.enqueue(echo, { n: 2 });
    const queued = await longhaul.getJob(limited.id);
    const note = { by: 'rate', limit: 'echo', at: Date.now(), until: Date.now() + 1_000 } as const;
    expect(await backend.store.noteLimited(limited.id, note)).toEqual({ noted: true });
    const noted = await claimOldMessage(backend, envelopeOf(limited.id, 2, queued.enqueuedAt), 1);
    expect(noted).toMatchObject({ claimed: true, job: { status: 'running', limited: note } });
    expect(noted.job).toEqual(await longhaul.getJob(limited.id));
    for (const id of [requeued.id, limited.id]) {
      const claims = requestsOf(id).filter((write) => write.update?.includes('#leaseToken = '));
      // The update of the queued record as enqueued, refused; then the claim of any job, which answers.
      expect(claims.map((write) => write.returnValues)).toEqual(['NONE', 'ALL_NEW']);
    }
    expect(writesOf(limited.id)).toEqual([
      'PutItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
    ]);
  });
});
