// Deploys the example CDK app to the emulator with the real `cdk` CLI (bootstrap + deploy, as
// `npm run deploy:local` does), then drives the deployed resources: jobs enqueued through the SDK are
// received from the deployed queue as real SQS records and handed, in an SQS event, to the bundled
// Lambda handler from the deployed asset (the emulator cannot execute Lambda code here), with the
// environment the deployed function has. Statuses, results, retries and the dead-letter queue are
// checked in the deployed table and queues; a schedule's rule target is fired and its job checked.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { isFinalStatus, type JobRecord, Longhaul } from 'longhaul';
import { type AwsBackend, awsBackend, deadLetterAttributes, env } from 'longhaul/aws';
import type { JobStreamEvent, JobStreamRecord, LonghaulLambdaHandler, SqsEvent } from 'longhaul/lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshEveryMinute } from '../../examples/demo-schedules.js';
import {
  dashboardRefresh,
  demoTasks,
  reportBroken,
  reportFlaky,
  wordCount,
} from '../../examples/demo-tasks.js';
import { type Deployment, deployToEmulator, destroyOnEmulator } from '../../scripts/deploy-local.js';
import { renderInputTransformer, scheduledEvent } from '../support/eventbridge.js';

const stackName = 'LonghaulDeployTest';
let deployment: Deployment;
let cliOutput = '';
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const dynamo = new DynamoDBClient({});

interface DeployedFunction {
  readonly name: string;
  readonly arn: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly handler: LonghaulLambdaHandler;
}
let fn: DeployedFunction;
let longhaul: Longhaul;
let backend: AwsBackend;

/** The physical ids of the stack's resources, by CloudFormation type. */
async function resourcesOfType(type: string): Promise<string[]> {
  const cfn = new CloudFormationClient({});
  const { StackResources = [] } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return StackResources.filter((r) => r.ResourceType === type).map((r) => r.PhysicalResourceId ?? '');
}

/**
 * Loads the handler of the function named `functionName` from the bundle the stack deployed, found
 * through the template's asset metadata.
 */
async function loadDeployedHandler<T>(functionName: string): Promise<T> {
  const template = JSON.parse(
    readFileSync(join(deployment.assemblyDir, 'Longhaul.template.json'), 'utf8'),
  ) as {
    Resources: Record<
      string,
      { Type: string; Properties?: { FunctionName?: string }; Metadata?: Record<string, string> }
    >;
  };
  const functions = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === functionName,
  );
  expect(functions).toHaveLength(1);
  const assetPath = functions[0]?.Metadata?.['aws:asset:path'] as string;
  const module = (await import(pathToFileURL(join(deployment.assemblyDir, assetPath, 'index.mjs')).href)) as {
    handler: T;
  };
  return module.handler;
}

/** Turns received messages into the event Lambda's SQS event source mapping would deliver. */
function sqsEvent(messages: readonly Message[], queueArn: string): SqsEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '',
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    })),
  };
}

/**
 * Plays the event source mapping until every job in `ids` is final: receive up to 10 records, invoke
 * the handler with the deployed function's environment, delete what it did not report as failed.
 */
async function serveUntilFinal(ids: readonly string[], timeoutMs = 60_000): Promise<JobRecord[]> {
  const queueUrl = fn.environment.LONGHAUL_QUEUE_URL as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const deadline = Date.now() + timeoutMs;
  const saved = { ...process.env };
  Object.assign(process.env, fn.environment);
  try {
    for (;;) {
      const jobs = await Promise.all(ids.map((id) => longhaul.getJob(id).catch(() => undefined)));
      if (jobs.every((job) => job && isFinalStatus(job.status))) return jobs as JobRecord[];
      if (Date.now() > deadline) {
        throw new Error(`jobs not final: ${JSON.stringify(jobs.map((j) => [j?.id, j?.status]))}`);
      }
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) continue;
      const endsAt = Date.now() + fn.timeoutSeconds * 1000;
      const response = await fn.handler(sqsEvent(Messages, Attributes?.QueueArn ?? ''), {
        functionName: fn.name,
        awsRequestId: crypto.randomUUID(),
        getRemainingTimeInMillis: () => endsAt - Date.now(),
      });
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const done = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
      if (done.length) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }
  } finally {
    for (const key of Object.keys(fn.environment)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

describe('the example app deployed to the emulator with the cdk CLI', () => {
  beforeAll(async () => {
    deployment = await deployToEmulator({
      stackName,
      log: (chunk) => {
        cliOutput = (cliOutput + chunk).slice(-20_000);
      },
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- cdk output ---\n${cliOutput}`);
    });
    const functionName = deployment.outputs.WorkerFunctionName as string;
    const config = await new LambdaClient({}).send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName }),
    );
    fn = {
      name: config.FunctionName ?? '',
      arn: config.FunctionArn ?? '',
      environment: config.Environment?.Variables ?? {},
      timeoutSeconds: config.Timeout ?? 3,
      handler: await loadDeployedHandler<LonghaulLambdaHandler>(functionName),
    };
    const { outputs } = deployment;
    backend = awsBackend({
      queueUrl: outputs.QueueUrl as string,
      deadLetterQueueUrl: outputs.DeadLetterQueueUrl as string,
      tableName: outputs.TableName as string,
      // The bucket the construct deployed, as the function finds it.
      payloads: { bucketName: fn.environment[env.payloadBucket] as string },
    });
    longhaul = new Longhaul({ backend });
    // A previous run against a reused emulator may have left messages behind.
    for (const url of [outputs.QueueUrl, outputs.DeadLetterQueueUrl]) {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    }
  }, 300_000);

  afterAll(async () => {
    if (deployment) await destroyOnEmulator({ stackName, log: () => undefined }).catch(() => undefined);
  }, 120_000);

  it('deploys the queue, dead-letter queue, table and function the construct describes', async () => {
    const { outputs } = deployment;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['QueueUrl', 'DeadLetterQueueUrl', 'TableName', 'WorkerFunctionName']),
    );
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['All'] }),
    );
    const maxAttempts = Math.max(...demoTasks.map((task) => task.retry.maxAttempts));
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: maxAttempts + 2 });
    expect(Attributes.SqsManagedSseEnabled).toBe('true');
    // The queue hides a message for 6x the function's timeout, as AWS recommends for event sources.
    expect(Number(Attributes.VisibilityTimeout)).toBe(6 * fn.timeoutSeconds);

    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: outputs.TableName }));
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'by-attention',
      'by-time-v2',
    ]);

    expect(fn.environment).toMatchObject({
      LONGHAUL_QUEUE_URL: outputs.QueueUrl,
      LONGHAUL_DLQ_URL: outputs.DeadLetterQueueUrl,
      LONGHAUL_TABLE_NAME: outputs.TableName,
      LONGHAUL_VISIBILITY_TIMEOUT_SECONDS: String(6 * fn.timeoutSeconds),
      LONGHAUL_DELIVERY_LIMIT: String(maxAttempts + 2),
    });
  });

  it('runs enqueued jobs through the deployed bundle: results, a retry, the dead-letter queue, bad input', async () => {
    const refresh = await longhaul.enqueue(dashboardRefresh);
    const count = await longhaul.enqueue(wordCount, { path: 'rivers.txt' });
    const flaky = await longhaul.enqueue(reportFlaky, { report: 'weekly' });
    const broken = await longhaul.enqueue(reportBroken, { report: 'gone' });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deployment.outputs.QueueUrl,
        MessageBody: JSON.stringify({
          v: 1,
          id: 'deploy-unknown',
          task: 'no.such.task',
          args: {},
          enqueuedAt: 1,
        }),
      }),
    );

    const [refreshed, counted, retried, failed, unknown] = await serveUntilFinal([
      refresh.id,
      count.id,
      flaky.id,
      broken.id,
      'deploy-unknown',
    ]);
    expect(refreshed).toMatchObject({ status: 'succeeded', result: { activeUsers: expect.any(Number) } });
    expect(refreshed?.workerId).toMatch(new RegExp(`^lambda:${fn.name}:`));
    // The corpus was copied beside the bundle, so the task reads it as it does locally.
    expect(counted).toMatchObject({
      status: 'succeeded',
      result: { path: 'rivers.txt', words: expect.any(Number) },
    });
    expect(retried).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 2,
      deadLettered: true,
      error: { code: 'task_error' },
    });
    expect(unknown).toMatchObject({ status: 'failed', error: { code: 'unknown_task' } });

    const letters: Message[] = [];
    for (let i = 0; i < 10 && letters.length < 2; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deployment.outputs.DeadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      letters.push(...Messages);
    }
    const reasons = letters.map((m) => [
      m.MessageAttributes?.[deadLetterAttributes.jobId]?.StringValue,
      m.MessageAttributes?.[deadLetterAttributes.code]?.StringValue,
    ]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        [broken.id, 'task_error'],
        ['deploy-unknown', 'unknown_task'],
      ]),
    );
  }, 120_000);

  it('offloads large arguments to the deployed bucket and runs them through the deployed bundle', async () => {
    expect(fn.environment[env.payloadBucket]).toEqual(expect.stringMatching(/\S/));
    const pad = 'x'.repeat(200_000);
    // The schema keeps what it knows: the padding only makes the arguments too large for a message.
    const job = await longhaul.enqueue(wordCount, { path: 'rivers.txt', pad } as never);
    const [done] = await serveUntilFinal([job.id]);
    expect(done).toMatchObject({
      status: 'succeeded',
      args: { path: 'rivers.txt', pad },
      argsRef: { bytes: JSON.stringify({ path: 'rivers.txt', pad }).length },
    });
    const stored = await backend.store.get(job.id);
    expect(stored?.args).toBeNull();
  });

  it("fires a schedule's rule target and runs the scheduled job like any other", async () => {
    const [ruleName] = await resourcesOfType('AWS::Events::Rule');
    expect(ruleName).toBeDefined();
    const events = new EventBridgeClient({});
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: ruleName }));
    expect(Targets).toHaveLength(1);
    const target = Targets[0];
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deployment.outputs.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    expect(target?.Arn).toBe(Attributes?.QueueArn);
    // Runs the target could not deliver go to the dead-letter queue rather than vanish.
    expect(target?.DeadLetterConfig?.Arn).toMatch(/dlq/);

    const time = '2026-11-23T14:00:00Z';
    const body = renderInputTransformer(target?.InputTransformer ?? {}, scheduledEvent(time, ruleName ?? ''));
    await sqs.send(new SendMessageCommand({ QueueUrl: deployment.outputs.QueueUrl, MessageBody: body }));

    const id = `${refreshEveryMinute.name}@${time}`;
    const [job] = await serveUntilFinal([id]);
    expect(job).toMatchObject({
      id,
      task: 'dashboard.refresh',
      schedule: refreshEveryMinute.name,
      status: 'succeeded',
      enqueuedAt: Date.parse(time),
    });
  }, 120_000);

  it('deploys the counts aggregator on the table stream, and its bundle keeps counts from stream records', async () => {
    const { Table } = await dynamo.send(
      new DescribeTableCommand({ TableName: deployment.outputs.TableName }),
    );
    expect(Table?.StreamSpecification).toMatchObject({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    const lambdaClient = new LambdaClient({});
    const { EventSourceMappings = [] } = await lambdaClient.send(
      new ListEventSourceMappingsCommand({ FunctionName: 'longhaul-counts' }),
    );
    expect(EventSourceMappings.map((m) => m.EventSourceArn)).toEqual([Table?.LatestStreamArn]);
    const config = await lambdaClient.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'longhaul-counts' }),
    );
    expect(config.Environment?.Variables).toEqual(
      expect.objectContaining({ LONGHAUL_TABLE_NAME: deployment.outputs.TableName }),
    );

    // moto's CloudFormation enables the stream of the tables it creates but records nothing in it (a
    // table created through the API does; test/integration/job-counts.test.ts reads that one). So the
    // deployed bundle gets what the stream would have carried for the jobs in the deployed table: an
    // INSERT with the new image of each.
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: deployment.outputs.TableName }));
    const records: JobStreamRecord[] = Items.map((item, i) => ({
      eventID: `insert-${i}`,
      eventName: 'INSERT',
      dynamodb: { NewImage: item },
    }));
    const countsHandler =
      await loadDeployedHandler<(event: JobStreamEvent) => Promise<void>>('longhaul-counts');
    const saved = process.env.LONGHAUL_TABLE_NAME;
    process.env.LONGHAUL_TABLE_NAME = deployment.outputs.TableName;
    try {
      for (let i = 0; i < records.length; i += 100)
        await countsHandler({ Records: records.slice(i, i + 100) });
    } finally {
      if (saved === undefined) delete process.env.LONGHAUL_TABLE_NAME;
      else process.env.LONGHAUL_TABLE_NAME = saved;
    }
    const counts = await longhaul.counts();
    expect(counts.source).toBe('counters');
    const exact = await backend.store.countFromIndex();
    expect(counts.byStatus).toEqual(exact.byStatus);
    expect(counts.byTask).toEqual(exact.byTask);
    expect(counts.byStatus.succeeded).toBeGreaterThanOrEqual(4);
  });
});
