/**
 * The public props of `LonghaulQueue`, apart from the construct so that both the construct and
 * resolve-props.ts (which applies their defaults) import them from here. Every default stated below
 * lives in `longhaulQueueDefaults` (resolve-props.ts).
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { jobIndexes, legacyJobIndexes } from '../src/core/names.js';
import type { Schedule } from '../src/core/schedule.js';
import type { AnyTask } from '../src/core/task.js';
import type { LonghaulQueuePayloadProps, LonghaulQueueRetentionProps } from './payload-bucket.js';

/** The Lambda worker: an SQS event source with partial batch responses. */
export interface LonghaulQueueLambdaProps {
  /** The handler's file, e.g. `functions/lambda.ts` (relative to the working directory, or absolute). */
  readonly entry: string;
  /** The exported handler's name. Default `handler`. */
  readonly handler?: string;
  /** The function's timeout, at most 15 minutes; every task's `timeoutMs` must fit in it. Default 5 minutes. */
  readonly timeout?: Duration;
  /** Memory in MB, 128–10240. Default 512. */
  readonly memorySize?: number;
  /** Messages per invocation, 1–10000; above 10 needs `maxBatchingWindow`. Default 10. */
  readonly batchSize?: number;
  /** How long the event source gathers a batch, up to 5 minutes. Default: none (batches go at once). */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations the event source may start, 2–1000. Default 10. */
  readonly maxConcurrency?: number;
  /** Concurrency reserved for the function; at least `maxConcurrency`. Default: none (the account's pool). */
  readonly reservedConcurrentExecutions?: number;
  /** Extra environment variables. May not set the `LONGHAUL_*` variables the construct sets. Default none. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Bundling settings merged over {@link lambdaBundling}, e.g. `commandHooks` to copy data files. Default none. */
  readonly bundling?: nodejs.BundlingOptions;
}

/** The long-running worker on ECS Fargate, for tasks longer than Lambda's 15 minutes. */
export interface LonghaulQueueFargateProps {
  /** An image whose entrypoint runs the worker (`createWorkerFromEnv`), e.g. from infra/worker.Dockerfile. */
  readonly image: ecs.ContainerImage;
  /**
   * The VPC of the tasks. Default: a new two-AZ VPC with public subnets only (no NAT gateway), a
   * DynamoDB gateway endpoint and a flow log of rejected traffic; tasks get a public IP and a security
   * group without ingress.
   */
  readonly vpc?: ec2.IVpc;
  /** The tasks' subnets. Default: public subnets of the new VPC, or the given VPC's private subnets. */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Give tasks a public IP (needed in public subnets). Default: true with the new VPC, false with yours. */
  readonly assignPublicIp?: boolean;
  /**
   * Let tasks send any outbound traffic, for tasks that reach databases, caches or APIs on other ports.
   * For one port, prefer a rule of its own: `jobs.fargateService.connections.allowTo(db, ec2.Port.tcp(5432))`.
   * Default false: the security group allows outbound TCP 443 only (AWS APIs and the image registry;
   * DNS to the VPC resolver needs no rule), and no inbound traffic. Changing it replaces the group.
   */
  readonly allowAllOutbound?: boolean;
  /** The image's architecture. Default ARM64 (Graviton, like the Lambda function). */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /** CPU units, a Fargate size (256, 512, 1024, ...). Default 512. */
  readonly cpu?: number;
  /** Memory in MiB, valid for `cpu`. Default 1024. */
  readonly memoryLimitMiB?: number;
  /** Tasks when the queue is idle, 0–`maxTasks`. Default 0. */
  readonly minTasks?: number;
  /** Tasks at most, 1–1000. Default 4. */
  readonly maxTasks?: number;
  /** Jobs one task runs at once (`LONGHAUL_CONCURRENCY`), 1–1000. Default 4. */
  readonly concurrency?: number;
  /**
   * Time running jobs get after SIGTERM (`LONGHAUL_SHUTDOWN_GRACE_MS`); ECS waits 15 s longer before
   * SIGKILL (and at least 35 s, so the long poll under way can answer and hand back what it took), and at
   * most 120 s, so at most 105 s. Default 30 seconds.
   */
  readonly shutdownGrace?: Duration;
  /** Extra environment variables. May not set the `LONGHAUL_*` variables the construct sets. Default none. */
  readonly environment?: Readonly<Record<string, string>>;
}

/** The construct's CloudWatch alarms. */
export interface LonghaulQueueAlarmProps {
  /** Alarm when the oldest waiting job is older than this, 1 minute–`retentionPeriod`. Default 15 minutes. */
  readonly oldestMessageAge?: Duration;
  /** What each alarm does when it fires, e.g. an `SnsAction`. Default none. */
  readonly actions?: readonly cloudwatch.IAlarmAction[];
}

/** The name of a current or legacy job-table index (see `tableIndexes`). */
export type JobTableIndexName =
  | (typeof jobIndexes)[number]['name']
  | (typeof legacyJobIndexes)[number]['name'];

/** Props of {@link LonghaulQueue}. */
export interface LonghaulQueueProps {
  /**
   * Every task the workers serve. Required, at least one. The largest `retry.maxAttempts` sets the
   * queue's delivery limit; with a Lambda worker, each task's `timeoutMs` must fit in its timeout.
   */
  readonly tasks: readonly AnyTask[];
  /** Periodic jobs, each deployed as an EventBridge rule that sends the run's envelope to the queue. Default none. */
  readonly schedules?: readonly Schedule[];
  /**
   * The Lambda worker, or `false` for none (workers run on Fargate or elsewhere). Default: none, which
   * is only allowed with `fargate`.
   */
  readonly lambda?: LonghaulQueueLambdaProps | false;
  /** The long-running Fargate worker. Default: none. */
  readonly fargate?: LonghaulQueueFargateProps;
  /**
   * Physical names: queue `<prefix>-jobs`, DLQ `<prefix>-jobs-dlq`, table `<prefix>-jobs`, rules
   * `<prefix>-<schedule>`, function `<prefix>-worker`. 1–40 letters, digits, `-`, `_`.
   * Default: names CloudFormation generates (several stacks can share an account).
   */
  readonly namePrefix?: string;
  /**
   * How long a received job stays hidden; at least the Lambda timeout, at most 12 hours.
   * Default: 6 × the Lambda timeout (AWS's advice for a Lambda event source), or 5 minutes without Lambda.
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before SQS moves a message to the DLQ (1–1000); at least every task's `retry.maxAttempts`.
   * Default: the largest `retry.maxAttempts` + 2, headroom for hand-backs on shutdown and busy leases.
   */
  readonly maxReceiveCount?: number;
  /** How long the queue keeps a message, 1 minute–14 days. Default 14 days (the DLQ always keeps 14 days). */
  readonly retentionPeriod?: Duration;
  /** What happens to the job table and log groups when removed from the stack. Default `RETAIN`. */
  readonly removalPolicy?: RemovalPolicy;
  /** The table's deletion protection. Default: true, unless `removalPolicy` is `DESTROY`. */
  readonly deletionProtection?: boolean;
  /**
   * The job table's global secondary indexes, by name: only for moving a table made by an earlier 0.x
   * release to the current indexes, one index per deployment (CloudFormation adds or deletes one index
   * per stack update; see docs/upgrading.md). Names: `by-time-v2` and `by-attention` (current),
   * `by-status`, `by-task` and `by-time` (legacy, read by nothing). Default: the current two.
   */
  readonly tableIndexes?: readonly JobTableIndexName[];
  /** Retention of the workers' log groups. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Alarms on the DLQ, the oldest job's age and Lambda errors, or `false` for none. Default: all of them. */
  readonly alarms?: LonghaulQueueAlarmProps | false;
  /** A CloudWatch dashboard of the queue, the workers and the table. Default true. */
  readonly dashboard?: boolean;
  /**
   * Keep job counts by status and task with a small Lambda function on the table's stream, so
   * `longhaul stats` and the dashboard read them with one GetItem instead of reading every index entry.
   * Default true.
   */
  readonly counts?: boolean;
  /**
   * Publish every job state change to EventBridge (source `longhaul`, detail type `Longhaul Job State
   * Change`): `true` for a new bus, or your own bus. Workers get `events:PutEvents` on that bus only and
   * `LONGHAUL_EVENT_BUS_NAME`; `grantEnqueue` and `grantOperate` include `events:PutEvents` too. Default
   * false.
   */
  readonly events?: boolean | events.IEventBus;
  /**
   * The bucket for arguments and results too large for a message or a record (see `payloads` of
   * `awsBackend`), or `false` for none (they are then refused). Default: a bucket whose objects expire
   * after the longest `retention` plus 7 days.
   */
  readonly payloads?: LonghaulQueuePayloadProps | false;
  /**
   * How long the workers keep finished jobs before they expire (DynamoDB TTL). Defaults: succeeded and
   * cancelled 7 days, failed 30 days.
   */
  readonly retention?: LonghaulQueueRetentionProps;
  /**
   * Delays past SQS's 15 minutes: an EventBridge Scheduler group and a role it assumes to send delayed
   * jobs to the queues; workers get `LONGHAUL_DELAY_ROLE_ARN` and `LONGHAUL_DELAY_SCHEDULE_GROUP`,
   * `grantEnqueue` may create schedules and `grantOperate` delete them. Default false.
   */
  readonly delays?: boolean;
  /**
   * `high` and `low` queues beside the job queue (`normal`), sharing its dead-letter queue: a Lambda
   * worker gets one event source per queue with `maxConcurrency` split 50/30/20 (at least 2 each), a
   * Fargate worker reads all three, and each queue has an alarm on its oldest job. Default false.
   */
  readonly priorities?: boolean;
  /**
   * A customer-managed KMS key (symmetric, for encryption) for the queues (job, DLQ, priority queues),
   * the table and its stream, the payload bucket (with an S3 Bucket Key) and every log group. The
   * workers, the counts aggregator and the `grantEnqueue`, `grantRead` and `grantOperate` grantees get
   * `kms:Decrypt` and `kms:DescribeKey` on it, and `kms:Encrypt` and `kms:GenerateDataKey` when they
   * write; the delay role too. The construct adds to a key of the same stack the key policy statements
   * CloudWatch Logs (this region, this account's log groups) and EventBridge (this account, with
   * `schedules`) need; an imported key's policy must already allow them (synth warns). The key must
   * live in the stack's region. Default: none (SQS-managed SSE, the AWS-managed DynamoDB key, S3-managed
   * encryption, CloudWatch Logs' own encryption), and no grant names KMS.
   */
  readonly encryptionKey?: kms.IKey;
}
