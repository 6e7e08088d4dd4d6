// A page's figure refreshed by a schedule: the worker keeps the latest result, the route serves it cached.
import { defineSchedule, defineTask, Longhaul } from 'longhaul';
import { awsBackendFromEnv } from 'longhaul/aws';
import { createHttpHandler } from 'longhaul/http';

export const refreshPortfolio = defineTask({
  name: 'portfolio.refresh',
  run: async () => ({ value: 1_234_567.89, positions: 42 }),
});
export const everyFiveMinutes = defineSchedule(refreshPortfolio, 'rate(5 minutes)');

const longhaul = new Longhaul({ backend: awsBackendFromEnv() });

// In server code: the result typed by the task, from one read.
export async function portfolioValue(): Promise<number | undefined> {
  const latest = await longhaul.latestScheduleResult(everyFiveMinutes);
  return latest?.result.value; // undefined until the first run succeeds
}

// For pages: GET /api/longhaul/schedules/portfolio.refresh/latest, no token, only listed schedules.
export const handler = createHttpHandler({
  longhaul,
  prefix: '/api/longhaul',
  tasks: [],
  secret: process.env.LONGHAUL_HTTP_SECRET ?? '',
  schedules: [everyFiveMinutes],
});
