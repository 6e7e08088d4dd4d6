/**
 * The Longhaul web dashboard: job counts, the job list, each job's progress, logs and error, the
 * dead-letter queue, live updates, and cancel, retry and redrive. Mount it in your own Node.js server
 * with {@link createDashboardHandler}, or run it on its own with {@link serveDashboard}. See
 * docs/dashboard.md.
 *
 * @example
 * import { Longhaul } from 'longhaul';
 * import { awsBackendFromEnv } from 'longhaul/aws';
 * import { serveDashboard } from 'longhaul/dashboard';
 *
 * const dashboard = await serveDashboard({ longhaul: new Longhaul({ backend: awsBackendFromEnv() }) });
 * console.log(dashboard.url); // http://127.0.0.1:8080/
 */
export type { DeadLetterView, JobListPage, JobSummary } from './api.js';
export {
  createDashboardHandler,
  type DashboardHandler,
  type DashboardHandlerOptions,
  dashboardDefaults,
} from './handler.js';
export { securityHeaders } from './security.js';
export { type DashboardServer, type ServeDashboardOptions, serveDashboard } from './serve.js';
