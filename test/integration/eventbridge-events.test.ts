// Job state changes through the emulator's real EventBridge: a bus, a rule matching Longhaul's events
// and an SQS queue as its target. A job runs with `events` configured, and the events the rule delivered
// are read back from the target queue.
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { type JobStateChange, Longhaul } from 'longhaul';
import {
  awsBackend,
  awsBackendFromEnv,
  createClients,
  createJobResources,
  deleteJobResources,
  env,
  type JobResources,
  jobStateEvent,
} from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf, uniquePrefix } from '../support/backends.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';
import { makeTasks } from '../support/tasks.js';

const clients = createClients();
const { sqsClient } = clients;
const eventsClient = new EventBridgeClient({});
const prefix = uniquePrefix('integration/eventbridge-events');
const busName = `${prefix}-bus`;
const ruleName = `${prefix}-rule`;
let resources: JobResources;
let targetQueueUrl: string;

beforeAll(async () => {
  resources = await createJobResources({ ...clients, prefix });
  await eventsClient.send(new CreateEventBusCommand({ Name: busName }));
  const queue = await sqsClient.send(new CreateQueueCommand({ QueueName: `${prefix}-events` }));
  targetQueueUrl = queue.QueueUrl as string;
  const attributes = await sqsClient.send(
    new GetQueueAttributesCommand({ QueueUrl: targetQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await eventsClient.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: JSON.stringify({
        source: [jobStateEvent.source],
        'detail-type': [jobStateEvent.detailType],
      }),
    }),
  );
  await eventsClient.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn as string }],
    }),
  );
});

afterAll(async () => {
  await eventsClient.send(
    new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ['queue'] }),
  );
  await eventsClient.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName }));
  await eventsClient.send(new DeleteEventBusCommand({ Name: busName }));
  await sqsClient.send(new DeleteQueueCommand({ QueueUrl: targetQueueUrl }));
  await deleteJobResources(clients, resources);
});

/** Reads the target queue until `count` events arrived. */
async function delivered(count: number): Promise<Array<Record<string, unknown>>> {
  const events: Array<Record<string, unknown>> = [];
  return eventually(async () => {
    const output = await sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: targetQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of output.Messages ?? []) events.push(JSON.parse(message.Body ?? '{}'));
    return events.length >= count && events;
  });
}

describe('EventBridge job state events', () => {
  it('delivers a job’s state changes to a rule’s target in order, as Longhaul Job State Change events', async () => {
    const backend = awsBackendFromEnv({ ...environmentOf(resources), [env.eventBusName]: busName });
    expect(backend.events).toBeDefined();
    const longhaul = new Longhaul({ backend });
    const { tasks, all } = makeTasks();
    const job = await longhaul.enqueue(tasks.add, { a: 20, b: 22 });
    await serveUntil(
      testWorker(backend, all),
      async () => (await longhaul.getJob(job.id)).status === 'succeeded',
    );

    const events = await delivered(3);
    expect(events.map((event) => [event.source, event['detail-type']])).toEqual(
      Array(3).fill([jobStateEvent.source, jobStateEvent.detailType]),
    );
    const details = events.map((event) => event.detail as JobStateChange);
    expect(details.map((d) => [d.jobId, d.previousStatus, d.status])).toEqual([
      [job.id, undefined, 'queued'],
      [job.id, 'queued', 'running'],
      [job.id, 'running', 'succeeded'],
    ]);
    expect(details[2]).toMatchObject({ task: 'math.add', attempt: 1, at: expect.any(Number) });
    expect(JSON.stringify(details)).not.toContain('"sum"');
    expect(backend.requests.snapshot().events?.PutEvents).toBe(3);
  });

  it('refuses events without a bus name', () => {
    expect(() => awsBackend({ ...resources, events: { eventBusName: '' } })).toThrow(
      /`events.eventBusName` to be a non-empty string/,
    );
  });
});
