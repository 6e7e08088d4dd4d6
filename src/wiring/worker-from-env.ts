/** The long-running worker as a container runs it: the AWS backend and the worker, both from the environment. */
import { awsBackendFromEnv } from '../backends/aws/index.js';
import { createWorker, type Worker } from '../runtime/worker.js';
import { workerOptionsFromEnv } from '../runtime/worker-env.js';
import type { WorkerOptions } from '../runtime/worker-options.js';

/**
 * A long-running worker configured entirely from the environment: the backend from `LONGHAUL_QUEUE_URL`,
 * `LONGHAUL_DLQ_URL` and `LONGHAUL_TABLE_NAME`, options from `LONGHAUL_CONCURRENCY` and the other
 * variables `workerOptionsFromEnv` reads. What a container entrypoint needs.
 *
 * @example
 * const worker = createWorkerFromEnv({ tasks: [generateReport] });
 * worker.stopOnSignals();
 * await worker.run();
 */
export function createWorkerFromEnv(
  options: Pick<WorkerOptions, 'tasks'> & Partial<WorkerOptions>,
  environment: NodeJS.ProcessEnv = process.env,
): Worker {
  // An option passed as undefined must not hide the environment's value.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return createWorker({
    backend: awsBackendFromEnv(environment),
    ...workerOptionsFromEnv(environment),
    ...(given as Pick<WorkerOptions, 'tasks'> & Partial<WorkerOptions>),
  });
}
