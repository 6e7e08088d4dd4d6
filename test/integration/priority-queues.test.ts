import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { defineTask, Longhaul, PriorityTransport, silentLogger } from 'longhaul';
import { awsBackendFromEnv, env, SqsTransport } from 'longhaul/aws';
import { createLambdaHandlerFromEnv } from 'longhaul/lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { useJobResources } from '../support/backends.js';
import { lambdaContext, toRecord } from '../support/lambda.js';
import { eventually } from '../support/serve.js';

// The priority queues as a deployment configures them: created beside the job queue, found through the
// LONGHAUL_QUEUE_URL_HIGH/LOW variables, and served by a Lambda handler built from the environment.
describe('priority queues against the emulator', () => {
  const scope = useJobResources('integration/priority-queues', { priorities: true });
  let arns: Record<'high' | 'normal' | 'low' | 'dlq', string>;
  beforeAll(async () => {
    const arnOf = async (QueueUrl: string) =>
      (
        await scope.clients.sqsClient.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn as string;
    const urls = scope.resources.priorityQueueUrls as { high: string; low: string };
    arns = {
      high: await arnOf(urls.high),
      normal: await arnOf(scope.resources.queueUrl),
      low: await arnOf(urls.low),
      dlq: await arnOf(scope.resources.deadLetterQueueUrl),
    };
  });
  const failing = defineTask({
    name: 'fails',
    priority: 'high',
    retries: 1,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run() {
      throw new Error('not yet');
    },
  });

  it('creates high and low queues that redrive to the shared dead-letter queue', async () => {
    const urls = scope.resources.priorityQueueUrls as { high: string; low: string };
    for (const QueueUrl of [urls.high, urls.low]) {
      const { Attributes } = await scope.clients.sqsClient.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
      );
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: arns.dlq });
      expect(Attributes?.SqsManagedSseEnabled).toBe('true');
    }
    expect(scope.environment[env.queueUrlHigh]).toBe(urls.high);
  });

  it('builds a priority backend from the environment, and refuses half of the pair', () => {
    expect(awsBackendFromEnv(scope.environment).transport).toBeInstanceOf(PriorityTransport);
    const { [env.queueUrlLow]: _low, ...halfPair } = scope.environment;
    expect(() => awsBackendFromEnv(halfPair)).toThrow(/`priorityQueueUrls.low` to be a non-empty string/);
  });

  it('has the Lambda handler from the environment hand a failed record back on its own queue', async () => {
    const backend = awsBackendFromEnv(scope.environment);
    const job = await new Longhaul({ backend }).enqueue(failing);
    const high = new SqsTransport({
      client: scope.clients.sqsClient,
      queueUrl: (scope.resources.priorityQueueUrls as { high: string }).high,
      deadLetterQueueUrl: scope.resources.deadLetterQueueUrl,
    });
    const receive = () => high.receive({ maxMessages: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30 });
    const [message] = await eventually(async () => {
      const got = await receive();
      return got.length > 0 && got;
    });
    const handler = createLambdaHandlerFromEnv({ tasks: [failing], logger: silentLogger }, scope.environment);
    const response = await handler(
      { Records: [{ ...toRecord(message as never), eventSourceARN: arns.high }] },
      lambdaContext(),
    );
    expect(response.batchItemFailures).toHaveLength(1);
    // The retry's backoff hid it on the high queue (1 s instead of the 30 s it was received with): it
    // comes back there, to the second attempt.
    const again = await eventually(async () => {
      const got = await receive();
      return got.length > 0 && got;
    }, 15_000);
    expect(JSON.parse(again[0]?.body ?? '{}')).toMatchObject({ id: job.id, priority: 'high' });
    expect((await backend.store.get(job.id))?.status).toBe('retrying');
  });
});
