/**
 * The Lambda worker: the user's handler as a function with one SQS event source per job queue, each
 * with partial batch responses, so a failing job hands back its own message and no other.
 */
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { splitConcurrency } from './delays-and-priorities.js';
import type { QueueGrants } from './grants.js';
import { createNodeFunction, type LogSettings } from './node-function.js';
import type { JobQueues } from './queues.js';
import type { ResolvedLambda } from './resolve-props.js';

/** The worker function, its event sources, and its grants. */
export function createLambdaWorker(
  scope: Construct,
  options: {
    readonly config: ResolvedLambda;
    /** The user's bundling settings, merged over the shared ones. */
    readonly bundling: nodejs.BundlingOptions | undefined;
    readonly settings: LogSettings;
    /** The construct's worker environment; it wins over the user's `environment`. */
    readonly workerEnvironment: Readonly<Record<string, string>>;
    readonly queues: JobQueues;
    readonly grants: QueueGrants;
  },
): nodejs.NodejsFunction {
  const { config, queues } = options;
  const { fn, role } = createNodeFunction(scope, 'Worker', options.settings, {
    nameSuffix: 'worker',
    entry: config.entry,
    handler: config.handler,
    timeout: config.timeout,
    memorySize: config.memorySize,
    reservedConcurrentExecutions: config.reservedConcurrentExecutions,
    description: 'Longhaul worker: runs jobs from the SQS queue',
    environment: { ...config.environment, ...options.workerEnvironment },
    bundling: options.bundling,
  });
  // With priorities, one event source per queue (high first); the handler acts on the queue each record names.
  const share = queues.priorityQueues ? splitConcurrency(config.maxConcurrency) : undefined;
  const sources: [sqs.IQueue, number][] =
    queues.priorityQueues && share
      ? [
          [queues.priorityQueues.high, share.high],
          [queues.queue, share.normal],
          [queues.priorityQueues.low, share.low],
        ]
      : [[queues.queue, config.maxConcurrency]];
  for (const [queue, maxConcurrency] of sources) {
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: config.batchSize,
        ...(config.maxBatchingWindow ? { maxBatchingWindow: config.maxBatchingWindow } : {}),
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
  // The event source mapping grants the queue's consume actions (and sqs:GetQueueUrl) itself.
  options.grants.worker(role, false);
  return fn;
}
