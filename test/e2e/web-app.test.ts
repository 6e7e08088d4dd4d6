// The example web app (examples/web-app/) as a user runs it, `npm run example:web`, in a real headless
// Chromium: fill the form, click, watch the progress bar and log lines advance live, see the result table
// and chart; an unknown ticker shows the job's error; bad input shows the server's schema issues; the
// figure a schedule refreshes shows beside the form. Then the same app on the emulator (--aws), driven by
// longhaul/browser from Node.
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createClients } from 'longhaul/aws';
import { enqueueJob, watchJob } from 'longhaul/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { analyzePortfolio } from '../../examples/web-app/tasks.js';
import { runTs } from '../support/processes.js';
import {
  type HeadlessChromium,
  launchChromium,
  type RunningWebApp,
  startWebApp,
} from '../support/web-app.js';

const poll = { timeout: 30_000, interval: 100 };
/** Slow enough per ticker that the page shows each step, whatever the server's poll interval. */
const stepMs = '700';

describe('the example web app in headless Chromium', () => {
  let app: RunningWebApp;
  let chromium: HeadlessChromium;

  beforeAll(async () => {
    app = await startWebApp({ WEB_APP_STEP_MS: stepMs });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    if (app) {
      const stopped = await app.stop();
      expect(stopped.code, stopped.output).toBe(0);
    }
  });

  const text = (selector: string) => chromium.page.locator(selector).first().textContent();

  it('enqueues an analysis, shows progress and log lines as they happen, then the result table and chart', async () => {
    const { page } = chromium;
    await page.goto(app.url);
    // Record every value the progress bar and the log take, as the page changes them.
    // (A string, since the test's own types have no DOM.)
    await page.evaluate(`(() => {
      const seen = { progress: [], logLines: [], resultShownAt: -1 };
      globalThis.__seen = seen;
      const bar = document.getElementById('progress');
      const log = document.getElementById('log');
      const result = document.getElementById('result');
      new MutationObserver(() => {
        seen.progress.push(bar.getAttribute('aria-valuenow') ?? '');
        seen.logLines.push(log.children.length);
        if (!result.hidden && seen.resultShownAt === -1) seen.resultShownAt = seen.progress.length;
      }).observe(document.body, { attributes: true, childList: true, subtree: true });
    })()`);
    await page.locator('#portfolio').fill('e2e-fund');
    await page.locator('#tickers').fill('AAPL, MSFT, NVDA, KO');
    await page.locator('#analyze').click();

    await expect.poll(() => text('#job-status'), poll).toBe('succeeded');
    const seen = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            __seen: { progress: string[]; logLines: number[]; resultShownAt: number };
          }
        ).__seen,
    );
    const before = seen.progress.slice(0, seen.resultShownAt);
    const midway = new Set(before.filter((value) => value !== '' && value !== '0' && value !== '100'));
    expect(midway.size, JSON.stringify(seen.progress)).toBeGreaterThanOrEqual(2);
    // Log lines arrived one or a few at a time while the job ran, not all at the end.
    const logCounts = new Set(seen.logLines.slice(0, seen.resultShownAt).filter((count) => count > 0));
    expect(logCounts.size, JSON.stringify(seen.logLines)).toBeGreaterThanOrEqual(2);

    expect(await chromium.page.locator('#progress').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('#log li').allTextContents()).toEqual([
      expect.stringMatching(/^AAPL: \d+ shares at \$231\.40$/),
      expect.stringMatching(/^MSFT: /),
      expect.stringMatching(/^NVDA: /),
      expect.stringMatching(/^KO: /),
      expect.stringMatching(/^value \$[\d.]+, annual volatility [\d.]+%$/),
    ]);
    expect(await page.locator('#result tbody tr td:first-child').allTextContents()).toEqual([
      'AAPL',
      'MSFT',
      'NVDA',
      'KO',
    ]);
    expect(await text('#result-value')).toMatch(/^\$[\d,]+\.\d{2}$/);
    expect(await page.locator('#chart svg rect').count()).toBe(4);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await page.locator('#analyze').isEnabled()).toBe(true);
  });

  it("shows beside the form the market figure from the refresh schedule's latest run", async () => {
    const { page } = chromium;
    await page.goto(app.url);
    // The app sends the schedule's first run at start; the page reads its result from the cached route.
    await expect.poll(() => page.locator('#market').isVisible(), poll).toBe(true);
    expect(await text('#market-name')).toBe('Longhaul 12');
    expect(await text('#market-level')).toMatch(/^\d{3,5}\.\d{2}$/);
    expect(await text('#market-time')).toMatch(/^refreshed at \d{2}:\d{2}:\d{2}$/);
  });

  it('shows the error of a job that fails on an unknown ticker', async () => {
    const { page } = chromium;
    await page.goto(app.url);
    await page.locator('#tickers').fill('AAPL, ZZZZ');
    await page.locator('#analyze').click();
    await expect.poll(() => text('#job-status'), poll).toBe('failed');
    expect(await page.locator('#error').isVisible()).toBe(true);
    expect(await text('#error-message')).toBe('Unknown ticker ZZZZ: no market data for it');
    expect(await text('#error-code')).toBe('unrecoverable');
    expect(await page.locator('#result').isHidden()).toBe(true);
    // The ticker priced before the failure was logged, live.
    expect(await page.locator('#log li').allTextContents()).toEqual([expect.stringMatching(/^AAPL: /)]);
  });

  it("shows the server's schema issues when the form's input is invalid, and enqueues nothing", async () => {
    const { page } = chromium;
    await page.goto(app.url);
    await page.locator('#tickers').fill('AAPL, NOT-A-TICKER');
    await page.locator('#analyze').click();
    await expect.poll(() => page.locator('#form-error').isVisible(), poll).toBe(true);
    expect(await text('#form-error')).toContain('expected a ticker such as "AAPL"');
    expect(await page.locator('#job').isHidden()).toBe(true);
  });

  it('raised no uncaught error in the page script', () => {
    expect(chromium.pageErrors).toEqual([]);
  });
});

describe('the example web app on the emulator (--aws)', () => {
  // The app inherits the emulator's endpoint and credentials, and creates (then deletes) its own resources.
  let app: RunningWebApp;

  beforeAll(async () => {
    app = await startWebApp({ WEB_APP_STEP_MS: '200' }, ['--aws']);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('runs an analysis end to end, watched through longhaul/browser from the app\u2019s routes', async () => {
    const { url, token } = await enqueueJob<typeof analyzePortfolio>(
      new URL('/api/jobs', app.url).href,
      'portfolio.analyze',
      {
        portfolio: 'aws-fund',
        tickers: ['MSFT', 'KO'],
      },
    );
    const progress: number[] = [];
    const watch = watchJob<typeof analyzePortfolio>(url, token, {
      onProgress: (job) => progress.push(job.progress?.fraction ?? 0),
    });
    const final = await watch.done;
    expect(final.status).toBe('succeeded');
    expect(final.result?.positions.map((position) => position.ticker)).toEqual(['MSFT', 'KO']);
    expect(watch.job?.logs.map((line) => line.message)).toContainEqual(expect.stringMatching(/^KO: /));

    const prefix = /queue and table (longhaul-web-[0-9a-f]+)-jobs/.exec(app.process.output())?.[1];
    expect(prefix, app.process.output()).toBeDefined();
    const stopped = await app.stop();
    expect(stopped.code, stopped.output).toBe(0);
    const { dynamoClient, sqsClient } = createClients();
    try {
      const { TableNames = [] } = await dynamoClient.send(new ListTablesCommand({}));
      expect(TableNames.filter((name) => name.startsWith(prefix ?? '?'))).toEqual([]);
    } finally {
      dynamoClient.destroy();
      sqsClient.destroy();
    }
  });

  it('refuses --aws without AWS_ENDPOINT_URL, so it never creates resources in a real account', async () => {
    const refused = await runTs('examples/web-app/server.ts', { AWS_ENDPOINT_URL: '', PORT: '0' }, ['--aws'])
      .done;
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('--aws runs against the local emulator: set AWS_ENDPOINT_URL');
  });
});
