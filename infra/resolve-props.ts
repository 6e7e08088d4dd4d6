/**
 * Applies the defaults of `LonghaulQueueProps` and checks every rule at once, so one error lists every
 * problem with the field, its limit and the value given. Kept apart from the construct so the defaults
 * live in one place and the rules read as a table; kept whole (past the usual module length) because
 * rules across fields (timeouts against visibility, priorities against queues) need all props at hand.
 */
import { Duration, RemovalPolicy, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ConfigError } from '../src/core/errors.js';
import { env, jobMetricNames } from '../src/core/names.js';
import { type Retention, retentionDefaults, retentionProblems } from '../src/core/retention.js';
import { maxVisibilitySeconds } from '../src/core/retry.js';
import { checkSchedules, type Schedule } from '../src/core/schedule.js';
import type { AnyTask } from '../src/core/task.js';
import type {
  LonghaulQueueAlarmProps,
  LonghaulQueueFargateProps,
  LonghaulQueueLambdaProps,
  LonghaulQueueProps,
} from './props.js';

/** Every default of the construct. The props' TSDoc states the same values. */
export const longhaulQueueDefaults = {
  handler: 'handler',
  lambdaTimeout: Duration.minutes(5),
  memorySize: 512,
  batchSize: 10,
  maxConcurrency: 10,
  /** AWS's recommendation for a queue that feeds a Lambda function: six times its timeout. */
  visibilityPerLambdaTimeout: 6,
  visibilityWithoutLambda: Duration.minutes(5),
  retentionPeriod: Duration.days(14),
  /** Hand-backs (shutdowns, busy leases) use receives too; two spare ones keep them from failing a job. */
  deliveryHeadroom: 2,
  logRetention: logs.RetentionDays.ONE_MONTH,
  oldestMessageAge: Duration.minutes(15),
  fargate: {
    cpu: 512,
    memoryLimitMiB: 1024,
    minTasks: 0,
    maxTasks: 4,
    concurrency: 4,
    shutdownGrace: Duration.seconds(30),
  },
  /** What ECS waits after SIGTERM beyond the grace: time to hand back messages and flush writes. */
  stopTimeoutMargin: Duration.seconds(15),
  /** Payloads outlive the longest job retention by this much: room for jobs that run or retry a week. */
  payloadExpirationMargin: Duration.days(7),
} as const;

/** ECS stops a Fargate container at most this long after SIGTERM. */
const maxStopTimeoutSeconds = 120;
/**
 * SQS's longest long poll. A worker told to stop lets the poll under way answer and hands back what it
 * brought (a SIGKILL before that would hide those messages for the visibility timeout), so ECS waits
 * for it even when the grace is shorter.
 */
const maxLongPoll = Duration.seconds(20);
/** The long-running worker's default heartbeat; its visibility timeout must be at least twice that. */
const workerHeartbeatSeconds = 20;

/** Valid Fargate memory sizes (MiB) per CPU size. */
const fargateMemory: Readonly<Record<number, readonly [min: number, max: number, step: number]>> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

export interface ResolvedLambda {
  readonly entry: string;
  readonly handler: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration | undefined;
  readonly maxConcurrency: number;
  readonly reservedConcurrentExecutions: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
}

export interface ResolvedFargate {
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly concurrency: number;
  readonly shutdownGrace: Duration;
  readonly stopTimeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
}

export interface ResolvedProps {
  readonly tasks: readonly AnyTask[];
  readonly schedules: readonly Schedule[];
  readonly namePrefix: string | undefined;
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly lambda: ResolvedLambda | undefined;
  readonly fargate: ResolvedFargate | undefined;
  readonly alarms: Required<Pick<LonghaulQueueAlarmProps, 'oldestMessageAge'>> | undefined;
  readonly dashboard: boolean;
  /** The job metrics' namespace and failure-rate alarm threshold, or undefined with `metrics: false`. */
  readonly metrics: { readonly namespace: string; readonly failureRateAlarmPercent?: number } | undefined;
  /** The payload bucket's lifecycle expiration, or undefined with `payloads: false`. */
  readonly payloads: { readonly expiration: Duration } | undefined;
  /** The workers' retention (ms) where `retention` sets it; unset fields keep the runtime defaults. */
  readonly retention: Partial<Retention> | undefined;
  /** The customer-managed key, or undefined for the AWS-managed encryption of each part. */
  readonly encryptionKey: kms.IKey | undefined;
}

/** The variables the construct sets itself; a user's `environment` may not override them. */
const constructVariables: readonly string[] = [
  env.queueUrl,
  env.deadLetterQueueUrl,
  env.tableName,
  env.visibilityTimeoutSeconds,
  env.deliveryLimit,
  env.concurrency,
  env.shutdownGraceMs,
  env.payloadBucket,
  env.retentionSucceededMs,
  env.retentionFailedMs,
  env.retentionCancelledMs,
  env.metrics,
  env.metricsNamespace,
];

/** Throws a `ConfigError` naming every problem of `props`; returns the props with their defaults. */
export function resolveProps(props: LonghaulQueueProps): ResolvedProps {
  const problems: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const integer = (field: string, value: number, min: number, max: number, why = '') => {
    if (Token.isUnresolved(value)) return;
    expect(
      Number.isInteger(value) && value >= min && value <= max,
      `\`${field}\` to be an integer from ${min} to ${max}${why}, got \`${value}\``,
    );
  };
  const seconds = (field: string, value: Duration, min: Duration, max: Duration, why = '') => {
    if (Token.isUnresolved(value.toSeconds({ integral: false }))) return;
    const s = value.toSeconds({ integral: false });
    expect(
      Number.isInteger(s) && s >= min.toSeconds() && s <= max.toSeconds(),
      `\`${field}\` to be whole seconds from ${human(min)} to ${human(max)}${why}, got ${human(value)}`,
    );
  };

  // Tasks and schedules.
  const tasks = props.tasks ?? [];
  expect(tasks.length >= 1, `\`tasks\` to hold at least 1 task, got ${tasks.length}`);
  const seen = new Set<string>();
  for (const task of tasks) {
    expect(!seen.has(task.name), `task names in \`tasks\` to be unique, got "${task.name}" twice`);
    seen.add(task.name);
  }
  const schedules = props.schedules ?? [];
  try {
    checkSchedules(schedules, tasks);
  } catch (error) {
    problems.push(`valid \`schedules\`: ${(error as Error).message}`);
  }

  // Names.
  const namePrefix = props.namePrefix;
  if (namePrefix !== undefined) {
    expect(
      /^[A-Za-z0-9_-]{1,40}$/.test(namePrefix),
      `\`namePrefix\` to be 1–40 letters, digits, "-" or "_" (it starts queue and table names), got ${JSON.stringify(namePrefix)}`,
    );
    for (const schedule of schedules) {
      const ruleName = `${namePrefix}-${schedule.name}`;
      expect(
        ruleName.length <= 64,
        `\`namePrefix\` and schedule "${schedule.name}" to make a rule name of at most 64 characters, got ${ruleName.length} ("${ruleName}")`,
      );
    }
  }

  // Redrive: every task's attempts must fit in the queue's delivery limit.
  const largest = tasks.reduce<AnyTask | undefined>(
    (best, task) => (best === undefined || task.retry.maxAttempts > best.retry.maxAttempts ? task : best),
    undefined,
  );
  const largestAttempts = largest?.retry.maxAttempts ?? 1;
  const maxReceiveCount = props.maxReceiveCount ?? largestAttempts + longhaulQueueDefaults.deliveryHeadroom;
  if (props.maxReceiveCount !== undefined) {
    integer('maxReceiveCount', props.maxReceiveCount, 1, 1000, ' (the limit of an SQS redrive policy)');
    expect(
      props.maxReceiveCount >= largestAttempts,
      `\`maxReceiveCount\` to be at least ${largestAttempts}, the attempts task "${largest?.name}" allows, got \`${props.maxReceiveCount}\``,
    );
  }

  // The Lambda worker.
  let lambda: ResolvedLambda | undefined;
  const lambdaProps: LonghaulQueueLambdaProps | undefined = props.lambda === false ? undefined : props.lambda;
  if (props.lambda === undefined && props.fargate === undefined) {
    // A queue nobody serves is almost always a mistake: say so rather than deploy it silently.
    problems.push(
      'a worker: `lambda: { entry }`, `fargate: { image }`, or `lambda: false` when workers run elsewhere; got neither',
    );
  }
  if (lambdaProps) {
    const d = longhaulQueueDefaults;
    lambda = {
      entry: lambdaProps.entry,
      handler: lambdaProps.handler ?? d.handler,
      timeout: lambdaProps.timeout ?? d.lambdaTimeout,
      memorySize: lambdaProps.memorySize ?? d.memorySize,
      batchSize: lambdaProps.batchSize ?? d.batchSize,
      maxBatchingWindow: lambdaProps.maxBatchingWindow,
      maxConcurrency: lambdaProps.maxConcurrency ?? d.maxConcurrency,
      reservedConcurrentExecutions: lambdaProps.reservedConcurrentExecutions,
      environment: lambdaProps.environment ?? {},
    };
    expect(
      typeof lambda.entry === 'string' && lambda.entry.length > 0,
      `\`lambda.entry\` to be the path of the handler's file, got ${JSON.stringify(lambda.entry)}`,
    );
    expect(
      /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(lambda.handler),
      `\`lambda.handler\` to be the name of an export, got ${JSON.stringify(lambda.handler)}`,
    );
    seconds('lambda.timeout', lambda.timeout, Duration.seconds(1), Duration.minutes(15), " (Lambda's limit)");
    integer('lambda.memorySize', lambda.memorySize, 128, 10240, " (Lambda's limits, MB)");
    integer('lambda.batchSize', lambda.batchSize, 1, 10000, ' (the limit of an SQS event source)');
    if (lambda.batchSize > 10) {
      expect(
        lambda.maxBatchingWindow !== undefined,
        `\`lambda.maxBatchingWindow\` to be set when \`lambda.batchSize\` is above 10 (SQS requires a batching window for batches of more than 10), got \`batchSize: ${lambda.batchSize}\` without one`,
      );
    }
    if (lambda.maxBatchingWindow) {
      seconds('lambda.maxBatchingWindow', lambda.maxBatchingWindow, Duration.seconds(0), Duration.minutes(5));
    }
    integer('lambda.maxConcurrency', lambda.maxConcurrency, 2, 1000, ' (the limit of an SQS event source)');
    if (props.priorities) {
      // Shared by three event sources (one per priority queue) of at least 2 each.
      expect(
        lambda.maxConcurrency >= 6,
        `\`lambda.maxConcurrency\` to be at least 6 with \`priorities\` (three event sources of at least 2), got \`${lambda.maxConcurrency}\``,
      );
    }
    if (lambda.reservedConcurrentExecutions !== undefined) {
      integer('lambda.reservedConcurrentExecutions', lambda.reservedConcurrentExecutions, 1, 10000);
      expect(
        lambda.reservedConcurrentExecutions >= lambda.maxConcurrency,
        `\`lambda.reservedConcurrentExecutions\` to be at least \`lambda.maxConcurrency\` (${lambda.maxConcurrency}), or throttled batches use up their messages' receives, got \`${lambda.reservedConcurrentExecutions}\``,
      );
    }
    checkEnvironment('lambda.environment', lambda.environment, problems);
    const timeoutMs = lambda.timeout.toMilliseconds();
    for (const task of tasks) {
      if (task.timeoutMs !== undefined && task.timeoutMs > timeoutMs) {
        problems.push(
          `the \`timeoutMs\` of task "${task.name}" (${task.timeoutMs} ms) to be at most \`lambda.timeout\` (${timeoutMs} ms): raise \`lambda.timeout\` or serve the task from Fargate only (\`lambda: false\`)`,
        );
      }
    }
  }

  // The queue.
  const visibilityTimeout =
    props.visibilityTimeout ??
    (lambda
      ? Duration.seconds(
          Math.min(
            lambda.timeout.toSeconds() * longhaulQueueDefaults.visibilityPerLambdaTimeout,
            maxVisibilitySeconds,
          ),
        )
      : longhaulQueueDefaults.visibilityWithoutLambda);
  seconds(
    'visibilityTimeout',
    visibilityTimeout,
    Duration.seconds(0),
    Duration.seconds(maxVisibilitySeconds),
    " (SQS's limit)",
  );
  if (lambda && visibilityTimeout.toSeconds() < lambda.timeout.toSeconds()) {
    problems.push(
      `\`visibilityTimeout\` to be at least \`lambda.timeout\` (${human(lambda.timeout)}), or SQS would hand a batch to a second invocation while the first still runs; got ${human(visibilityTimeout)}`,
    );
  }
  const retentionPeriod = props.retentionPeriod ?? longhaulQueueDefaults.retentionPeriod;
  seconds('retentionPeriod', retentionPeriod, Duration.minutes(1), Duration.days(14), " (SQS's limits)");

  // The Fargate worker.
  let fargate: ResolvedFargate | undefined;
  const fargateProps: LonghaulQueueFargateProps | undefined = props.fargate;
  if (fargateProps) {
    const d = longhaulQueueDefaults.fargate;
    const shutdownGrace = fargateProps.shutdownGrace ?? d.shutdownGrace;
    fargate = {
      cpu: fargateProps.cpu ?? d.cpu,
      memoryLimitMiB: fargateProps.memoryLimitMiB ?? d.memoryLimitMiB,
      minTasks: fargateProps.minTasks ?? d.minTasks,
      maxTasks: fargateProps.maxTasks ?? d.maxTasks,
      concurrency: fargateProps.concurrency ?? d.concurrency,
      shutdownGrace,
      stopTimeout: (shutdownGrace.toSeconds() > maxLongPoll.toSeconds() ? shutdownGrace : maxLongPoll).plus(
        longhaulQueueDefaults.stopTimeoutMargin,
      ),
      environment: fargateProps.environment ?? {},
    };
    const memory = fargateMemory[fargate.cpu];
    if (memory === undefined) {
      problems.push(
        `\`fargate.cpu\` to be one of ${Object.keys(fargateMemory).join(', ')} (Fargate's sizes), got \`${fargate.cpu}\``,
      );
    } else {
      const [min, max, step] = memory;
      expect(
        fargate.memoryLimitMiB >= min && fargate.memoryLimitMiB <= max && fargate.memoryLimitMiB % step === 0,
        `\`fargate.memoryLimitMiB\` to be from ${min} to ${max} in steps of ${step} for \`fargate.cpu\` ${fargate.cpu} (Fargate's sizes), got \`${fargate.memoryLimitMiB}\``,
      );
    }
    integer('fargate.maxTasks', fargate.maxTasks, 1, 1000);
    integer('fargate.minTasks', fargate.minTasks, 0, fargate.maxTasks, ' (`fargate.maxTasks`)');
    integer('fargate.concurrency', fargate.concurrency, 1, 1000, " (the worker's limit)");
    const margin = longhaulQueueDefaults.stopTimeoutMargin.toSeconds();
    seconds(
      'fargate.shutdownGrace',
      shutdownGrace,
      Duration.seconds(0),
      Duration.seconds(maxStopTimeoutSeconds - margin),
      ` (ECS stops a task at most ${maxStopTimeoutSeconds} s after SIGTERM, and the worker needs ${margin} s after the grace to hand back its jobs)`,
    );
    checkEnvironment('fargate.environment', fargate.environment, problems);
    if (fargate.environment[env.heartbeatIntervalSeconds] === undefined) {
      expect(
        visibilityTimeout.toSeconds() >= 2 * workerHeartbeatSeconds,
        `\`visibilityTimeout\` to be at least ${2 * workerHeartbeatSeconds} s with a Fargate worker (twice its ${workerHeartbeatSeconds} s heartbeat; or set ${env.heartbeatIntervalSeconds} in \`fargate.environment\`), got ${human(visibilityTimeout)}`,
      );
    }
  }

  // Table.
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const deletionProtection = props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY;
  if (deletionProtection && removalPolicy === RemovalPolicy.DESTROY) {
    problems.push(
      '`deletionProtection` to be false with `removalPolicy: DESTROY` (a protected table cannot be destroyed), got `true`',
    );
  }

  // Alarms.
  let alarms: ResolvedProps['alarms'];
  if (props.alarms !== false) {
    const oldestMessageAge = props.alarms?.oldestMessageAge ?? longhaulQueueDefaults.oldestMessageAge;
    seconds(
      'alarms.oldestMessageAge',
      oldestMessageAge,
      Duration.minutes(1),
      retentionPeriod,
      ' (`retentionPeriod`: older messages are gone)',
    );
    alarms = { oldestMessageAge };
  }

  // Metrics.
  let metrics: ResolvedProps['metrics'];
  if (props.metrics !== false) {
    const namespace = props.metrics?.namespace ?? jobMetricNames.defaultNamespace;
    expect(
      typeof namespace === 'string' &&
        /^[0-9A-Za-z.\-_/#:]{1,255}$/.test(namespace) &&
        !namespace.startsWith('AWS/'),
      `\`metrics.namespace\` to be 1–255 letters, digits or . - _ / # : and not start with "AWS/", got ${JSON.stringify(namespace)}`,
    );
    const percent = props.metrics?.failureRateAlarmPercent;
    if (percent !== undefined) {
      expect(
        typeof percent === 'number' && percent >= 1 && percent <= 100,
        `\`metrics.failureRateAlarmPercent\` to be a number from 1 to 100, got ${JSON.stringify(percent)}`,
      );
    }
    metrics = { namespace, ...(percent !== undefined ? { failureRateAlarmPercent: percent } : {}) };
  }

  const { retention, payloads } = resolveRetentionAndPayloads(props, problems);
  if (props.fargate?.allowAllOutbound !== undefined) {
    expect(
      typeof props.fargate.allowAllOutbound === 'boolean',
      `\`fargate.allowAllOutbound\` to be true or false, got ${JSON.stringify(props.fargate.allowAllOutbound)}`,
    );
  }
  if (props.encryptionKey !== undefined) checkEncryptionKey(props.encryptionKey, problems);

  if (problems.length) {
    throw new ConfigError(`Invalid LonghaulQueue props: expected ${problems.join('; ')}`);
  }
  return {
    tasks,
    schedules,
    namePrefix,
    maxReceiveCount,
    visibilityTimeout,
    retentionPeriod,
    removalPolicy,
    deletionProtection,
    logRetention: props.logRetention ?? longhaulQueueDefaults.logRetention,
    lambda,
    fargate,
    alarms,
    dashboard: props.dashboard ?? true,
    metrics,
    payloads,
    retention,
    encryptionKey: props.encryptionKey,
  };
}

/**
 * SQS, DynamoDB, S3 and CloudWatch Logs take only symmetric encryption keys of their own region. A key
 * of the stack shows its spec and usage; an imported one its region (from its ARN).
 */
function checkEncryptionKey(key: kms.IKey, problems: string[]): void {
  const resource = key.node.defaultChild;
  if (resource instanceof kms.CfnKey) {
    const spec = resource.keySpec ?? kms.KeySpec.SYMMETRIC_DEFAULT;
    const usage = resource.keyUsage ?? kms.KeyUsage.ENCRYPT_DECRYPT;
    if (spec !== kms.KeySpec.SYMMETRIC_DEFAULT || usage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
      problems.push(
        `\`encryptionKey\` to be a symmetric encryption key (key spec SYMMETRIC_DEFAULT, usage ENCRYPT_DECRYPT: the only kind SQS, DynamoDB, S3 and CloudWatch Logs accept), got key spec ${String(spec)} and usage ${String(usage)}`,
      );
    }
  }
  const stackRegion = Stack.of(key).region;
  if (Token.compareStrings(key.env.region, stackRegion) === TokenComparison.DIFFERENT) {
    problems.push(
      `\`encryptionKey\` to be a key of the stack's region (${stackRegion}: services use keys of their own region only), got a key of ${key.env.region}`,
    );
  }
}

/**
 * The retention in milliseconds, and the payload expiration: whole days, at least the longest retention
 * so that no job outlives the payloads it points at.
 */
function resolveRetentionAndPayloads(
  props: LonghaulQueueProps,
  problems: string[],
): Pick<ResolvedProps, 'retention' | 'payloads'> {
  let retention: Partial<Retention> | undefined;
  if (props.retention) {
    const fields = { succeeded: 'succeededMs', failed: 'failedMs', cancelled: 'cancelledMs' } as const;
    const ms: Record<string, number> = {};
    for (const [prop, field] of Object.entries(fields)) {
      const value = props.retention[prop as keyof typeof fields];
      if (value !== undefined && !Token.isUnresolved(value.toMilliseconds()))
        ms[field] = value.toMilliseconds();
    }
    const found = retentionProblems(ms);
    // Name the props as the user wrote them: `retention.failed`, not the runtime's `failedMs`.
    problems.push(...found.map((problem) => problem.replace(/`retention\.(\w+)Ms`/, '`retention.$1`')));
    retention = ms;
  }
  if (props.payloads === false) return { retention, payloads: undefined };
  const longestMs = Math.max(...Object.values({ ...retentionDefaults, ...retention }));
  const longestDays = Math.ceil(longestMs / Duration.days(1).toMilliseconds());
  const expiration =
    props.payloads?.expiration ??
    Duration.days(longestDays + longhaulQueueDefaults.payloadExpirationMargin.toDays());
  if (!Token.isUnresolved(expiration.toMilliseconds())) {
    const days = expiration.toMilliseconds() / Duration.days(1).toMilliseconds();
    if (!Number.isInteger(days) || days < longestDays || days > 3650) {
      problems.push(
        `\`payloads.expiration\` to be whole days from the longest retention (${longestDays} days, or no job could outlive its payloads) to 3650, got ${human(expiration)}`,
      );
    }
  }
  return { retention, payloads: { expiration } };
}

function checkEnvironment(field: string, environment: Readonly<Record<string, string>>, problems: string[]) {
  for (const name of Object.keys(environment)) {
    if (constructVariables.includes(name)) {
      problems.push(`\`${field}\` not to set ${name}, which the construct sets from its own props`);
    }
  }
}

/** A duration for an error message: "90 seconds", "15 minutes". */
function human(duration: Duration): string {
  return duration.toHumanString();
}
