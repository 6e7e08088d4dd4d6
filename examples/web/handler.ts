// The handler every snippet in docs/web-apps.md mounts: one allowed task, a secret from the environment.
import { Longhaul } from 'longhaul';
import { awsBackendFromEnv } from 'longhaul/aws';
import { createHttpHandler } from 'longhaul/http';
import { generateReport } from '../tasks.js';

const longhaul = new Longhaul({ backend: awsBackendFromEnv() });

export const handler = createHttpHandler({
  longhaul,
  prefix: '/api/longhaul',
  tasks: { 'reports.generate': { task: generateReport, cancel: true } },
  secret: process.env.LONGHAUL_HTTP_SECRET ?? '', // 32+ random bytes: openssl rand -base64 32
  authorize: (request) => request.headers.get('cookie')?.includes('session=') ?? false,
  cors: { origins: ['https://app.example.com'] },
});
