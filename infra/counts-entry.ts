// The counts aggregator's Lambda entrypoint, bundled by the LonghaulQueue construct: keeps the job
// counts by status and task (read by `longhaul stats` and the dashboard) from the job table's stream.
// A relative import, so it bundles the same from this repository and from the published package.
import { createCountsHandlerFromEnv } from '../src/lambda.js';

export const handler = createCountsHandlerFromEnv();
