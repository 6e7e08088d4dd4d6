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
  /** The standard SDK variable; set it to point every client at LocalStack or moto. */
  endpointUrl: 'AWS_ENDPOINT_URL',
} as const;

/** The job table: one item per job, keyed by its id. */
export const jobTable = {
  partitionKey: 'id',
  /** Lists jobs of one status, newest first. */
  statusIndex: { name: 'by-status', partitionKey: 'status', sortKey: 'enqueuedAt' },
  /** Lists jobs of one task, newest first. */
  taskIndex: { name: 'by-task', partitionKey: 'task', sortKey: 'enqueuedAt' },
  /** Key prefix of the items recording which run holds a schedule with overlap policy `skip`. */
  scheduleHoldPrefix: '#schedule#',
  /** Epoch seconds after which DynamoDB's TTL may delete a finished job. */
  ttlAttribute: 'expiresAt',
} as const;
