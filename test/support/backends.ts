// The backends the contract suite runs against: the embedded one always, AWS through the emulator.
import { createHash, randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Backend, PayloadOptions } from 'longhaul';
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
} from 'longhaul/aws';
import { memoryBackend } from 'longhaul/memory';
import { afterAll, beforeAll } from 'vitest';

/** A backend made for one test, with a window onto its dead-letter queue. */
export interface TestBackend {
  readonly backend: Backend;
  /** The dead-letter queue's messages, with the reason Longhaul attached (none when SQS redrove it). */
  deadLetters(): Promise<Array<{ body: string; code?: string; jobId?: string }>>;
  /** For AWS: the LONGHAUL_* variables a worker process needs to reach the same queue and table. */
  readonly environment: Record<string, string>;
  dispose(): Promise<void>;
}

export interface BackendFactory {
  readonly name: string;
  /** `payloads`: offload large payloads (to an in-process store, or to a bucket made for the test). */
  create(options?: { maxReceiveCount?: number; payloads?: boolean | PayloadOptions }): Promise<TestBackend>;
}

export const memory: BackendFactory = {
  name: 'memory',
  async create(options = {}) {
    const backend = memoryBackend(options);
    return {
      backend,
      environment: {},
      async deadLetters() {
        return backend.transport.deadLetters().map((m) => ({
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
      const resources = await createJobResources({
        ...clients,
        prefix: uniquePrefix(label),
        maxReceiveCount: options.maxReceiveCount ?? 10,
        visibilityTimeoutSeconds: 2,
        ...(options.payloads ? { payloadBucket: true, s3Client } : {}),
      });
      const limits = typeof options.payloads === 'object' ? { limits: options.payloads } : {};
      const backend = awsBackend({
        queueUrl: resources.queueUrl,
        deadLetterQueueUrl: resources.deadLetterQueueUrl,
        tableName: resources.tableName,
        ...clients,
        ...(resources.payloadBucketName
          ? { payloads: { bucketName: resources.payloadBucketName, client: s3Client, ...limits } }
          : {}),
      });
      return {
        backend,
        environment: environmentOf(resources),
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
    'maxReceiveCount' | 'visibilityTimeoutSeconds' | 'payloadBucket'
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
