import { ConfigError } from '../core/errors.js';
import { env } from '../core/names.js';
import { defaultMetricsNamespace, JobMetrics, type MetricsSink } from './emf-metrics.js';

/**
 * Job metrics of a worker or a Lambda handler, in CloudWatch Embedded Metric Format on stdout. On by
 * default; `metrics: false` (or `LONGHAUL_METRICS=off`) turns them off.
 */
export interface MetricsOptions {
  /** The CloudWatch namespace. Default `Longhaul` (or `LONGHAUL_METRICS_NAMESPACE`). */
  readonly namespace?: string;
  /**
   * The `Queue` dimension. Default: the Lambda event source queue's name; for a worker, the last part of
   * `LONGHAUL_QUEUE_URL`, else `default`.
   */
  readonly queueName?: string;
  /** How often a long-running worker writes what it added up (a Lambda handler: once per invocation). Default 60 000. */
  readonly flushIntervalMs?: number;
  /** Where each EMF line goes. Default: stdout, which Lambda and ECS ship to CloudWatch Logs. */
  readonly sink?: MetricsSink;
}

/** The metrics options with their defaults, or `false` when metrics are off. */
export interface ResolvedMetrics {
  readonly metrics: JobMetrics;
  readonly queueName: string | undefined;
  readonly flushIntervalMs: number;
}

export const metricsDefaults = { flushIntervalMs: 60_000 } as const;

/** CloudWatch namespaces: 1–255 of these characters. */
const namespacePattern = /^[0-9A-Za-z.\-_/#:]{1,255}$/;

/** Checks the options, naming each field, its limit and the value given; builds the aggregator. */
export function resolveMetrics(options: MetricsOptions | false | undefined): ResolvedMetrics | undefined {
  if (options === false) return undefined;
  const o = options ?? {};
  const namespace = o.namespace ?? defaultMetricsNamespace;
  const flushIntervalMs = o.flushIntervalMs ?? metricsDefaults.flushIntervalMs;
  const problems: string[] = [];
  if (typeof namespace !== 'string' || !namespacePattern.test(namespace) || namespace.startsWith('AWS/')) {
    problems.push(
      `\`metrics.namespace\` to be 1–255 letters, digits or . - _ / # : and not start with "AWS/", got ${JSON.stringify(namespace)}`,
    );
  }
  if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 1_000 || flushIntervalMs > 3_600_000) {
    problems.push(
      `\`metrics.flushIntervalMs\` to be an integer from 1000 to 3600000, got \`${flushIntervalMs}\``,
    );
  }
  if (o.queueName !== undefined && (typeof o.queueName !== 'string' || o.queueName.length === 0)) {
    problems.push(`\`metrics.queueName\` to be a non-empty string, got ${JSON.stringify(o.queueName)}`);
  }
  if (problems.length) throw new ConfigError(`Invalid metrics options: expected ${problems.join('; ')}`);
  return {
    metrics: new JobMetrics({ namespace, ...(o.sink ? { sink: o.sink } : {}) }),
    queueName: o.queueName,
    flushIntervalMs,
  };
}

/**
 * Reads `LONGHAUL_METRICS` (`on` or `off`) and `LONGHAUL_METRICS_NAMESPACE`, which the construct sets.
 * Undefined when neither is set, so the defaults apply.
 */
export function metricsFromEnv(
  environment: NodeJS.ProcessEnv = process.env,
): MetricsOptions | false | undefined {
  const switched = environment[env.metrics]?.trim().toLowerCase();
  const namespace = environment[env.metricsNamespace];
  if (switched === 'off') return false;
  if (switched !== undefined && switched !== '' && switched !== 'on') {
    throw new ConfigError(
      `Invalid worker environment: expected ${env.metrics} to be "on" or "off", got ${JSON.stringify(environment[env.metrics])}`,
    );
  }
  return namespace ? { namespace } : switched === 'on' ? {} : undefined;
}

/** The queue's name from its URL (`https://sqs.../123456789012/my-queue` → `my-queue`). */
export function queueNameFromUrl(url: string | undefined): string | undefined {
  const name = url?.split('/').filter(Boolean).pop();
  return name || undefined;
}

/** The queue's name from its ARN (`arn:aws:sqs:region:account:my-queue` → `my-queue`). */
export function queueNameFromArn(arn: string | undefined): string | undefined {
  const name = arn?.split(':').pop();
  return name || undefined;
}
