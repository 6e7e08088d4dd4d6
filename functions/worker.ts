// The long-running worker entrypoint (a Fargate task, or any container): serves the example app's tasks
// with everything configured from the environment (see createWorkerFromEnv). ECS sends SIGTERM on
// deploys and scale-in; the worker then stops gracefully and hands back what it has not finished.
import { createWorkerFromEnv } from 'longhaul/aws';
import { demoTasks } from '../examples/demo-tasks.js';

const worker = createWorkerFromEnv({ tasks: demoTasks });
worker.stopOnSignals();
console.log(JSON.stringify({ level: 'info', message: 'worker started', workerId: worker.options.workerId }));
await worker.run();
console.log(JSON.stringify({ level: 'info', message: 'worker stopped', ...worker.stats }));
