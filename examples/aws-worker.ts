// A long-running worker for a container (ECS/Fargate) or any server, configured from the environment:
// LONGHAUL_QUEUE_URL, LONGHAUL_DLQ_URL, LONGHAUL_TABLE_NAME (and optionally LONGHAUL_CONCURRENCY,
// LONGHAUL_VISIBILITY_TIMEOUT_SECONDS, ...), plus the usual AWS_REGION and credentials (and
// AWS_ENDPOINT_URL for LocalStack or moto). SIGTERM stops it gracefully.
import { createWorkerFromEnv } from 'longhaul/aws';
import { tasks } from './tasks.js';

const worker = createWorkerFromEnv({ tasks });
worker.stopOnSignals();
console.log(`worker ${worker.options.workerId} serving ${tasks.map((t) => t.name).join(', ')}`);
await worker.run();
console.log('worker stopped', worker.stats);
