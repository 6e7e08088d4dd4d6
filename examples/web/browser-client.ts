// docs/web-apps.md: the page's side, with longhaul/browser. Bundled into the page's script with the rest
// of it; the task comes in as a type only, so none of its code (nor zod) reaches the browser.
import type { TaskResult } from 'longhaul';
import { enqueueJob, getLatestScheduleResult, type JobWatch, watchJob } from 'longhaul/browser';
import type { generateReport } from '../tasks.js';

/** What the page draws with: in a real page each of these touches the DOM. */
export interface ReportView {
  progress(fraction: number, message?: string): void;
  log(message: string): void;
  done(total: number): void;
  failed(message: string): void;
}

/** Enqueues a report and shows it live: progress, log lines, then the total or the error. */
export async function startReport(view: ReportView): Promise<JobWatch<TaskResult<typeof generateReport>>> {
  // POST /api/longhaul/jobs → the job, a token for this job alone, and the job's base URL.
  const { url, token } = await enqueueJob<typeof generateReport>('/api/longhaul/jobs', 'reports.generate', {
    accountId: 'acme',
    months: 6,
  });
  return watchJob<typeof generateReport>(url, token, {
    onProgress: (job) => view.progress(job.progress?.fraction ?? 0, job.progress?.message),
    onLog: (line) => view.log(line.message),
    onResult: (result) => view.done(result.total), // typed by the task: { accountId, total }
    onFailed: (error) => view.failed(error.message),
  });
}

/** The same watch as an async iterator: it ends after the job's last event. */
export async function reportTotal(url: string, token: string): Promise<number> {
  for await (const event of watchJob<typeof generateReport>(url, token)) {
    if (event.type === 'result') return event.result.total;
    if (event.type === 'failed') throw new Error(event.error.message);
    if (event.type === 'cancelled') throw new Error('The report was cancelled');
  }
  throw new Error('The stream ended before the report did');
}

/** A schedule's latest result, for a figure that a periodic job keeps fresh (undefined before its first run). */
export async function latestNightlyTotal(): Promise<number | undefined> {
  const latest = await getLatestScheduleResult<typeof generateReport>(
    '/api/longhaul/schedules/nightly/latest',
  );
  return latest?.result.total;
}
