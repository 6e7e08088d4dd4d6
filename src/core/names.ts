/**
 * Names that the library, the Lambda and Fargate entrypoints, the CDK construct and the tests must agree
 * on: environment variables, the job table's keys and indexes. Change them here and nowhere else.
 */

/** Environment variables the entrypoints and `awsBackendFromEnv` read. */
export const env = {
  queueUrl: 'LONGHAUL_QUEUE_URL',
  deadLetterQueueUrl: 'LONGHAUL_DLQ_URL',
  tableName: 'LONGHAUL_TABLE_NAME',
  concurrency: 'LONGHAUL_CONCURRENCY',
  visibilityTimeoutSeconds: 'LONGHAUL_VISIBILITY_TIMEOUT_SECONDS',
  heartbeatIntervalSeconds: 'LONGHAUL_HEARTBEAT_INTERVAL_SECONDS',
  waitTimeSeconds: 'LONGHAUL_WAIT_TIME_SECONDS',
  shutdownGraceMs: 'LONGHAUL_SHUTDOWN_GRACE_MS',
  workerId: 'LONGHAUL_WORKER_ID',
  /**
   * The queue's `maxReceiveCount`, set by the CDK construct so a Lambda worker need not read the redrive
   * policy on every cold start. Without it the worker asks the queue.
   */
  deliveryLimit: 'LONGHAUL_DELIVERY_LIMIT',
  /** The CLI: `aws` (default) or `memory`. */
  backend: 'LONGHAUL_BACKEND',
  /** The CLI: the tasks module to load (a file path chosen by the operator, never by a message). */
  tasks: 'LONGHAUL_TASKS',
  /** The CLI's `dashboard`: the access token, kept out of the process list. */
  dashboardToken: 'LONGHAUL_DASHBOARD_TOKEN',
  /** The EventBridge bus job state changes are published to; unset: none are. */
  eventBusName: 'LONGHAUL_EVENT_BUS_NAME',
  /** The S3 bucket for arguments and results too large for a message or a record (optional). */
  payloadBucket: 'LONGHAUL_PAYLOAD_BUCKET',
  /** Workers: how long finished jobs are kept, in milliseconds, by final status. */
  retentionSucceededMs: 'LONGHAUL_RETENTION_SUCCEEDED_MS',
  retentionFailedMs: 'LONGHAUL_RETENTION_FAILED_MS',
  retentionCancelledMs: 'LONGHAUL_RETENTION_CANCELLED_MS',
  /** The role EventBridge Scheduler assumes to send delayed jobs (past 15 minutes) to the queues. */
  delayRoleArn: 'LONGHAUL_DELAY_ROLE_ARN',
  /** The schedule group of delayed jobs' one-time schedules. Default `default`. */
  delayScheduleGroup: 'LONGHAUL_DELAY_SCHEDULE_GROUP',
  /** The queue's ARN, for schedule targets (optional: read from SQS once when missing). */
  queueArn: 'LONGHAUL_QUEUE_ARN',
  /** The `high` and `low` priority queues, when the deployment has them. */
  queueUrlHigh: 'LONGHAUL_QUEUE_URL_HIGH',
  queueUrlLow: 'LONGHAUL_QUEUE_URL_LOW',
  /** The standard SDK variable; set it to point every client at LocalStack or moto. */
  endpointUrl: 'AWS_ENDPOINT_URL',
  /** The worker's `visibilityCeilingSeconds`: when a long job moves to a fresh message. */
  visibilityCeilingSeconds: 'LONGHAUL_VISIBILITY_CEILING_SECONDS',
  /** Workers: `on` (default) or `off`, the job metrics in CloudWatch Embedded Metric Format. */
  metrics: 'LONGHAUL_METRICS',
  /** Workers: the CloudWatch namespace of the job metrics. Default `Longhaul`. */
  metricsNamespace: 'LONGHAUL_METRICS_NAMESPACE',
} as const;

/**
 * The job table: one item per job, keyed by its id. Two indexes list jobs newest first, and neither is
 * keyed on the status, so a status change writes no index entry unless the job enters or leaves a state
 * an operator hunts for (see docs/architecture.md, "The job table's indexes"):
 * - `by-time-v2`: every job, keyed on attributes that never change after creation (the time shard and
 *   `enqueuedAt`, with `task` projected), so a job writes it once in its life.
 * - `by-attention`: sparse; only the jobs that are failed, cancelled, retrying, scheduled, or running
 *   past their first lease extension, keyed `<state>#<shard>`.
 * Each partition key is spread over `indexShards` shards (a two-digit shard from a hash of the job id),
 * so a million jobs fill sixteen partitions rather than one hot one; a listing queries every shard and
 * merges.
 */
export const jobTable = {
  partitionKey: 'id',
  indexShards: 16,
  /**
   * Every job, newest first. A new name for a new projection (a GSI's projection cannot change in
   * place): `task` is projected so a listing by task filters in the index.
   */
  timeIndex: { name: 'by-time-v2', partitionKey: 'timeShard', sortKey: 'enqueuedAt', include: ['task'] },
  /** The jobs in an attention state ({@link attentionStates}), by state; sparse. */
  attentionIndex: {
    name: 'by-attention',
    partitionKey: 'attentionShard',
    sortKey: 'enqueuedAt',
    include: ['task'],
  },
  /**
   * Every key of an item that is not a job begins with this (the prefixes below, and the counts'
   * markers); a job id never does, so a job can never share an item with a limit, a hold or a workflow.
   */
  reservedKeyPrefix: '#',
  /** Key prefix of the items recording which run holds a schedule with overlap policy `skip`. */
  scheduleHoldPrefix: '#schedule#',
  /** Key prefix of the items pointing at a schedule's last succeeded run (`#schedule-latest#<name>`). */
  scheduleLatestPrefix: '#schedule-latest#',
  /** Key prefix of workflow records (chains and groups): no status or task, so in no index. */
  workflowPrefix: '#workflow#',
  /** Key prefix of the items recording which job holds a unique key (`#key#<task>#<key>`). */
  keyHoldPrefix: '#key#',
  /** Key prefix of a concurrency limit's slots (`#limit#<task>[#<key>]`). */
  concurrencyLimitPrefix: '#limit#',
  /** Key prefix of a rate limit's window counters (`#rate#<task>[#<key>]@<window>`). */
  rateLimitPrefix: '#rate#',
  /** Epoch seconds after which DynamoDB's TTL may delete a finished job. */
  ttlAttribute: 'expiresAt',
} as const;

/** The payload bucket: offloaded arguments and results live under this prefix, which its lifecycle rule expires. */
export const payloadObjects = { prefix: 'payloads/' } as const;

/** The job table's indexes, in one list for the code that creates them. */
export const jobIndexes = [jobTable.timeIndex, jobTable.attentionIndex] as const;

/**
 * The indexes of the 0.x layout before the attention index, kept only so an existing table can move to
 * the new ones one index per deployment (CloudFormation adds or deletes one GSI per stack update); see
 * docs/upgrading.md. Nothing reads them; `scripts/migrate-indexes.ts` removes their attributes.
 */
export const legacyJobIndexes = [
  { name: 'by-status', partitionKey: 'statusShard', sortKey: 'enqueuedAt', include: ['task'] },
  { name: 'by-task', partitionKey: 'taskShard', sortKey: 'enqueuedAt', include: [] },
  { name: 'by-time', partitionKey: 'timeShard', sortKey: 'enqueuedAt', include: [] },
] as const;

/**
 * The states with an entry in the attention index: final states an operator looks into (`failed`,
 * `cancelled`), jobs waiting for a later attempt or start (`retrying`, `scheduled`), and `running` for
 * long-running attempts only (written by the first lease extension, so a quick job never writes it).
 */
export const attentionStates = ['failed', 'cancelled', 'retrying', 'scheduled', 'running'] as const;
export type AttentionState = (typeof attentionStates)[number];

/**
 * The job metrics workers write in CloudWatch Embedded Metric Format and the construct's dashboard and
 * alarms read: every metric has the dimensions `Queue` (the queue's name) and `Task`.
 */
export const jobMetricNames = {
  defaultNamespace: 'Longhaul',
  dimensions: ['Queue', 'Task'],
  /** Counters, in `Count`. */
  counters: {
    started: 'JobsStarted',
    succeeded: 'JobsSucceeded',
    failed: 'JobsFailed',
    retried: 'JobsRetried',
    deadLettered: 'JobsDeadLettered',
    cancelled: 'JobsCancelled',
    timedOut: 'JobsTimedOut',
  },
  /** Distributions, in `Milliseconds`. */
  timings: {
    attemptDuration: 'AttemptDuration',
    timeInQueue: 'TimeInQueue',
    endToEnd: 'EndToEndTime',
  },
} as const;

/**
 * How the counts aggregator reads the job table's stream: the CDK construct configures its event source
 * with these, and the costs benchmark amortises the aggregator's one transaction per batch over
 * `batchSize` records. Larger batches make counting nearly free (4 write units per batch); the window
 * bounds how stale the counts get at low traffic.
 */
export const countsStream = { batchSize: 2_000, maxBatchingWindowSeconds: 5 } as const;
