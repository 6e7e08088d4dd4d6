// The dashboard in a real headless Chromium, on the embedded backend with an in-process worker: counts,
// a running job's progress bar advancing live, cancel from the job page, redrive from the dead-letter
// queue, and job data that tries to inject markup. Also saves the README's screenshot.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorker, defineTask, Longhaul, silentLogger, UnrecoverableError, type Worker } from 'longhaul';
import { type DashboardServer, serveDashboard } from 'longhaul/dashboard';
import { memoryBackend } from 'longhaul/memory';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chromiumPath as configuredChromiumPath, installCommand } from '../../scripts/ensure-chromium.mjs';
import { chromiumArgs } from '../support/chromium.js';
import { repositoryRoot } from '../support/processes.js';

// `npm test` checks for (or installs) this browser first, with scripts/ensure-chromium.mjs.
const chromiumPath = configuredChromiumPath();
const screenshotPath = join(repositoryRoot, 'test-artifacts', 'dashboard.png');
const docsScreenshotPath = join(repositoryRoot, 'docs', 'images', 'dashboard.png');
const scriptTag = '<script>window.__xss=1</script>';
const imgTag = '<img src=x onerror=window.__xss=2>';
const poll = { timeout: 20_000, interval: 100 };

/** A gate per step of the rendering task: the test opens them one by one. */
class Gates {
  readonly #waiting = new Map<number, () => void>();
  readonly #open = new Set<number>();
  wait(step: number): Promise<void> {
    if (this.#open.has(step)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.set(step, resolve));
  }
  open(step: number): void {
    this.#open.add(step);
    this.#waiting.get(step)?.();
  }
}

const gates = new Gates();
let failing = true;

const renderReport = defineTask({
  name: 'report.render',
  args: z.object({ report: z.string() }),
  async run({ report }, ctx) {
    for (let step = 1; step <= 4; step++) {
      ctx.progress((step - 1) / 4, `page ${step} of 4`);
      ctx.log(`rendering page ${step}`);
      await gates.wait(step);
    }
    ctx.progress(1, 'done');
    return { report, pages: 4 };
  },
});
const sendEmail = defineTask({
  name: 'email.send',
  args: z.object({ to: z.string() }),
  async run({ to }, ctx) {
    ctx.log(`sent to ${to}`);
    return { delivered: true };
  },
});
const syncInvoices = defineTask({
  name: 'invoice.sync',
  args: z.object({ account: z.string() }),
  retries: 0,
  async run({ account }) {
    if (failing) throw new UnrecoverableError(`ledger for ${account} is locked by another sync`);
    return { account, synced: 12 };
  },
});
const resizeImage = defineTask({
  name: 'thumbnail.resize',
  args: z.object({ key: z.string() }),
  retries: 2,
  backoff: { baseDelayMs: 600_000, maxDelayMs: 600_000 },
  async run({ key }) {
    throw new Error(`upstream storage timed out reading ${key}`);
  },
});
const probe = defineTask({
  name: 'xss.probe',
  args: z.object({ note: z.string() }),
  retries: 0,
  async run({ note }) {
    if (failing) throw new Error(imgTag);
    return { echo: note };
  },
});
const tasks = [renderReport, sendEmail, syncInvoices, resizeImage, probe];

describe('the dashboard in headless Chromium', () => {
  const backend = memoryBackend();
  const longhaul = new Longhaul({ backend });
  let worker: Worker;
  let server: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const ids: Record<string, string> = {};
  // Uncaught exceptions in the dashboard's script, on every page the test opens: a broken code path the
  // assertions do not look at still fails the suite.
  const scriptErrors: string[] = [];
  const watchScript = (target: Page) => target.on('pageerror', (error) => scriptErrors.push(String(error)));

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `Chromium is missing at ${chromiumPath}: the dashboard browser test needs it. Install it with \`${installCommand}\`.`,
      );
    }
    worker = createWorker({
      backend,
      tasks,
      concurrency: 4,
      waitTimeSeconds: 1,
      progressIntervalMs: 0,
      deleteBatchWindowMs: 10,
      logger: silentLogger,
    }).start();
    server = await serveDashboard({ longhaul, port: 0 });
    profile = await mkdtemp(join(tmpdir(), 'longhaul-dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: [...chromiumArgs],
      headless: true,
      viewport: { width: 1360, height: 900 },
    });
    page = await context.newPage();
    watchScript(page);
  });

  afterAll(async () => {
    for (let step = 1; step <= 4; step++) gates.open(step);
    await context?.close();
    await server?.close();
    await worker?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const jobStatus = async (id: string | undefined) => (await longhaul.getJob(id ?? '')).status;
  const text = (selector: string) => page.locator(selector).first().textContent();

  it('shows the counts and the job list, and saves the screenshot', async () => {
    for (const to of ['ana@example.com', 'bo@example.com', 'cy@example.com']) {
      await longhaul.enqueue(sendEmail, { to });
    }
    ids.render = (await longhaul.enqueue(renderReport, { report: 'q3-revenue' })).id;
    ids.invoice = (await longhaul.enqueue(syncInvoices, { account: 'acme' })).id;
    ids.resize = (await longhaul.enqueue(resizeImage, { key: 'photos/cat.png' })).id;
    ids.toCancel = (await longhaul.enqueue(sendEmail, { to: 'later@example.com' }, { delaySeconds: 900 })).id;
    ids.queued = (await longhaul.enqueue(renderReport, { report: 'q4-forecast' }, { delaySeconds: 900 })).id;
    const cancelled = await longhaul.enqueue(syncInvoices, { account: 'globex' }, { delaySeconds: 900 });
    await longhaul.cancel(cancelled.id);
    gates.open(1);
    await expect
      .poll(async () => (await longhaul.counts()).byStatus, poll)
      .toMatchObject({
        succeeded: 3,
        running: 1,
        retrying: 1,
        failed: 1,
        cancelled: 1,
        // Delayed, so they wait (as scheduled) while the test looks at them.
        scheduled: 2,
      });
    await expect
      .poll(async () => (await longhaul.getJob(ids.render ?? '')).progress?.fraction, poll)
      .toBe(0.25);

    await page.goto(server.url);
    await expect.poll(() => text('[data-count="succeeded"]'), poll).toBe('3');
    expect(await text('[data-count="running"]')).toBe('1');
    expect(await text('[data-count="failed"]')).toBe('1');
    expect(await text('[data-count="scheduled"]')).toBe('2');
    await expect.poll(() => text('#tasks tr[data-task="email.send"] td:last-child'), poll).toBe('4');
    await expect.poll(() => page.locator('#jobs tbody tr').count(), poll).toBe(9);
    await expect.poll(() => text('#live'), poll).toBe('live');
    expect(await text('#dlq-count')).toBe('1');

    await mkdir(join(repositoryRoot, 'test-artifacts'), { recursive: true });
    await mkdir(join(repositoryRoot, 'docs', 'images'), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    // The README's picture changes only on request, so a test run leaves the work tree clean.
    if (process.env.UPDATE_SCREENSHOTS === '1') await copyFile(screenshotPath, docsScreenshotPath);
  });

  it("advances a running job's progress bar live, without reloading", async () => {
    await page.goto(`${server.url}#/jobs/${encodeURIComponent(ids.render ?? '')}`);
    await page.evaluate(() => {
      (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    const bar = page.locator('#job-view [role="progressbar"]');
    await expect.poll(() => bar.getAttribute('aria-valuenow'), poll).toBe('25');
    gates.open(2);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), poll).toBe('50');
    expect(await text('#job-progress-text')).toBe('50% · page 3 of 4');
    await page.screenshot({
      path: join(repositoryRoot, 'test-artifacts', 'dashboard-job.png'),
      fullPage: true,
    });
    gates.open(3);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), poll).toBe('75');
    gates.open(4);
    await expect.poll(() => text('#job-status'), poll).toBe('succeeded');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await text('#job-result pre')).toContain('"pages": 4');
    // The worker's default retention of a succeeded job.
    expect(await text('#job-expires')).toMatch(/\(in (6 d 23 h|7 d)\)$/);
    expect(await page.locator('#job-logs').textContent()).toContain('rendering page 4');
    expect(
      await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
  });

  it('cancels a scheduled job from its page, which shows when it would have run', async () => {
    await page.goto(`${server.url}#/jobs/${encodeURIComponent(ids.toCancel ?? '')}`);
    await expect.poll(() => text('#job-status'), poll).toBe('scheduled');
    expect(await text('#job-run-at')).toMatch(/\(in (14|15) min/);
    expect(await page.locator('#retry-job').isDisabled()).toBe(true);
    await page.locator('#cancel-job').click();
    await expect.poll(() => text('#job-status'), poll).toBe('cancelled');
    await expect.poll(() => text('#flash'), poll).toContain('Cancelled');
    expect(await jobStatus(ids.toCancel)).toBe('cancelled');
    expect(await page.locator('#cancel-job').isDisabled()).toBe(true);
  });

  it('shows markup in job data as text and never runs it', async () => {
    ids.probe = (await longhaul.enqueue(probe, { note: `${scriptTag} and ${imgTag}` })).id;
    await expect.poll(() => jobStatus(ids.probe), poll).toBe('failed');

    await page.goto(`${server.url}#/jobs/${encodeURIComponent(ids.probe)}`);
    await expect.poll(() => text('#job-error-message'), poll).toBe(imgTag);
    expect(await text('#job-args pre')).toContain(`"note": "${scriptTag} and ${imgTag}"`);
    expect(await text('#job-error-stack')).toContain(imgTag);
    expect(await page.locator('#job-view script, #job-view img').count()).toBe(0);

    await page.goto(`${server.url}#/?task=xss.probe`);
    await expect.poll(() => text('#jobs td.error-cell'), poll).toBe(`task_error: ${imgTag}`);
    await page.goto(`${server.url}#/dlq`);
    await expect
      .poll(() => text(`#dead-letters tr[data-job-id="${ids.probe}"] td.error-cell`), poll)
      .toBe(imgTag);
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('redrives the dead-letter queue: the jobs leave it, run again and succeed', async () => {
    await page.goto(`${server.url}#/dlq`);
    await expect.poll(() => page.locator('#dead-letters tbody tr').count(), poll).toBe(2);
    expect(await text(`#dead-letters tr[data-job-id="${ids.invoice}"] td:nth-child(3)`)).toBe(
      'unrecoverable',
    );
    expect(await text(`#dead-letters tr[data-job-id="${ids.invoice}"] td:nth-child(2)`)).toBe('invoice.sync');
    await page.screenshot({
      path: join(repositoryRoot, 'test-artifacts', 'dashboard-dlq.png'),
      fullPage: true,
    });
    failing = false;
    await page.locator('#redrive-all').click();
    await expect.poll(() => text('#flash'), poll).toContain('Redrove 2 jobs');
    await expect.poll(() => page.locator('#dlq-empty').count(), poll).toBe(1);
    await expect.poll(() => text('#dlq-count'), poll).toBe('0');
    await expect.poll(() => jobStatus(ids.invoice), poll).toBe('succeeded');
    await expect.poll(() => jobStatus(ids.probe), poll).toBe('succeeded');

    await page.goto(`${server.url}#/jobs/${encodeURIComponent(ids.invoice ?? '')}`);
    await expect.poll(() => text('#job-status'), poll).toBe('succeeded');
    const history = await page.locator('#job-history tbody td:nth-child(2)').allTextContents();
    expect(history).toEqual(['queued', 'running', 'failed', 'queued', 'running', 'succeeded']);
    await page.goto(`${server.url}#/jobs/${encodeURIComponent(ids.probe ?? '')}`);
    await expect.poll(() => text('#job-result pre'), poll).toContain(scriptTag);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('falls back to polling when the event stream fails', async () => {
    const polling = await context.newPage();
    watchScript(polling);
    try {
      await polling.route('**/api/events**', (route) => route.abort());
      await polling.goto(server.url);
      await expect.poll(() => polling.locator('#live').textContent(), poll).toBe('polling');
      const before = Number(await polling.locator('[data-count="scheduled"]').textContent());
      await longhaul.enqueue(sendEmail, { to: 'poll@example.com' }, { delaySeconds: 900 });
      await expect
        .poll(async () => Number(await polling.locator('[data-count="scheduled"]').textContent()), poll)
        .toBe(before + 1);
    } finally {
      await polling.close();
    }
  });

  it('shows how often a job was interrupted by a stopping worker', async () => {
    // Its own queue, so only the worker stopped here can take the job.
    const interruptible = defineTask({
      name: 'interruptible.sleep',
      args: z.object({ ms: z.number() }),
      retries: 0,
      async run({ ms }, ctx) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          });
        });
        return 'done';
      },
    });
    const ownBackend = memoryBackend();
    const own = new Longhaul({ backend: ownBackend });
    const ownServer = await serveDashboard({ longhaul: own, port: 0 });
    const workerOptions = {
      backend: ownBackend,
      tasks: [interruptible],
      waitTimeSeconds: 1,
      logger: silentLogger,
    };
    try {
      const handle = await own.enqueue(interruptible, { ms: 1_000 });
      const stopping = createWorker({ ...workerOptions, shutdownGraceMs: 50 }).start();
      await expect.poll(async () => (await own.getJob(handle.id)).status, poll).toBe('running');
      await stopping.stop();
      const finishing = createWorker(workerOptions).start();
      await expect.poll(async () => (await own.getJob(handle.id)).status, poll).toBe('succeeded');
      await finishing.stop();

      await page.goto(`${ownServer.url}#/jobs/${encodeURIComponent(handle.id)}`);
      await expect.poll(() => text('#job-interruptions'), poll).toBe('1');
      expect(await text('#job-attempts')).toBe('1 of 1');
    } finally {
      await ownServer.close();
    }
  });

  it('raised no uncaught error in the page script on any page it showed', () => {
    expect(scriptErrors).toEqual([]);
  });
});
