// The web app's tasks: a portfolio analysis that takes a while (what a request handler must not do
// itself) and a market figure a schedule refreshes in the background. The server, the worker and (as
// types only) the page import the same definitions.

import { setTimeout as sleep } from 'node:timers/promises';
import { defineSchedule, defineTask, UnrecoverableError } from 'longhaul';
import { z } from 'zod';

/** What the analysis knows: a ticker's price and annual volatility. Anything else is unknown. */
// biome-ignore format: a table reads better than one ticker per line
const market: Readonly<Record<string, { price: number; volatility: number }>> = {
  AAPL: { price: 231.4, volatility: 0.27 }, MSFT: { price: 468.2, volatility: 0.24 },
  NVDA: { price: 139.8, volatility: 0.52 }, AMZN: { price: 207.1, volatility: 0.33 },
  GOOGL: { price: 176.5, volatility: 0.29 }, JPM: { price: 243.9, volatility: 0.23 },
  KO: { price: 63.2, volatility: 0.15 }, PEP: { price: 151.7, volatility: 0.16 },
  XOM: { price: 118.4, volatility: 0.26 }, V: { price: 312.6, volatility: 0.2 },
  WMT: { price: 91.3, volatility: 0.18 }, DIS: { price: 112.8, volatility: 0.3 },
};

/** How long pricing one position takes, standing in for a slow market-data service. */
const stepMs = Number(process.env.WEB_APP_STEP_MS ?? 600);

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One priced position of the analysis's result. */
export interface PricedPosition {
  readonly ticker: string;
  readonly shares: number;
  readonly price: number;
  readonly value: number;
  /** Of the portfolio's value, 0 to 1. */
  readonly weight: number;
}

/**
 * Prices each position of a portfolio (one step per ticker), then estimates its volatility and one-day
 * value at risk. An unknown ticker fails the job for good: retrying cannot make it known.
 */
export const analyzePortfolio = defineTask({
  name: 'portfolio.analyze',
  args: z.object({
    portfolio: z.string().trim().min(1).max(64),
    tickers: z
      .array(z.string().regex(/^[A-Za-z.]{1,6}$/, 'expected a ticker such as "AAPL"'))
      .min(1)
      .max(12),
  }),
  timeoutMs: 120_000,
  async run({ portfolio, tickers }, ctx) {
    const steps = tickers.length + 1;
    const priced: Array<Omit<PricedPosition, 'weight'> & { volatility: number }> = [];
    for (const [i, raw] of tickers.entries()) {
      const ticker = raw.toUpperCase();
      ctx.progress(i / steps, `pricing ${ticker}…`);
      await sleep(stepMs, undefined, { signal: ctx.signal });
      const quote = market[ticker];
      if (!quote) throw new UnrecoverableError(`Unknown ticker ${ticker}: no market data for it`);
      // A position of $20,000 to $60,000 picked from the ticker's letters, so a request always gives the
      // same table.
      const letters = [...ticker].reduce((sum, letter) => sum + letter.charCodeAt(0), 0);
      const shares = Math.max(1, Math.round((20_000 + (letters % 9) * 5_000) / quote.price));
      priced.push({ ticker, shares, value: round(shares * quote.price, 2), ...quote });
      ctx.log(`${ticker}: ${shares} shares at $${quote.price.toFixed(2)}`);
    }
    ctx.progress(tickers.length / steps, 'estimating volatility…');
    await sleep(stepMs, undefined, { signal: ctx.signal });
    const value = priced.reduce((sum, position) => sum + position.value, 0);
    const weights = priced.map((position) => position.value / value);
    // The variance of a portfolio whose positions are all correlated at 0.3.
    let variance = 0;
    priced.forEach((a, i) => {
      priced.forEach((b, j) => {
        variance += (weights[i] ?? 0) * (weights[j] ?? 0) * a.volatility * b.volatility * (i === j ? 1 : 0.3);
      });
    });
    const volatility = round(Math.sqrt(variance), 4);
    ctx.log(`value $${value.toFixed(2)}, annual volatility ${(volatility * 100).toFixed(2)}%`);
    ctx.progress(1, 'done');
    return {
      portfolio,
      value: round(value, 2),
      volatility,
      /** One-day 95% value at risk. */
      valueAtRisk95: round((value * volatility * 1.645) / Math.sqrt(252), 2),
      positions: priced.map(
        ({ ticker, shares, price, value: positionValue }, i): PricedPosition => ({
          ticker,
          shares,
          price,
          value: positionValue,
          weight: round(weights[i] ?? 0, 4),
        }),
      ),
    };
  },
});

/** The background refresh: a market-wide figure the page shows beside the form without waiting for it. */
export const refreshMarketIndex = defineTask({
  name: 'market.refreshIndex',
  async run(_args, ctx) {
    const level = Object.values(market).reduce((sum, quote) => sum + quote.price, 0);
    // A small drift per run, so a refresh is visible as a change.
    const drift = ((Date.now() / 60_000) % 20) - 10;
    ctx.progress(1, 'refreshed');
    return { name: 'Longhaul 12', level: round(level + drift, 2) };
  },
});

/** Refresh the market figure every minute. */
export const marketIndexEveryMinute = defineSchedule(refreshMarketIndex, 'rate(1 minute)', {
  name: 'market-index',
  overlap: 'skip',
});

/** Everything the worker runs. */
export const webAppTasks = [analyzePortfolio, refreshMarketIndex] as const;
