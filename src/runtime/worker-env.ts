import { ConfigError } from '../core/errors.js';
import { env } from '../core/names.js';
import type { RetentionOptions } from '../core/retention.js';
import { metricsFromEnv } from './metrics-options.js';
import type { WorkerOptions } from './worker-options.js';

/** The worker options an environment variable can set, and the variable that sets each. */
const integerOptions = {
  concurrency: env.concurrency,
  visibilityTimeoutSeconds: env.visibilityTimeoutSeconds,
  heartbeatIntervalSeconds: env.heartbeatIntervalSeconds,
  waitTimeSeconds: env.waitTimeSeconds,
  shutdownGraceMs: env.shutdownGraceMs,
  visibilityCeilingSeconds: env.visibilityCeilingSeconds,
} as const;

type EnvWorkerOptions = Partial<
  Pick<WorkerOptions, keyof typeof integerOptions | 'workerId' | 'retention' | 'metrics'>
>;

/** The retention fields an environment variable can set, and the variable that sets each. */
const retentionVariables = {
  succeededMs: env.retentionSucceededMs,
  failedMs: env.retentionFailedMs,
  cancelledMs: env.retentionCancelledMs,
} as const;

/**
 * Reads `LONGHAUL_RETENTION_SUCCEEDED_MS`, `_FAILED_MS` and `_CANCELLED_MS` (integers, milliseconds).
 * Undefined when none is set; ranges are checked where the retention is used.
 */
export function retentionFromEnv(environment: NodeJS.ProcessEnv = process.env): RetentionOptions | undefined {
  const retention: Record<string, number> = {};
  const problems: string[] = [];
  for (const [field, variable] of Object.entries(retentionVariables)) {
    const raw = environment[variable];
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw.trim()))
      problems.push(`${variable} to be an integer (ms), got ${JSON.stringify(raw)}`);
    else retention[field] = Number(raw);
  }
  if (problems.length) throw new ConfigError(`Invalid worker environment: expected ${problems.join('; ')}`);
  return Object.keys(retention).length ? retention : undefined;
}

/**
 * Reads worker options from `LONGHAUL_*` variables (the metrics from `LONGHAUL_METRICS` and
 * `LONGHAUL_METRICS_NAMESPACE`), for containers configured by their task definition.
 * Unset variables are left out, so the defaults apply; ranges are checked by `createWorker`.
 *
 * @example
 * createWorker({ backend, tasks, ...workerOptionsFromEnv() });
 */
export function workerOptionsFromEnv(environment: NodeJS.ProcessEnv = process.env): EnvWorkerOptions {
  const options: Record<string, number | string> = {};
  const problems: string[] = [];
  for (const [option, variable] of Object.entries(integerOptions)) {
    const raw = environment[variable];
    if (raw === undefined || raw === '') continue;
    if (!/^-?\d+$/.test(raw.trim()))
      problems.push(`${variable} to be an integer, got ${JSON.stringify(raw)}`);
    else options[option] = Number(raw);
  }
  if (problems.length) throw new ConfigError(`Invalid worker environment: expected ${problems.join('; ')}`);
  const workerId = environment[env.workerId];
  if (workerId) options.workerId = workerId;
  const retention = retentionFromEnv(environment);
  const metrics = metricsFromEnv(environment);
  return {
    ...(options as EnvWorkerOptions),
    ...(retention ? { retention } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
  };
}
