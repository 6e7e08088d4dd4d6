/**
 * Opens the backend a command works on: the injected one (tests), the AWS backend on the configured
 * queue and table, or the embedded one for the commands that run everything in this process.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsBackend, awsDelayOptionsFromEnv, sdkLogger } from '../backends/aws/index.js';
import { memoryBackend } from '../backends/memory/index.js';
import type { Backend } from '../core/ports.js';
import { BackendKind, type CliConfig, howToSet } from './config.js';
import { CliError, ExitCode } from './exit-codes.js';

/** A backend and how to let go of it (the AWS clients' sockets). */
export interface OpenBackend {
  readonly backend: Backend;
  readonly embedded: boolean;
  close(): void;
}

/**
 * Commands whose state must outlive the process or be shared with other processes (a job enqueued here,
 * read there). The embedded backend cannot serve them.
 */
export type BackendUse = 'shared' | 'process';

/** The AWS SDK client settings from the resolved configuration and environment. */
function clientConfig(
  config: CliConfig,
  environment: Readonly<Record<string, string | undefined>>,
): DynamoDBClientConfig {
  const accessKeyId = environment.AWS_ACCESS_KEY_ID;
  const secretAccessKey = environment.AWS_SECRET_ACCESS_KEY;
  const sessionToken = environment.AWS_SESSION_TOKEN;
  return {
    logger: sdkLogger,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    // The SDK reads process.env; an injected environment's keys are passed on explicitly.
    ...(accessKeyId && secretAccessKey && environment !== process.env
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}

/** Opens the configured backend for `command`. */
export function openBackend(
  config: CliConfig,
  environment: Readonly<Record<string, string | undefined>>,
  command: string,
  use: BackendUse,
): OpenBackend {
  if (config.backend === BackendKind.memory) {
    if (use === 'shared') {
      throw new CliError(
        ExitCode.usage,
        'embedded_backend',
        `\`longhaul ${command}\` cannot use the embedded backend (--backend memory): it lives inside one process, so jobs enqueued or read by this command would exist only until it exits and no worker or other command could see them.`,
        'Use `longhaul run TASK ARGS` to run a task in-process, `longhaul dashboard --backend memory --worker --demo` to try the dashboard, or point the CLI at AWS or the emulator (--queue-url, --dlq-url, --table, --endpoint).',
      );
    }
    return { backend: memoryBackend(), embedded: true, close() {} };
  }
  const missing = (['queueUrl', 'deadLetterQueueUrl', 'tableName'] as const).filter((key) => !config[key]);
  if (missing.length) {
    const what = {
      queueUrl: 'queue URL',
      deadLetterQueueUrl: 'dead-letter queue URL',
      tableName: 'table name',
    };
    throw new CliError(
      ExitCode.unavailable,
      'not_configured',
      `The AWS backend is not configured: missing the ${missing.map((key) => what[key]).join(', ')}`,
      missing.map((key) => `For the ${what[key]}: ${howToSet(key)}.`).join('\n'),
    );
  }
  const settings = clientConfig(config, environment);
  const sqsClient = new SQSClient({ ...settings, useQueueUrlAsEndpoint: false });
  const dynamoClient = new DynamoDBClient(settings);
  // A custom endpoint (the emulator) is addressed by path: `<bucket>.localhost` does not resolve everywhere.
  const s3Client = config.payloadBucket
    ? new S3Client({
        ...(settings.endpoint ? { endpoint: settings.endpoint as string, forcePathStyle: true } : {}),
        ...(settings.region ? { region: settings.region as string } : {}),
        ...(settings.credentials ? { credentials: settings.credentials } : {}),
        logger: sdkLogger,
      } as S3ClientConfig)
    : undefined;
  // Long delays and priority queues, when the environment names them (the construct's variables).
  const { scheduler, priorityQueueUrls } = awsDelayOptionsFromEnv(environment);
  const schedulerClient = scheduler ? new SchedulerClient(settings) : undefined;
  const backend = awsBackend({
    queueUrl: config.queueUrl as string,
    deadLetterQueueUrl: config.deadLetterQueueUrl as string,
    tableName: config.tableName as string,
    sqsClient,
    dynamoClient,
    ...(s3Client && config.payloadBucket
      ? { payloads: { bucketName: config.payloadBucket, client: s3Client } }
      : {}),
    ...(scheduler && schedulerClient ? { scheduler: { ...scheduler, client: schedulerClient } } : {}),
    ...(priorityQueueUrls ? { priorityQueueUrls } : {}),
  });
  return {
    backend,
    embedded: false,
    close() {
      sqsClient.destroy();
      dynamoClient.destroy();
      s3Client?.destroy();
      schedulerClient?.destroy();
    },
  };
}
