// docs/web-apps.md: a token minted by the app itself, for a job it enqueued in its own route.
import { Longhaul } from 'longhaul';
import { createJobToken, verifyJobToken } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { generateReport } from '../tasks.js';

const longhaul = new Longhaul({ backend: memoryBackend() });
const secret = process.env.LONGHAUL_HTTP_SECRET ?? 'only-for-this-example-32-bytes-long!';

const job = await longhaul.enqueue(generateReport, { accountId: 'acme', months: 6 });
const token = createJobToken({ secret, jobId: job.id, actions: ['read'], ttlSeconds: 15 * 60 });
// Hand `token` to the page (in the HTML or a JSON answer, never in a URL).

const check = verifyJobToken(token, { secret, jobId: job.id, action: 'read' });
console.log(
  check.ok
    ? `token reads ${check.claims.job} until ${new Date(check.claims.exp * 1000).toISOString()}`
    : check.code,
);
