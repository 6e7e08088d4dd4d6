// The tasks `npm run demo` runs: a small crawl, a long analysis, a job that retries, one that ends in the
// dead-letter queue, and a quick refresh. Producers and workers import the same definitions; the
// schedules are in demo-schedules.ts, which workers do not need.

import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defineTask, type Longhaul, UnrecoverableError } from 'longhaul';
// zod's tree-shakable API: a Lambda bundle carries only the checks these tasks use (a few KiB), where
// `import { z } from 'zod'` would carry all of zod (444 KiB) into every worker. zod/mini has no messages
// of its own ("Invalid input"), so each check says what it expects.
import * as z from 'zod/mini';

/** The bundled corpus `crawl.wordCount` reads from. */
export const docsDir = fileURLToPath(new URL('./docs', import.meta.url));

/** A file name inside `docsDir`: no directories, no dots but the extension's, so no path traversal. */
const docNameExpected = 'expected a file name such as "rivers.txt"';
const docName = z
  .string({ error: docNameExpected })
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}\.txt$/, docNameExpected));

/** The bundled documents' file names, sorted. */
export async function listDocs(): Promise<string[]> {
  const names = await readdir(docsDir);
  return names.filter((name) => docName.safeParse(name).success).sort();
}

const stopWords = new Set(
  (
    'a an and are as at be but by for from had has have he her his i if in into is it its more ' +
    'no not of on one or our so than that the their them there they this to was we were what when ' +
    'which who will with would you all any can may must only such these those been him me my us ' +
    'about after also before do each every how most much own some then up upon very where'
  ).split(' '),
);

export interface WordCount {
  readonly word: string;
  readonly count: number;
}

/** Counts the words of one bundled document and names its five most frequent (stop words excluded). */
export const wordCount = defineTask({
  name: 'crawl.wordCount',
  args: z.object({ path: docName }, { error: 'expected an object such as {"path":"rivers.txt"}' }),
  retries: 2,
  async run({ path }, ctx) {
    let text: string;
    try {
      text = await readFile(new URL(`./docs/${path}`, import.meta.url), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UnrecoverableError(`No document named ${path} in examples/docs`);
      }
      throw error;
    }
    const lines = text.split('\n');
    const chunks = 8;
    const perChunk = Math.ceil(lines.length / chunks);
    const counts = new Map<string, number>();
    let words = 0;
    for (let i = 0; i < chunks; i++) {
      // A pause per chunk stands in for fetching a page, so the progress is there to watch.
      await sleep(90, undefined, { signal: ctx.signal });
      const chunk = lines.slice(i * perChunk, (i + 1) * perChunk).join(' ');
      for (const word of chunk.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? []) {
        words++;
        if (word.length > 1 && !stopWords.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
      }
      ctx.progress((i + 1) / chunks, `${words} words`);
    }
    const topWords: WordCount[] = [...counts]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, 5)
      .map(([word, count]) => ({ word, count }));
    return { path, words, topWords };
  },
});

// biome-ignore format: a table reads better than one ticker per line
const tickers = [
  'AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'JPM', 'V', 'JNJ', 'XOM', 'PG', 'KO', 'PEP',
  'DIS', 'NKE', 'CSCO', 'ORCL', 'IBM', 'WMT', 'HD', 'CAT', 'BA', 'MCD', 'INTC', 'VZ',
];

/** A small deterministic PRNG (mulberry32) seeded from a string (FNV-1a), so results repeat. */
function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A long "portfolio analysis" (about 5 s): prices each position, then estimates the portfolio's
 * volatility. Prices and volatilities come from a PRNG seeded by the portfolio's name.
 */
export const portfolioAnalyze = defineTask({
  name: 'portfolio.analyze',
  args: z.object(
    {
      portfolio: z
        .string({ error: 'expected a portfolio name' })
        .check(
          z.minLength(1, 'expected a portfolio name'),
          z.maxLength(64, 'expected at most 64 characters'),
        ),
      positions: z
        .int({ error: 'expected a whole number of positions' })
        .check(
          z.gte(1, 'expected at least 1 position'),
          z.lte(tickers.length, `expected at most ${tickers.length} positions`),
        ),
    },
    { error: 'expected an object such as {"portfolio":"growth","positions":5}' },
  ),
  timeoutMs: 60_000,
  async run({ portfolio, positions }, ctx) {
    const random = seededRandom(portfolio);
    const steps = positions + 2;
    const stepMs = Math.round(5_000 / steps);
    let step = 0;
    const advance = async (message: string) => {
      ctx.progress(step / steps, message);
      await sleep(stepMs, undefined, { signal: ctx.signal });
      step++;
    };

    await advance('loading holdings…');
    const pool = [...tickers];
    const holdings: Array<{ ticker: string; shares: number; price: number; volatility: number }> = [];
    for (let i = 0; i < positions; i++) {
      const ticker = pool.splice(Math.floor(random() * pool.length), 1)[0] as string;
      await advance(`pricing ${ticker}…`);
      const holding = {
        ticker,
        shares: 10 + Math.floor(random() * 490),
        price: round(20 + random() * 480, 2),
        volatility: 0.15 + random() * 0.4,
      };
      holdings.push(holding);
      ctx.log(`${ticker}: ${holding.shares} shares at $${holding.price.toFixed(2)}`);
    }

    await advance('estimating volatility…');
    const value = holdings.reduce((sum, h) => sum + h.shares * h.price, 0);
    const weights = holdings.map((h) => (h.shares * h.price) / value);
    // Variance of a portfolio whose positions are all correlated at 0.3.
    const correlation = 0.3;
    let variance = 0;
    holdings.forEach((a, i) => {
      holdings.forEach((b, j) => {
        const rho = i === j ? 1 : correlation;
        variance += (weights[i] as number) * (weights[j] as number) * a.volatility * b.volatility * rho;
      });
    });
    const volatility = Math.sqrt(variance);
    const largest = holdings.reduce(
      (best, h, i) => (h.shares * h.price > best.value ? { i, value: h.shares * h.price } : best),
      {
        i: 0,
        value: 0,
      },
    );
    ctx.log(`value $${value.toFixed(2)}, annual volatility ${(volatility * 100).toFixed(1)}%`);
    ctx.progress(1, 'done');
    return {
      portfolio,
      positions,
      value: round(value, 2),
      volatility: round(volatility, 4),
      /** One-day 95% value at risk. */
      valueAtRisk95: round((value * volatility * 1.645) / Math.sqrt(252), 2),
      largestPosition: {
        ticker: holdings[largest.i]?.ticker ?? '',
        weight: round(weights[largest.i] ?? 0, 4),
      },
    };
  },
});

/** The report tasks' arguments. */
const reportArgs = z.object(
  { report: z.string({ error: 'expected a report name' }).check(z.minLength(1, 'expected a report name')) },
  { error: 'expected an object such as {"report":"q3"}' },
);

/** A report whose upstream times out on the first attempt: the retry succeeds. */
export const reportFlaky = defineTask({
  name: 'report.flaky',
  args: reportArgs,
  retries: 2,
  backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
  async run({ report }, ctx) {
    ctx.progress(0.3, 'querying the warehouse…');
    await sleep(300, undefined, { signal: ctx.signal });
    if (ctx.attempt === 1) {
      throw new Error('upstream timed out after 30000 ms (warehouse.internal:5439)');
    }
    ctx.progress(1, 'rendered');
    return { report, rows: 1_284, renderedOnAttempt: ctx.attempt };
  },
});

/** A report whose template is gone: every attempt fails and the job ends in the dead-letter queue. */
export const reportBroken = defineTask({
  name: 'report.broken',
  args: reportArgs,
  retries: 1,
  backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
  async run({ report }, ctx) {
    ctx.progress(0.5, 'loading template…');
    await sleep(200, undefined, { signal: ctx.signal });
    throw new Error(`template "${report}" not found (renderer answered 404)`);
  },
});

/** A quick periodic refresh: the background job that keeps a dashboard's figures fresh. */
export const dashboardRefresh = defineTask({
  name: 'dashboard.refresh',
  async run(_args, ctx) {
    ctx.progress(0.5, 'aggregating…');
    await sleep(300, undefined, { signal: ctx.signal });
    const random = seededRandom(ctx.jobId);
    ctx.progress(1, 'refreshed');
    return { refreshedAt: new Date().toISOString(), activeUsers: 900 + Math.floor(random() * 300) };
  },
});

/** Every demo task, for the workers. */
export const demoTasks = [wordCount, portfolioAnalyze, reportFlaky, reportBroken, dashboardRefresh] as const;

/**
 * A few of the demo's jobs, for `longhaul dashboard --backend memory --tasks examples/demo-tasks.ts
 * --worker --demo`: something to look at in the dashboard without AWS.
 */
export async function sampleJobs(longhaul: Longhaul): Promise<void> {
  for (const path of (await listDocs()).slice(0, 4)) await longhaul.enqueue(wordCount, { path });
  await longhaul.enqueue(portfolioAnalyze, { portfolio: 'growth-fund', positions: 12 });
  await longhaul.enqueue(reportFlaky, { report: 'weekly-revenue' });
  await longhaul.enqueue(reportBroken, { report: 'quarterly-v2' });
  await longhaul.enqueue(dashboardRefresh);
}
