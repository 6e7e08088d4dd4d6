// A long-running worker for a container (ECS/Fargate) or any server, configured from the environment:
// LONGHAUL_QUEUE_URL, LONGHAUL_DLQ_URL, LONGHAUL_TABLE_NAME, plus the usual AWS_REGION and credentials
// (and AWS_ENDPOINT_URL for LocalStack or moto). SIGTERM stops it gracefully.
import { createWorker } from 'longhaul';
import { awsBackendFromEnv } from 'longhaul/aws';
import { tasks } from './tasks.js';

const worker = createWorker({
  backend: awsBackendFromEnv(),
  tasks,
  concurrency: Number(process.env.LONGHAUL_CONCURRENCY ?? 4),
});
worker.stopOnSignals();
console.log(`worker ${worker.options.workerId} serving ${tasks.map((t) => t.name).join(', ')}`);
await worker.run();
console.log('worker stopped', worker.stats);
