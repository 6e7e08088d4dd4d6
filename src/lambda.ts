/**
 * `longhaul/lambda`: the Lambda worker, a handler for an SQS event source with partial batch responses
 * running the same tasks through the same job lifecycle as the long-running worker, and the counts
 * aggregator on the job table's stream.
 *
 * @example
 * // functions/lambda.ts, deployed by the LonghaulQueue construct
 * import { createLambdaHandlerFromEnv } from 'longhaul/lambda';
 * import { tasks } from '../src/tasks.js';
 * export const handler = createLambdaHandlerFromEnv({ tasks });
 */
export {
  createCountsHandler,
  createCountsHandlerFromEnv,
  type JobStreamEvent,
  type JobStreamRecord,
} from './backends/aws/index.js';
export {
  createLambdaHandler,
  type LambdaContextLike,
  type LambdaHandlerOptions,
  type LonghaulLambdaHandler,
  type SqsBatchResponse,
  type SqsEvent,
  type SqsEventRecord,
} from './runtime/lambda-handler.js';
export { createLambdaHandlerFromEnv } from './wiring/lambda-from-env.js';
