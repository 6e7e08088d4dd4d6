// `npm run example:web`: a web app that hands a slow portfolio analysis to Longhaul and lets the page
// watch it live. One node:http server mounts the `longhaul/http` handler under /api and serves the page;
// a worker runs in the same process here, though in production it runs elsewhere (the two meet only
// through the queue and the job table).
//
//   npm run example:web                 embedded backend: no AWS, no emulator
//   npm run example:web -- --aws        SQS + DynamoDB on the emulator at AWS_ENDPOINT_URL (its queue and
//                                       table are created at start and deleted at exit)
//
// Environment: PORT (default 3000; 0 picks a free port), HOST (default 127.0.0.1), WEB_APP_SECRET (the
// job-token key, 32+ bytes; default a random one per process, so tokens do not outlive it),
// WEB_APP_BACKEND=aws (as --aws).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Backend,
  createWorker,
  Longhaul,
  scheduledEnvelope,
  silentLogger,
  startScheduler,
} from 'longhaul';
import { awsBackend, createClients, createJobResources, deleteJobResources } from 'longhaul/aws';
import { createHttpHandler, toNodeListener } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { buildPageAssets, type PageAssets } from './page-assets.js';
import { analyzePortfolio, marketIndexEveryMinute, webAppTasks } from './tasks.js';

interface OpenBackend {
  readonly backend: Backend;
  readonly description: string;
  close(): Promise<void>;
}

function openEmbedded(): OpenBackend {
  return { backend: memoryBackend(), description: 'embedded backend', async close() {} };
}

/** A queue and a table of its own on the emulator, deleted when the app stops. */
async function openOnEmulator(): Promise<OpenBackend> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    // Creating queues and tables is for the local emulator only: never by accident in a real account.
    throw new Error(
      '--aws runs against the local emulator: set AWS_ENDPOINT_URL (node scripts/emulator.mjs start, then eval "$(node scripts/emulator.mjs env)")',
    );
  }
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'test';
  const clients = createClients();
  const prefix = `longhaul-web-${randomBytes(4).toString('hex')}`;
  const resources = await createJobResources({ ...clients, prefix });
  return {
    backend: awsBackend({ ...resources, ...clients }),
    description: `AWS backend on ${endpoint} (queue and table ${prefix}-jobs)`,
    async close() {
      try {
        await deleteJobResources(clients, resources);
      } finally {
        clients.sqsClient.destroy();
        clients.dynamoClient.destroy();
      }
    },
  };
}

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

function servePage(assets: PageAssets, request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const files: Record<string, [string, string]> = {
    '/': [assets.html, 'text/html; charset=utf-8'],
    '/assets/app.js': [assets.script, 'text/javascript; charset=utf-8'],
    '/assets/app.css': [assets.styles, 'text/css; charset=utf-8'],
  };
  const file = files[path];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', ...securityHeaders }).end();
  } else if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain', ...securityHeaders }).end('Not found');
  } else {
    response.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-cache', ...securityHeaders });
    response.end(request.method === 'HEAD' ? undefined : file[0]);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((arg) => arg !== '--aws');
  if (unknown.length > 0) throw new Error(`Unknown argument ${unknown.join(' ')}; usage: server.ts [--aws]`);
  const onEmulator = argv.includes('--aws') || process.env.WEB_APP_BACKEND === 'aws';
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const secret = process.env.WEB_APP_SECRET ?? randomBytes(32);

  const assets = await buildPageAssets();
  const opened = onEmulator ? await openOnEmulator() : openEmbedded();
  const { backend } = opened;
  const longhaul = new Longhaul({ backend });
  const worker = createWorker({
    backend,
    tasks: webAppTasks,
    concurrency: 4,
    waitTimeSeconds: 1,
    // Progress written every 250 ms, so the page's bar moves step by step.
    progressIntervalMs: 250,
    logger: silentLogger,
  }).start();
  // A first refresh now, as the schedule's run for the current minute (the message EventBridge would
  // send), so the page has its figure at once; the scheduler fires the next ones.
  const thisMinute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');
  await backend.transport.send([
    { body: JSON.stringify(scheduledEnvelope(marketIndexEveryMinute, thisMinute)) },
  ]);
  const scheduler = startScheduler({
    schedules: [marketIndexEveryMinute],
    transport: backend.transport,
    logger: silentLogger,
  });
  const api = toNodeListener(
    createHttpHandler({
      longhaul,
      prefix: '/api',
      // The allow-list: the page may enqueue analyses and nothing else.
      tasks: [analyzePortfolio],
      // The schedules whose latest result anyone may read (no token): a public figure.
      schedules: [marketIndexEveryMinute.name],
      secret,
    }),
  );
  const server = createServer((request, response) => {
    if (request.url === '/api' || request.url?.startsWith('/api/')) {
      api(request, response);
      return;
    }
    servePage(assets, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: boundPort } = server.address() as AddressInfo;
  process.stdout.write(`Backend: ${opened.description}\n`);
  process.stdout.write(`Web app: http://${host}:${boundPort}/\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('Stopping: the server, the scheduler, then the worker\n');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await scheduler.stop();
    await worker.stop();
    await opened.close();
    process.stdout.write('Stopped\n');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
