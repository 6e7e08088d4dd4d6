/**
 * The Lambda worker as the construct deploys it: the SQS handler wired to the AWS backend, configured
 * from the environment variables the construct sets.
 */ import { awsWorkerBackendFromEnv } from '../backends/aws/index.js';
import { ConfigError } from '../core/errors.js';
import { env } from '../core/names.js';
import {
  createLambdaHandler,
  type LambdaHandlerOptions,
  type LonghaulLambdaHandler,
} from '../runtime/lambda-handler.js';
import { metricsFromEnv } from '../runtime/metrics-options.js';
import { retentionFromEnv } from '../runtime/worker-env.js';

/**
 * A Lambda handler configured from the environment the construct sets: the backend from
 * `LONGHAUL_QUEUE_URL`, `LONGHAUL_DLQ_URL` and `LONGHAUL_TABLE_NAME` (its SDK clients are created on the
 * first invocation, so importing the bundle does no work; its job store is the worker's side only, so the
 * bundle carries no listing or counting code), the lease from
 * `LONGHAUL_VISIBILITY_TIMEOUT_SECONDS` and the delivery limit from `LONGHAUL_DELIVERY_LIMIT`, the job metrics from `LONGHAUL_METRICS`
 * and `LONGHAUL_METRICS_NAMESPACE`.
 */
export function createLambdaHandlerFromEnv(
  options: Omit<LambdaHandlerOptions, 'backend'> & Partial<Pick<LambdaHandlerOptions, 'backend'>>,
  environment: NodeJS.ProcessEnv = process.env,
): LonghaulLambdaHandler {
  const integer = (name: string): number | undefined => {
    const raw = environment[name];
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw.trim()))
      throw new ConfigError(`Expected ${name} to be an integer, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? integer(env.visibilityTimeoutSeconds);
  const deliveryLimit = options.deliveryLimit ?? integer(env.deliveryLimit);
  const retention = options.retention ?? retentionFromEnv(environment);
  const metrics = options.metrics ?? metricsFromEnv(environment);
  return createLambdaHandler({
    ...options,
    backend: options.backend ?? (() => awsWorkerBackendFromEnv(environment)),
    ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
    ...(deliveryLimit !== undefined ? { deliveryLimit } : {}),
    ...(retention !== undefined ? { retention } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
  });
}
