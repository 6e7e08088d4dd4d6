// Tasks are defined once and imported by both the web app (to enqueue) and the workers (to run).
import { defineTask, UnrecoverableError } from 'longhaul';
import { z } from 'zod';

export const generateReport = defineTask({
  name: 'reports.generate',
  args: z.object({
    accountId: z.string().min(1),
    months: z.number().int().min(1).max(24),
  }),
  retries: 3,
  timeoutMs: 60_000,
  async run({ accountId, months }, ctx) {
    if (accountId === 'closed') throw new UnrecoverableError(`account ${accountId} is closed`);
    let total = 0;
    for (let month = 1; month <= months; month++) {
      ctx.signal.throwIfAborted(); // stop promptly on timeout or shutdown
      total += month * 100;
      ctx.progress(month / months, `month ${month} of ${months}`);
    }
    ctx.log(`report for ${accountId} covers ${months} months`);
    return { accountId, total };
  },
});

export const tasks = [generateReport];
