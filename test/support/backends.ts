// The backends the contract suite runs against: the embedded one always, AWS through the emulator.
import { createHash, randomUUID } from 'node:crypto';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type Backend, type PayloadOptions, type Priority, priorities, type Transport } from 'longhaul';
import {
  awsBackend,
  type CreateJobResourcesOptions,
  createClients,
  createJobResources,
  createS3Client,
  deadLetterAttributes,
  deleteJobResources,
  env,
  type JobResources,
  SqsTransport,
  scheduleNameOf,
} from 'longhaul/aws';
import { memoryBackend, memoryQueueNames } from 'longhaul/memory';
import { afterAll, beforeAll } from 'vitest';

/** A backend made for one test, with a window onto its dead-letter queue. */
export interface TestBackend {
  readonly backend: Backend;
  /** The dead-letter queue's messages, with the reason Longhaul attached (none when SQS redrove it). */
  deadLetters(): Promise<Array<{ body: string; code?: string; jobId?: string }>>;
  /** For AWS: the LONGHAUL_* variables a worker process needs to reach the same queue and table. */
  readonly environment: Record<string, string>;
  dispose(): Promise<void>;
  /**
   * With `delays`: does what the delay scheduler does at a job's run time (send its message) now, and
   * tells what was scheduled; undefined when nothing is scheduled for the job. EventBridge Scheduler in
   * the emulator stores schedules but never fires them, so the test fires them by hand.
   */
  fireDelayed(jobId: string): Promise<FiredDelay | undefined>;
  /** With `priorities`: each priority's own queue, and the ARN a Lambda event record names it by. */
  readonly priorityQueues?: Readonly<Record<Priority, { transport: Transport; arn: string }>>;
}

/** What a fired delay was: the schedule's expression, target and input on AWS; the body in memory. */
export interface FiredDelay {
  readonly body: string;
  readonly schedule?: {
    readonly expression: string;
    readonly timezone?: string;
    readonly targetArn: string;
    readonly roleArn: string;
    readonly flexibleWindow?: string;
    readonly afterCompletion?: string;
  };
}

export interface BackendOptions {
  maxReceiveCount?: number;
  /** A delay scheduler for delays past 15 minutes (an EventBridge Scheduler group on AWS). */
  delays?: boolean;
  /** One queue per priority behind a `PriorityTransport`. */
  priorities?: boolean;
  priorityOptions?: { weights?: Partial<Record<Priority, number>>; random?: () => number };
  /** Offload large payloads (to an in-process store, or to a bucket made for the test). */
  payloads?: boolean | PayloadOptions;
}

export interface BackendFactory {
  readonly name: string;
  create(options?: BackendOptions): Promise<TestBackend>;
}

/** The role a test's schedules name; the emulator does not assume it. */
export const testDelayRoleArn = 'arn:aws:iam::123456789012:role/longhaul-test-delays';

export const memory: BackendFactory = {
  name: 'memory',
  async create(options = {}) {
    const common = {
      ...(options.maxReceiveCount !== undefined ? { maxReceiveCount: options.maxReceiveCount } : {}),
      ...(options.payloads ? { payloads: options.payloads } : {}),
    };
    const backend = options.priorities
      ? memoryBackend({
          ...common,
          priorities: true,
          ...(options.priorityOptions ? { priorityOptions: options.priorityOptions } : {}),
        })
      : memoryBackend(common);
    const deadLetterQueue = 'queues' in backend ? backend.queues.normal : backend.transport;
    return {
      // The embedded backend always has its delay scheduler; `delays` matters on AWS.
      backend,
      environment: {},
      ...('queues' in backend
        ? {
            priorityQueues: Object.fromEntries(
              priorities.map((p) => [
                p,
                {
                  transport: backend.queues[p],
                  arn: `arn:aws:sqs:memory:000000000000:${memoryQueueNames[p]}`,
                },
              ]),
            ) as unknown as Record<Priority, { transport: Transport; arn: string }>,
          }
        : {}),
      async fireDelayed(jobId) {
        const body = await backend.delays.fire(jobId);
        return body === undefined ? undefined : { body };
      },
      async deadLetters() {
        return deadLetterQueue.deadLetters().map((m) => ({
          body: m.body,
          ...(m.reason ? { code: m.reason.code } : {}),
          ...(m.reason?.jobId ? { jobId: m.reason.jobId } : {}),
        }));
      },
      async dispose() {},
    };
  },
};

/** A unique, valid resource prefix per test: a hash of the test's name plus randomness, like pg-boss. */
export function uniquePrefix(label: string): string {
  const hash = createHash('sha256').update(label).digest('hex').slice(0, 8);
  return `lh-${hash}-${randomUUID().slice(0, 8)}`;
}

export function aws(label: string): BackendFactory {
  return {
    name: 'aws',
    async create(options = {}) {
      const clients = createClients();
      const s3Client = createS3Client();
      const prefix = uniquePrefix(label);
      const resources = await createJobResources({
        ...clients,
        prefix,
        maxReceiveCount: options.maxReceiveCount ?? 10,
        visibilityTimeoutSeconds: 2,
        ...(options.payloads ? { payloadBucket: true, s3Client } : {}),
        ...(options.priorities ? { priorities: true } : {}),
      });
      const limits = typeof options.payloads === 'object' ? { limits: options.payloads } : {};
      const schedulerClient = new SchedulerClient({});
      if (options.delays) await schedulerClient.send(new CreateScheduleGroupCommand({ Name: prefix }));
      const backend = awsBackend({
        ...resources,
        ...clients,
        ...(resources.payloadBucketName
          ? { payloads: { bucketName: resources.payloadBucketName, client: s3Client, ...limits } }
          : {}),
        ...(options.delays
          ? { scheduler: { roleArn: testDelayRoleArn, groupName: prefix, client: schedulerClient } }
          : {}),
        ...(options.priorityOptions ? { priorityOptions: options.priorityOptions } : {}),
      });
      const urls = resources.priorityQueueUrls;
      const queueOf = (queueUrl: string) => ({
        transport: new SqsTransport({
          client: clients.sqsClient,
          queueUrl,
          deadLetterQueueUrl: resources.deadLetterQueueUrl,
        }),
        arn: `arn:aws:sqs:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:${queueUrl.split('/').at(-1)}`,
      });
      return {
        backend,
        environment: {
          ...environmentOf(resources),
          ...(options.delays
            ? { [env.delayRoleArn]: testDelayRoleArn, [env.delayScheduleGroup]: prefix }
            : {}),
        },
        ...(urls
          ? {
              priorityQueues: {
                high: queueOf(urls.high),
                normal: queueOf(resources.queueUrl),
                low: queueOf(urls.low),
              },
            }
          : {}),
        async fireDelayed(jobId) {
          const schedule = await schedulerClient
            .send(new GetScheduleCommand({ Name: scheduleNameOf(jobId), GroupName: prefix }))
            .catch((error: unknown) => {
              if (error instanceof ResourceNotFoundException) return undefined;
              throw error;
            });
          if (!schedule?.Target) return undefined;
          const { Arn = '', RoleArn = '', Input = '' } = schedule.Target;
          // What Scheduler does at the schedule's time: SendMessage of the input to the target queue.
          const { QueueUrl } = await clients.sqsClient.send(
            new GetQueueUrlCommand({ QueueName: Arn.split(':').at(-1) }),
          );
          await clients.sqsClient.send(new SendMessageCommand({ QueueUrl, MessageBody: Input }));
          // ...and then deletes a schedule whose ActionAfterCompletion is DELETE.
          await schedulerClient.send(
            new DeleteScheduleCommand({ Name: scheduleNameOf(jobId), GroupName: prefix }),
          );
          return {
            body: Input,
            schedule: {
              expression: schedule.ScheduleExpression ?? '',
              ...(schedule.ScheduleExpressionTimezone
                ? { timezone: schedule.ScheduleExpressionTimezone }
                : {}),
              targetArn: Arn,
              roleArn: RoleArn,
              ...(schedule.FlexibleTimeWindow?.Mode
                ? { flexibleWindow: schedule.FlexibleTimeWindow.Mode }
                : {}),
              ...(schedule.ActionAfterCompletion ? { afterCompletion: schedule.ActionAfterCompletion } : {}),
            },
          };
        },
        async deadLetters() {
          const seen = new Map<string, { body: string; code?: string; jobId?: string }>();
          for (let i = 0; i < 3; i++) {
            const output = await clients.sqsClient.send(
              new ReceiveMessageCommand({
                QueueUrl: resources.deadLetterQueueUrl,
                MaxNumberOfMessages: 10,
                VisibilityTimeout: 0,
                MessageAttributeNames: ['All'],
              }),
            );
            for (const m of output.Messages ?? []) {
              const code = m.MessageAttributes?.[deadLetterAttributes.code]?.StringValue;
              const jobId = m.MessageAttributes?.[deadLetterAttributes.jobId]?.StringValue;
              seen.set(m.MessageId ?? '', {
                body: m.Body ?? '',
                ...(code ? { code } : {}),
                ...(jobId ? { jobId } : {}),
              });
            }
          }
          return [...seen.values()];
        },
        async dispose() {
          await deleteJobResources({ ...clients, s3Client }, resources);
          if (options.delays) await schedulerClient.send(new DeleteScheduleGroupCommand({ Name: prefix }));
          schedulerClient.destroy();
          clients.sqsClient.destroy();
          clients.dynamoClient.destroy();
          s3Client.destroy();
        },
      };
    },
  };
}

/** Every backend the contract suite covers. */
export function contractBackends(label: string): BackendFactory[] {
  return [memory, aws(label)];
}

/** The LONGHAUL_* variables that point a worker process at `resources`. */
export function environmentOf(resources: JobResources): Record<string, string> {
  return {
    [env.queueUrl]: resources.queueUrl,
    [env.deadLetterQueueUrl]: resources.deadLetterQueueUrl,
    [env.tableName]: resources.tableName,
    ...(resources.payloadBucketName ? { [env.payloadBucket]: resources.payloadBucketName } : {}),
    ...(resources.priorityQueueUrls
      ? {
          [env.queueUrlHigh]: resources.priorityQueueUrls.high,
          [env.queueUrlLow]: resources.priorityQueueUrls.low,
        }
      : {}),
  };
}

export interface JobResourcesScope {
  readonly clients: ReturnType<typeof createClients>;
  readonly prefix: string;
  resources: JobResources;
  environment: Record<string, string>;
}

/** Registers hooks that create a queue, dead-letter queue and table before a describe block, and delete them after. */
export function useJobResources(
  label: string,
  options: Pick<
    CreateJobResourcesOptions,
    'maxReceiveCount' | 'visibilityTimeoutSeconds' | 'payloadBucket' | 'priorities'
  > = {},
): JobResourcesScope {
  const scope = { clients: createClients(), prefix: uniquePrefix(label) } as JobResourcesScope;
  const s3Client = createS3Client();
  beforeAll(async () => {
    scope.resources = await createJobResources({
      ...scope.clients,
      s3Client,
      ...options,
      prefix: scope.prefix,
    });
    scope.environment = environmentOf(scope.resources);
  });
  afterAll(async () => {
    await deleteJobResources({ ...scope.clients, s3Client }, scope.resources);
    s3Client.destroy();
  });
  return scope;
}
