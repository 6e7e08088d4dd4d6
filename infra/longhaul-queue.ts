import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { env, jobIndexes, jobTable } from '../src/core/names.js';
import { type Schedule, scheduledEnvelope } from '../src/core/schedule.js';
import { lambdaBundling } from './bundling.js';
import {
  acknowledgeScheduleWildcard,
  createDelayScheduling,
  createPriorityQueues,
  type DelayScheduling,
  delayAndPriorityEnvironment,
  delayEnqueueStatements,
  delayOperateStatements,
  type PriorityQueues,
  priorityQueueAlarms,
  splitConcurrency,
  sumOverQueues,
} from './delays-and-priorities.js';
import { resolveEventBus } from './event-bus.js';
import {
  acknowledgePayloadWildcard,
  createPayloadBucket,
  payloadAndRetentionEnvironment,
  payloadObjectsArn,
} from './payload-bucket.js';
import type { LonghaulQueueFargateProps, LonghaulQueueProps } from './props.js';
import {
  type ResolvedFargate,
  type ResolvedLambda,
  type ResolvedProps,
  resolveProps,
} from './resolve-props.js';

/** SQS actions of a consumer: receive, delete, hide, and read the redrive policy and depth. */
const consumeActions = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
];

/**
 * A Longhaul deployment: the job queue with its dead-letter queue, the job table, the workers (a Lambda
 * function with an SQS event source, and/or a Fargate service that scales on the queue), one
 * EventBridge rule per schedule, alarms and a dashboard. Queues are encrypted (SQS-managed SSE) and
 * refuse plain HTTP; every grant is a list of actions on named resources.
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
  /** The job table: one item per job, with the `by-status`, `by-task` and `by-time` indexes. */
  readonly table: dynamodb.Table;
  /** The Lambda worker, unless `lambda: false`. */
  readonly workerFunction: nodejs.NodejsFunction | undefined;
  /** The counts aggregator on the table's stream, unless `counts: false`. */
  readonly countsFunction: nodejs.NodejsFunction | undefined;
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

  readonly #config: ResolvedProps;

  constructor(scope: Construct, id: string, props: LonghaulQueueProps) {
    super(scope, id);
    const config = resolveProps(props);
    this.#config = config;
    this.maxReceiveCount = config.maxReceiveCount;
    this.visibilityTimeout = config.visibilityTimeout;
    const prefix = config.namePrefix;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(prefix ? { queueName: `${prefix}-jobs-dlq` } : {}),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...(prefix ? { queueName: `${prefix}-jobs` } : {}),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: config.visibilityTimeout,
      retentionPeriod: config.retentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });

    this.priorityQueues = props.priorities
      ? createPriorityQueues(this, {
          prefix,
          visibilityTimeout: config.visibilityTimeout,
          retentionPeriod: config.retentionPeriod,
          deadLetterQueue: this.deadLetterQueue,
          maxReceiveCount: config.maxReceiveCount,
        })
      : undefined;
    this.delayScheduling = props.delays
      ? createDelayScheduling(this, {
          prefix,
          queues: this.#workQueues,
          deadLetterQueue: this.deadLetterQueue,
        })
      : undefined;

    this.table = new dynamodb.Table(this, 'Table', {
      ...(prefix ? { tableName: `${prefix}-jobs` } : {}),
      partitionKey: { name: jobTable.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: jobTable.ttlAttribute,
      ...(props.counts === false ? {} : { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES }),
      // The AWS-managed key (aws/dynamodb) rather than the default AWS-owned one: its use shows in
      // CloudTrail and the template states the encryption. Grantees need no KMS permissions for it.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
    });
    // Sharded partition keys (see jobTable in src/core/names.ts) and keys-only projections: heartbeats and
    // progress never write to an index, and no index partition takes every write of one status.
    for (const index of jobIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.NUMBER },
        ...(index.include.length > 0
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
          : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
      });
    }

    this.eventBus = resolveEventBus(this, props.events, prefix);
    this.payloadBucket = config.payloads
      ? createPayloadBucket(this, config.payloads.expiration, config.removalPolicy)
      : undefined;

    this.workerEnvironment = {
      [env.queueUrl]: this.queue.queueUrl,
      [env.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
      [env.tableName]: this.table.tableName,
      [env.visibilityTimeoutSeconds]: String(config.visibilityTimeout.toSeconds()),
      [env.deliveryLimit]: String(config.maxReceiveCount),
      ...(this.eventBus ? { [env.eventBusName]: this.eventBus.eventBusName } : {}),
      ...payloadAndRetentionEnvironment(this.payloadBucket, config.retention),
      ...delayAndPriorityEnvironment(this.delayScheduling, this.queue, this.priorityQueues),
    };

    this.workerFunction = config.lambda ? this.#createFunction(config.lambda, props) : undefined;
    this.countsFunction = props.counts === false ? undefined : this.#createCountsFunction();
    this.fargateService =
      config.fargate && props.fargate ? this.#createService(config.fargate, props.fargate) : undefined;

    const rules: Record<string, events.Rule> = {};
    for (const schedule of config.schedules) rules[schedule.name] = this.#createRule(schedule);
    this.rules = rules;

    const alarms = config.alarms ? this.#createAlarms(config.alarms, props) : undefined;
    this.deadLetterAlarm = alarms?.deadLetter;
    this.oldestMessageAlarm = alarms?.oldestMessage;
    this.workerErrorsAlarm = alarms?.workerErrors;
    this.alarms = [
      alarms?.deadLetter,
      alarms?.oldestMessage,
      alarms?.workerErrors,
      ...(alarms?.priorities ?? []),
    ].filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
    this.dashboard = config.dashboard ? this.#createDashboard() : undefined;
  }

  /**
   * Lets `grantee` enqueue jobs and read them back by id: `sqs:SendMessage` on the queue (and the
   * priority queues), `dynamodb:PutItem` and `dynamodb:GetItem` on the table, `s3:PutObject` and
   * `s3:GetObject` on the payload objects; with `delays`, `scheduler:CreateSchedule` on the group's
   * schedules and `iam:PassRole` of the delay role to Scheduler.
   *
   * @example
   * jobs.grantEnqueue(webAppFunction);
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    if (this.delayScheduling) acknowledgeScheduleWildcard(grantee, this.delayScheduling);
    return this.#grantAll(grantee, [
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      { actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resourceArns: [this.table.tableArn] },
      ...this.#publishStatements(),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
      ...(this.delayScheduling ? delayEnqueueStatements(this.delayScheduling) : []),
    ]);
  }

  /**
   * Lets `grantee` read jobs and queue depths, for status pages and the dashboard: `dynamodb:GetItem`,
   * `BatchGetItem`, `Query` and `Scan` on the table, `Query` and `Scan` on its two indexes,
   * `sqs:GetQueueAttributes` on both queues, and `s3:GetObject` on the payload objects.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.#grantAll(grantee, [
      ...this.#readStatements([]),
      ...this.#payloadStatements(['s3:GetObject']),
    ]);
  }

  /**
   * Lets `grantee` operate the queue (the CLI's and dashboard's cancel, retry, redrive and purge):
   * everything {@link grantRead} allows, `dynamodb:UpdateItem` and `dynamodb:DeleteItem` (purge deletes
   * finished jobs only, by a condition) on the table, `sqs:SendMessage` on the queue (and the priority
   * queues), receive, delete, hide, send and read attributes on the DLQ, `s3:GetObject` and `s3:PutObject`
   * on the payload objects (a retry writes its arguments' object again so it outlives the job); with
   * `delays`, `scheduler:DeleteSchedule` on the group's schedules (cancelling a long-delayed job).
   */
  grantOperate(grantee: iam.IGrantable): iam.Grant {
    if (this.delayScheduling) acknowledgeScheduleWildcard(grantee, this.delayScheduling);
    return this.#grantAll(grantee, [
      ...this.#readStatements(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      ...(this.delayScheduling ? delayOperateStatements(this.delayScheduling) : []),
      {
        actions: [...consumeActions, 'sqs:SendMessage'],
        resourceArns: [this.deadLetterQueue.queueArn],
      },
      ...this.#publishStatements(),
    ]);
  }

  /** `events:PutEvents` on the construct's bus, when it has one. */
  #publishStatements(): GrantStatement[] {
    return this.eventBus
      ? [{ actions: ['events:PutEvents'], resourceArns: [this.eventBus.eventBusArn] }]
      : [];
  }

  /** The job queues: the queue, and the `high` and `low` ones with `priorities`. */
  get #workQueues(): sqs.Queue[] {
    return [
      ...(this.priorityQueues ? [this.priorityQueues.high] : []),
      this.queue,
      ...(this.priorityQueues ? [this.priorityQueues.low] : []),
    ];
  }

  get #workQueueArns(): string[] {
    return this.#workQueues.map((queue) => queue.queueArn);
  }

  /** The indexes' ARNs, named one by one rather than `<table>/index/*`. */
  get indexArns(): string[] {
    return jobIndexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
  }

  #readStatements(extraTableActions: string[]): GrantStatement[] {
    return [
      {
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          ...extraTableActions,
        ],
        resourceArns: [this.table.tableArn],
      },
      { actions: ['dynamodb:Query', 'dynamodb:Scan'], resourceArns: this.indexArns },
      {
        actions: ['sqs:GetQueueAttributes'],
        resourceArns: [...this.#workQueueArns, this.deadLetterQueue.queueArn],
      },
    ];
  }

  /**
   * What a worker needs: consume the queue (`consume: false` when an event source mapping grants that),
   * send to it (a job waiting for a limit), dead-letter to the DLQ, and claim, heartbeat and finish jobs in the table.
   */
  #grantWorker(grantee: iam.IGrantable, consume: boolean): iam.Grant {
    return this.#grantAll(grantee, [
      ...(consume ? [{ actions: consumeActions, resourceArns: this.#workQueueArns }] : []),
      // Workers send to the queues too: a job over its task's concurrency or rate limit waits as a delayed
      // copy of its message, a long job moves to a fresh copy, and a workflow's next jobs are enqueued.
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
        resourceArns: [this.deadLetterQueue.queueArn],
      },
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resourceArns: [this.table.tableArn],
      },
      { actions: ['dynamodb:Query'], resourceArns: this.indexArns },
      ...this.#publishStatements(),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
    ]);
  }

  /** `actions` on the payload objects (never the bucket itself), or nothing without a bucket. */
  #payloadStatements(actions: string[]): GrantStatement[] {
    return this.payloadBucket ? [{ actions, resourceArns: [payloadObjectsArn(this.payloadBucket)] }] : [];
  }

  #grantAll(grantee: iam.IGrantable, statements: readonly GrantStatement[]): iam.Grant {
    if (this.payloadBucket && statements.some((s) => s.actions.some((a) => a.startsWith('s3:')))) {
      acknowledgePayloadWildcard(this.payloadBucket, grantee);
    }
    return statements
      .map(({ actions, resourceArns, conditions }) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: [...actions],
          resourceArns: [...resourceArns],
          ...(conditions ? { conditions } : {}),
        }),
      )
      .reduce((all, grant) => all.combine(grant));
  }

  #logGroup(id: string, name: string | undefined): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      ...(name ? { logGroupName: name } : {}),
      retention: this.#config.logRetention,
      removalPolicy: this.#config.removalPolicy,
    });
  }

  /**
   * A Node 22 function on ARM, bundled with the shared esbuild settings, with its own log group and an
   * explicit role instead of the default one with AWSLambdaBasicExecutionRole: it may write to that log
   * group only, and never create log groups.
   */
  #nodeFunction(
    id: string,
    options: {
      readonly nameSuffix: string;
      readonly entry: string;
      readonly handler: string;
      readonly timeout: Duration;
      readonly memorySize: number;
      readonly description: string;
      readonly environment: Record<string, string>;
      readonly bundling?: nodejs.BundlingOptions | undefined;
      readonly reservedConcurrentExecutions?: number | undefined;
    },
  ): { fn: nodejs.NodejsFunction; role: iam.Role } {
    const prefix = this.#config.namePrefix;
    const functionName = prefix ? `${prefix}-${options.nameSuffix}` : undefined;
    const logGroup = this.#logGroup(`${id}Logs`, functionName ? `/aws/lambda/${functionName}` : undefined);
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `The Longhaul ${options.nameSuffix} function`,
    });
    logGroup.grantWrite(role);
    const fn = new nodejs.NodejsFunction(this, id, {
      ...(functionName ? { functionName } : {}),
      entry: options.entry,
      handler: options.handler,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: options.timeout,
      memorySize: options.memorySize,
      role,
      logGroup,
      ...(options.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions }
        : {}),
      description: options.description,
      environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: { ...lambdaBundling, ...options.bundling },
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Longhaul targets Node.js 22 deliberately: the bundle is built for node22 and tested on it; a newer runtime is adopted with its own release.',
    });
    return { fn, role };
  }

  /**
   * The counts aggregator: one invocation per batch of up to 100 stream records, applied in one
   * transaction (see src/backends/aws/job-counts.ts). A failing batch is retried, split in halves, and
   * after 10 tries skipped (the counts then drift; the jobs never do).
   */
  #createCountsFunction(): nodejs.NodejsFunction {
    const entryTs = fileURLToPath(new URL('./counts-entry.ts', import.meta.url));
    const { fn, role } = this.#nodeFunction('Counts', {
      nameSuffix: 'counts',
      entry: existsSync(entryTs) ? entryTs : fileURLToPath(new URL('./counts-entry.js', import.meta.url)),
      handler: 'handler',
      timeout: Duration.seconds(30),
      memorySize: 256,
      description: 'Longhaul counts: keeps job counts by status and task from the table stream',
      environment: { [env.tableName]: this.table.tableName },
    });
    fn.addEventSource(
      // The cast: aws-cdk-lib's own types do not hold under exactOptionalPropertyTypes.
      new DynamoEventSource(this.table as unknown as dynamodb.ITable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
      }),
    );
    // The event source mapping grants the stream's read actions itself; the function writes the
    // counts item and its batch markers.
    this.#grantAll(role, [
      { actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem'], resourceArns: [this.table.tableArn] },
    ]);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The DynamoDB stream event source grants dynamodb:ListStreams, which has no resource-level permissions; every other action names the table or its stream.',
    });
    return fn;
  }

  #createFunction(config: ResolvedLambda, props: LonghaulQueueProps): nodejs.NodejsFunction {
    const { fn, role } = this.#nodeFunction('Worker', {
      nameSuffix: 'worker',
      entry: config.entry,
      handler: config.handler,
      timeout: config.timeout,
      memorySize: config.memorySize,
      reservedConcurrentExecutions: config.reservedConcurrentExecutions,
      description: 'Longhaul worker: runs jobs from the SQS queue',
      environment: { ...config.environment, ...this.workerEnvironment },
      bundling: props.lambda ? props.lambda.bundling : undefined,
    });
    // With priorities, one event source per queue; the handler acts on the queue each record names.
    const share = this.priorityQueues ? splitConcurrency(config.maxConcurrency) : undefined;
    for (const [queue, maxConcurrency] of [
      ...(this.priorityQueues && share ? ([[this.priorityQueues.high, share.high]] as const) : []),
      [this.queue, share ? share.normal : config.maxConcurrency] as const,
      ...(this.priorityQueues && share ? ([[this.priorityQueues.low, share.low]] as const) : []),
    ]) {
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
    this.#grantWorker(role, false);
    return fn;
  }

  #createService(config: ResolvedFargate, props: LonghaulQueueFargateProps): ecs.FargateService {
    const prefix = this.#config.namePrefix;
    const ownVpc = props.vpc === undefined;
    const vpc: ec2.IVpc = props.vpc ?? (this.#createVpc() as ec2.IVpc);
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      ...(prefix ? { clusterName: `${prefix}-workers` } : {}),
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const taskRole = new iam.Role(this, 'ServiceTaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'The Longhaul Fargate worker',
    });
    this.#grantWorker(taskRole, true);
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'ServiceTask', {
      cpu: config.cpu,
      memoryLimitMiB: config.memoryLimitMiB,
      taskRole,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = this.#logGroup('ServiceLogs', prefix ? `/longhaul/${prefix}-workers` : undefined);
    taskDefinition.addContainer('worker', {
      image: props.image,
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout: config.stopTimeout,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'worker' }),
      environment: {
        ...config.environment,
        ...this.workerEnvironment,
        [env.concurrency]: String(config.concurrency),
        [env.shutdownGraceMs]: String(config.shutdownGrace.toMilliseconds()),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'Longhaul workers: no inbound traffic; outbound HTTPS to AWS APIs',
      allowAllOutbound: true,
    });
    const service = new ecs.FargateService(this, 'Service', {
      cluster: cluster as ecs.ICluster,
      taskDefinition,
      ...(prefix ? { serviceName: `${prefix}-worker` } : {}),
      securityGroups: [securityGroup],
      assignPublicIp: props.assignPublicIp ?? ownVpc,
      ...(props.vpcSubnets || ownVpc
        ? { vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC } }
        : {}),
      // Workers take no traffic: replace them one batch at a time, roll back a deploy that cannot start.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });
    this.#scaleService(service, config);
    Validations.of(taskDefinition).acknowledge(
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The variables are resource names, URLs and tuning numbers the worker reads (LONGHAUL_*), never secrets.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which the execution role needs to pull the image, has no resource-level permissions: its Resource must be "*".',
      },
    );
    return service;
  }

  #createVpc(): ec2.Vpc {
    // Public subnets and no NAT gateway: a worker only calls AWS APIs, so it needs outbound HTTPS and
    // no inbound path (its security group has no ingress rule). NAT gateways or interface endpoints
    // would cost more than the workers themselves; DynamoDB goes through a free gateway endpoint.
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      // Nothing runs in the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        rejected: {
          trafficType: ec2.FlowLogTrafficType.REJECT,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.#logGroup('VpcFlowLogs', undefined)),
        },
      },
    });
  }

  /**
   * Scales out while jobs wait (visible messages mean every worker slot is busy) and scales in only
   * when nothing is waiting or running, so scaling never stops a task in the middle of a long job.
   */
  #scaleService(service: ecs.FargateService, config: ResolvedFargate): void {
    const scaling = service.autoScaleTaskCount({
      minCapacity: config.minTasks,
      maxCapacity: config.maxTasks,
    });
    const perMinute = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
    // Summed over the priority queues when there are some: a high job alone must scale the service out.
    const waiting = sumOverQueues(
      this.#workQueues,
      (queue) => queue.metricApproximateNumberOfMessagesVisible(perMinute),
      'Jobs waiting',
      'visible',
    );
    scaling.scaleOnMetric('ScaleOutOnWaitingJobs', {
      metric: waiting,
      adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 0, change: 0 },
        { lower: 1, change: +1 },
        { lower: 10 * config.concurrency, change: +2 },
        { lower: 50 * config.concurrency, change: +4 },
      ],
      cooldown: Duration.minutes(2),
    });
    const backlog = new cloudwatch.MathExpression({
      expression: 'visible + inFlight',
      usingMetrics: {
        visible: waiting,
        inFlight: sumOverQueues(
          this.#workQueues,
          (queue) => queue.metricApproximateNumberOfMessagesNotVisible(perMinute),
          'Jobs running',
          'inFlight',
        ),
      },
      label: 'Jobs waiting or running',
      period: Duration.minutes(1),
    });
    scaling.scaleOnMetric('ScaleInWhenIdle', {
      metric: backlog,
      // Down to minTasks (the scalable target clamps the change); a zero step adds no scale-out policy.
      adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: 0, change: -config.maxTasks },
        { lower: 1, change: 0 },
      ],
      evaluationPeriods: 15,
      cooldown: Duration.minutes(5),
    });
  }

  #createRule(schedule: Schedule): events.Rule {
    const prefix = this.#config.namePrefix;
    const rule = new events.Rule(this, `Schedule-${schedule.name}`, {
      ...(prefix ? { ruleName: `${prefix}-${schedule.name}` } : {}),
      schedule: events.Schedule.expression(schedule.expression),
      description:
        schedule.description ??
        `Longhaul schedule "${schedule.name}": task "${schedule.task}" ${schedule.expression}`,
      targets: [
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    // The run's message: the envelope with the event's time as its job id suffix and enqueue time, so a
    // duplicate delivery of one firing is one job. Every placeholder sits inside a JSON string, where
    // EventBridge inserts the raw value; the template is valid JSON on its own, which emulators need too.
    (rule.node.defaultChild as events.CfnRule).addPropertyOverride('Targets.0.InputTransformer', {
      InputPathsMap: { time: '$.time' },
      InputTemplate: JSON.stringify(scheduledEnvelope(schedule, '<time>')),
    });
    return rule;
  }

  #createAlarms(config: NonNullable<ResolvedProps['alarms']>, props: LonghaulQueueProps) {
    const actions = props.alarms ? (props.alarms.actions ?? []) : [];
    const deadLetter = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription:
          'Longhaul: the dead-letter queue holds failed jobs; inspect and retry or discard them',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const oldestMessage = this.queue
      .metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(this, 'OldestMessageAlarm', {
        alarmDescription: `Longhaul: a job has waited more than ${config.oldestMessageAge.toHumanString()}; workers are down, throttled or too few`,
        threshold: config.oldestMessageAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const workerErrors = this.workerFunction
      ?.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'WorkerErrorsAlarm', {
        alarmDescription:
          'Longhaul: the Lambda worker crashed or timed out (failing jobs are reported per message, not as errors)',
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const priorities = this.priorityQueues
      ? priorityQueueAlarms(this, this.priorityQueues, config.oldestMessageAge)
      : [];
    for (const alarm of [deadLetter, oldestMessage, workerErrors, ...priorities]) {
      alarm?.addAlarmAction(...actions);
    }
    return { deadLetter, oldestMessage, workerErrors, priorities };
  }

  #createDashboard(): cloudwatch.Dashboard {
    const prefix = this.#config.namePrefix;
    const period = Duration.minutes(1);
    const max = { period, statistic: cloudwatch.Stats.MAXIMUM };
    const sum = { period, statistic: cloudwatch.Stats.SUM };
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(prefix ? { dashboardName: `${prefix}-jobs` } : {}),
      defaultInterval: Duration.hours(3),
    });
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'waiting' }),
          this.queue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'running or backing off' }),
          this.queue.metricApproximateNumberOfMessagesDelayed({ ...max, label: 'delayed' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest waiting job (seconds)',
        left: [this.queue.metricApproximateAgeOfOldestMessage({ ...max, label: 'age' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue',
        left: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'messages' })],
      }),
    ];
    const fn = this.workerFunction;
    if (fn) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Lambda worker',
          left: [
            fn.metricInvocations({ ...sum, label: 'invocations' }),
            fn.metricErrors({ ...sum, label: 'errors' }),
            fn.metricThrottles({ ...sum, label: 'throttles' }),
          ],
          right: [fn.metricDuration({ period, statistic: cloudwatch.Stats.p(99), label: 'duration p99' })],
        }),
      );
    }
    const service = this.fargateService;
    if (service) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Fargate workers',
          left: [
            new cloudwatch.Metric({
              namespace: 'ECS/ContainerInsights',
              metricName: 'RunningTaskCount',
              dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
              ...max,
              label: 'running tasks',
            }),
          ],
          right: [service.metricCpuUtilization({ period, label: 'CPU %' })],
        }),
      );
    }
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Job table writes',
        left: [this.table.metricConsumedWriteCapacityUnits({ ...sum, label: 'write units' })],
      }),
    );
    for (let i = 0; i < widgets.length; i += 3) dashboard.addWidgets(...widgets.slice(i, i + 3));
    return dashboard;
  }
}

interface GrantStatement {
  readonly actions: readonly string[];
  readonly resourceArns: readonly string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}
