// Which view draws what: the frame on navigation, then the stats, the data or a problem as they arrive.
import type { Controls } from './actions.js';
import type {
  ApiProblem,
  DeadLetterList,
  JobDetail,
  JobListPage,
  QueueStats,
  ViewData,
} from './api-types.js';
import { renderDeadLetterShell, renderDeadLetters } from './dead-letter-view.js';
import { byId, fill, findById, h } from './dom.js';
import { flash } from './flash.js';
import { renderJob, renderJobShell } from './job-view.js';
import { renderJobs, renderListShell, renderListStats } from './list-view.js';
import { state } from './state.js';

/** The current route's frame, with "Loading…" where data will go. */
export function renderShell(controls: Controls): void {
  const view = byId('view');
  const route = state.route;
  if (route.view === 'job') renderJobShell(view);
  else if (route.view === 'dlq') renderDeadLetterShell(view, controls);
  else renderListShell(view, route, controls);
}

/** New stats: the dead-letter count in the top bar, and the list page's counts. */
export function renderStats(stats: QueueStats): void {
  state.stats = stats;
  const dlq = stats.depth ? stats.depth.deadLettered : 0;
  const pill = byId('dlq-count');
  pill.textContent = String(dlq);
  pill.classList.toggle('alert', dlq > 0);
  if (state.route.view === 'list') renderListStats(stats, state.route);
}

/** New data for the current view (ignored while an action is under way). */
export function renderData(data: ViewData, controls: Controls): void {
  if (state.busy) return;
  state.data = data;
  const route = state.route;
  if (route.view === 'job') renderJob(data as JobDetail, controls);
  else if (route.view === 'dlq') renderDeadLetters(data as DeadLetterList, controls);
  else renderJobs(data as JobListPage);
}

/** A failed read: "not found" on a job's page, a flash over data already shown, or the error in its place. */
export function renderProblem(error: ApiProblem | undefined): void {
  const view = state.route.view;
  const target = findById(view === 'job' ? 'job-view' : view === 'dlq' ? 'dlq-table' : 'job-table');
  if (!target) return;
  if (view === 'job' && error && error.code === 'job_not_found') {
    fill(
      target,
      h(
        'div',
        { class: 'panel' },
        h('h1', { text: 'Job not found' }),
        h('p', { class: 'muted', text: error.message }),
      ),
    );
    return;
  }
  if (state.data) {
    flash(error?.message || 'Update failed', true);
    return;
  }
  fill(target, h('p', { class: 'flash error', text: error?.message || 'Could not load' }));
}
