// The Lambda worker entrypoint, deployed by the LonghaulQueue construct behind an SQS event source with
// partial batch responses: serves the example app's tasks with everything configured from the
// environment the construct sets. Importing this module only builds the handler; the SDK clients are
// created on the first invocation.
import { createLambdaHandlerFromEnv } from 'longhaul/lambda';
import { demoTasks } from '../examples/demo-tasks.js';

export const handler = createLambdaHandlerFromEnv({ tasks: demoTasks });
