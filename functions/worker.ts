// The long-running worker entrypoint (a Fargate task, or any container): serves the example app's tasks
// with everything configured from the environment (see createWorkerFromEnv). ECS sends SIGTERM on
// deploys and scale-in; the worker then stops gracefully and hands back what it has not finished.
//
// `stop()` resolves once the running jobs are settled and handed back, without waiting for the long poll
// under way; `run()` resolves once that poll has answered too and its messages are handed back (at most
// LONGHAUL_WAIT_TIME_SECONDS later). Until then the poll's open connection keeps the process alive: it
// exits on its own afterwards, with no `process.exit()` that would cut the poll and strand what it took.
import { createWorkerFromEnv } from 'longhaul/aws';
import { demoTasks } from '../examples/demo-tasks.js';

const log = (message: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level: 'info', message, ...fields }));

const worker = createWorkerFromEnv({ tasks: demoTasks });
const stopOn = (signal: NodeJS.Signals) => {
  log('worker stopping', { signal });
  worker.stop().then(
    () => log('jobs settled; the long poll under way hands back what it brings, then the worker stops'),
    () => {}, // a failure to start is already thrown by run() below
  );
};
process.once('SIGTERM', stopOn);
process.once('SIGINT', stopOn);
log('worker started', { workerId: worker.options.workerId });
await worker.run();
log('worker stopped', { ...worker.stats });
