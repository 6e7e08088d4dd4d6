/**
 * The `LonghaulQueue` construct: its public face (the resources it exposes and its grants) and the
 * order in which its parts are made; each part is made in its own module, imported below. The order
 * is the template's: construct ids and scopes stay as they are, so logical ids never change.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createAlarms } from './alarms.js';
import { createCountsAggregator } from './counts-aggregator.js';
import { createDashboard } from './dashboard.js';
import { createDelayScheduling, type DelayScheduling, type PriorityQueues } from './delays-and-priorities.js';
import { allowServicesToUseKey } from './encryption-key.js';
import { resolveEventBus } from './event-bus.js';
import { createFargateWorker } from './fargate-worker.js';
import { QueueGrants } from './grants.js';
import { taskFailureRateAlarms } from './job-metrics.js';
import { createJobTable, jobIndexArns } from './job-table.js';
import { createLambdaWorker } from './lambda-worker.js';
import { createPayloadBucket } from './payload-bucket.js';
import type { LonghaulQueueProps } from './props.js';
import { createJobQueues, workQueues } from './queues.js';
import { resolveProps } from './resolve-props.js';
import { createScheduleRules } from './schedules.js';
import { workerEnvironment } from './worker-environment.js';

/**
 * A Longhaul deployment: the job queue with its dead-letter queue, the job table, the workers (a Lambda
 * function with an SQS event source, and/or a Fargate service that scales on the queue), one
 * EventBridge rule per schedule, alarms and a dashboard. Queues are encrypted (SQS-managed SSE, or
 * the `encryptionKey` with the table, bucket and log groups) and refuse plain HTTP; every grant is a
 * list of actions on named resources.
 *
 * @example
 * const jobs = new LonghaulQueue(this, 'Jobs', {
 *   tasks: [generateReport],
 *   schedules: [nightlyReport],
 *   lambda: { entry: 'functions/lambda.ts' },
 * });
 * jobs.grantEnqueue(webApp);
 */
export class LonghaulQueue extends Construct {
  /** The job queue. */
  readonly queue: sqs.Queue;
  /** Where failed jobs' messages go: by the worker with a reason, or by SQS after `maxReceiveCount` receives. */
  readonly deadLetterQueue: sqs.Queue;
  /** The job table: one item per job, with the `by-time-v2` and sparse `by-attention` indexes. */
  readonly table: dynamodb.Table;
  /** The Lambda worker, unless `lambda: false`. */
  readonly workerFunction: nodejs.NodejsFunction | undefined;
  /** The counts aggregator on the table's stream, unless `counts: false`. */
  readonly countsFunction: nodejs.NodejsFunction | undefined;
  /**
   * The batches of stream records the counts aggregator gave up on (after 10 tries): a message here means
   * the counts have drifted; `longhaul stats --rebuild` recounts them. Undefined with `counts: false`.
   */
  readonly countsFailureQueue: sqs.Queue | undefined;
  /** The Fargate worker service, when `fargate` is given. */
  readonly fargateService: ecs.FargateService | undefined;
  /** One EventBridge rule per schedule, by schedule name. */
  readonly rules: Readonly<Record<string, events.Rule>>;
  /** The DLQ holds a message. Undefined with `alarms: false`. */
  readonly deadLetterAlarm: cloudwatch.Alarm | undefined;
  /** The oldest waiting job is older than `alarms.oldestMessageAge`. Undefined with `alarms: false`. */
  readonly oldestMessageAlarm: cloudwatch.Alarm | undefined;
  /** The Lambda worker failed (crashed or timed out, not a job failing). Undefined without Lambda or alarms. */
  readonly workerErrorsAlarm: cloudwatch.Alarm | undefined;
  /**
   * The counts aggregator gave up on a batch, so the counts have drifted. Undefined with `counts: false`
   * or `alarms: false`.
   */
  readonly countsFailureAlarm: cloudwatch.Alarm | undefined;
  /**
   * One per task, with `metrics.failureRateAlarmPercent`: too many of its jobs failed. Empty without it
   * or with `alarms: false`.
   */
  readonly failureRateAlarms: readonly cloudwatch.Alarm[];
  /** Every alarm above that exists. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The dashboard, unless `dashboard: false`. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** The queue's delivery limit (`maxReceiveCount` of its redrive policy). */
  readonly maxReceiveCount: number;
  /** The queue's visibility timeout. */
  readonly visibilityTimeout: Duration;
  /**
   * What a worker run elsewhere needs (`LONGHAUL_QUEUE_URL`, `LONGHAUL_DLQ_URL`, `LONGHAUL_TABLE_NAME`,
   * `LONGHAUL_VISIBILITY_TIMEOUT_SECONDS`, `LONGHAUL_DELIVERY_LIMIT`, and `LONGHAUL_PAYLOAD_BUCKET` and
   * `LONGHAUL_RETENTION_*_MS` when set). Values are CloudFormation tokens.
   */
  readonly workerEnvironment: Readonly<Record<string, string>>;
  /** The bus job state changes go to, when `events` is set. */
  readonly eventBus: events.IEventBus | undefined;
  /** The bucket of offloaded payloads, unless `payloads: false`. */
  readonly payloadBucket: s3.Bucket | undefined;
  /** The `high` and `low` queues, with `priorities: true`. */
  readonly priorityQueues: PriorityQueues | undefined;
  /** The schedule group and role for delays past 15 minutes, with `delays: true`. */
  readonly delayScheduling: DelayScheduling | undefined;

  readonly #grants: QueueGrants;

  constructor(scope: Construct, id: string, props: LonghaulQueueProps) {
    super(scope, id);
    const config = resolveProps(props);
    const prefix = config.namePrefix;
    this.maxReceiveCount = config.maxReceiveCount;
    this.visibilityTimeout = config.visibilityTimeout;
    const encryptionKey = config.encryptionKey;
    if (encryptionKey) allowServicesToUseKey(this, encryptionKey, config.schedules.length > 0);

    const queues = createJobQueues(this, {
      prefix,
      visibilityTimeout: config.visibilityTimeout,
      retentionPeriod: config.retentionPeriod,
      maxReceiveCount: config.maxReceiveCount,
      priorities: props.priorities === true,
      encryptionKey,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.priorityQueues = queues.priorityQueues;
    this.delayScheduling = props.delays
      ? createDelayScheduling(this, {
          prefix,
          queues: workQueues(queues),
          deadLetterQueue: queues.deadLetterQueue,
          encryptionKey,
        })
      : undefined;

    this.table = createJobTable(this, {
      prefix,
      stream: props.counts !== false,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
      encryptionKey,
      indexes: props.tableIndexes,
    });
    this.eventBus = resolveEventBus(this, props.events, prefix);
    this.payloadBucket = config.payloads
      ? createPayloadBucket(this, config.payloads.expiration, config.removalPolicy, encryptionKey)
      : undefined;
    this.#grants = new QueueGrants({
      workQueues: workQueues(queues),
      deadLetterQueue: queues.deadLetterQueue,
      table: this.table,
      eventBus: this.eventBus,
      payloadBucket: this.payloadBucket,
      delayScheduling: this.delayScheduling,
      encryptionKey,
    });
    this.workerEnvironment = workerEnvironment({
      queues,
      table: this.table,
      visibilityTimeout: config.visibilityTimeout,
      maxReceiveCount: config.maxReceiveCount,
      eventBus: this.eventBus,
      payloadBucket: this.payloadBucket,
      retention: config.retention,
      delayScheduling: this.delayScheduling,
      metricsNamespace: config.metrics?.namespace,
    });

    const workers = { settings: config, workerEnvironment: this.workerEnvironment, grants: this.#grants };
    this.workerFunction = config.lambda
      ? createLambdaWorker(this, {
          ...workers,
          config: config.lambda,
          bundling: props.lambda ? props.lambda.bundling : undefined,
          queues,
        })
      : undefined;
    const counts =
      props.counts === false
        ? undefined
        : createCountsAggregator(this, {
            table: this.table,
            settings: config,
            grants: this.#grants,
            prefix,
            encryptionKey,
          });
    this.countsFunction = counts?.fn;
    this.countsFailureQueue = counts?.failureQueue;
    this.fargateService =
      config.fargate && props.fargate
        ? createFargateWorker(this, {
            ...workers,
            config: config.fargate,
            props: props.fargate,
            workQueues: workQueues(queues),
          })
        : undefined;

    this.rules = createScheduleRules(this, {
      schedules: config.schedules,
      prefix,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });

    const alarms = config.alarms
      ? createAlarms(this, {
          oldestMessageAge: config.alarms.oldestMessageAge,
          actions: props.alarms ? (props.alarms.actions ?? []) : [],
          queues,
          workerFunction: this.workerFunction,
          countsFailureQueue: this.countsFailureQueue,
        })
      : undefined;
    const metricsSource = config.metrics
      ? {
          namespace: config.metrics.namespace,
          queueName: this.queue.queueName,
          taskNames: config.tasks.map((task) => task.name),
        }
      : undefined;
    const failureRatePercent = config.metrics?.failureRateAlarmPercent;
    this.failureRateAlarms =
      alarms && metricsSource && failureRatePercent !== undefined
        ? taskFailureRateAlarms(this, metricsSource, failureRatePercent)
        : [];
    for (const alarm of this.failureRateAlarms) {
      alarm.addAlarmAction(...(props.alarms ? (props.alarms.actions ?? []) : []));
    }
    this.deadLetterAlarm = alarms?.deadLetter;
    this.oldestMessageAlarm = alarms?.oldestMessage;
    this.workerErrorsAlarm = alarms?.workerErrors;
    this.countsFailureAlarm = alarms?.countsFailures;
    this.alarms = [
      alarms?.deadLetter,
      alarms?.oldestMessage,
      alarms?.workerErrors,
      alarms?.countsFailures,
      ...(alarms?.priorities ?? []),
      ...this.failureRateAlarms,
    ].filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
    this.dashboard = config.dashboard
      ? createDashboard(this, {
          prefix,
          queues,
          table: this.table,
          workerFunction: this.workerFunction,
          fargateService: this.fargateService,
          jobMetrics: metricsSource,
        })
      : undefined;
  }

  /**
   * Lets `grantee` enqueue jobs and read them back by id: `sqs:SendMessage` on the queue (and the
   * priority queues), `dynamodb:PutItem`, `dynamodb:BatchWriteItem` and `dynamodb:GetItem` on the table, `s3:PutObject` and
   * `s3:GetObject` on the payload objects; with `delays`, `scheduler:CreateSchedule` on the group's
   * schedules and `iam:PassRole` of the delay role to Scheduler; with `encryptionKey`, `kms:Decrypt`,
   * `kms:DescribeKey`, `kms:Encrypt` and `kms:GenerateDataKey` on the key.
   *
   * @example
   * jobs.grantEnqueue(webAppFunction);
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.enqueue(grantee);
  }

  /**
   * Lets `grantee` read jobs and queue depths, for status pages and the dashboard: `dynamodb:GetItem`,
   * `BatchGetItem`, `Query` and `Scan` on the table, `Query` and `Scan` on its two indexes,
   * `sqs:GetQueueAttributes` on both queues, and `s3:GetObject` on the payload objects; with
   * `encryptionKey`, `kms:Decrypt` and `kms:DescribeKey` on the key.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.read(grantee);
  }

  /**
   * Lets `grantee` operate the queue (the CLI's and dashboard's cancel, retry, redrive and purge):
   * everything {@link grantRead} allows, `dynamodb:UpdateItem` and `dynamodb:DeleteItem` (purge deletes
   * finished jobs only, by a condition) on the table, `sqs:SendMessage` on the queue (and the priority
   * queues), receive, delete, hide, send and read attributes on the DLQ, `s3:GetObject` and `s3:PutObject`
   * on the payload objects (a retry writes its arguments' object again so it outlives the job); with
   * `delays`, `scheduler:DeleteSchedule` on the group's schedules (cancelling a long-delayed job); with
   * `encryptionKey`, `kms:Decrypt`, `kms:DescribeKey`, `kms:Encrypt` and `kms:GenerateDataKey` on the key.
   */
  grantOperate(grantee: iam.IGrantable): iam.Grant {
    return this.#grants.operate(grantee);
  }

  /** The indexes' ARNs, named one by one rather than `<table>/index/*`. */
  get indexArns(): string[] {
    return jobIndexArns(this.table);
  }
}
