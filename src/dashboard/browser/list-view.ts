// The main page: counts by status and by task, the queue's depth, and the filtered, paged job list.
import type { Controls } from './actions.js';
import type { JobListPage, QueueStats } from './api-types.js';
import { byId, fill, findById, h } from './dom.js';
import { formatDuration, formatTime, timeAgo } from './format.js';
import { listHash, type Route, statuses } from './routes.js';
import { state } from './state.js';
import { badge, jobLink, progressBar } from './widgets.js';

type ListRoute = Extract<Route, { view: 'list' }>;

/** The list page's panels, empty until the stats and the jobs arrive. */
export function renderListShell(view: HTMLElement, route: ListRoute, controls: Controls): void {
  fill(view, [
    h('section', { id: 'status-cards', class: 'cards' }),
    h(
      'div',
      { class: 'row' },
      h('section', { class: 'panel' }, h('h2', { text: 'Jobs by task' }), h('div', { id: 'task-table' })),
      h(
        'section',
        { class: 'panel' },
        h('h2', { text: 'Queue' }),
        h('dl', { id: 'queue-facts', class: 'facts' }),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Jobs' }), filters(route)),
      h('div', { id: 'job-table' }, h('p', { class: 'muted', text: 'Loading…' })),
      h(
        'div',
        { class: 'pager' },
        h('span', { id: 'page-label', class: 'muted' }),
        h('button', { id: 'newer', type: 'button', onclick: () => newer(controls), text: '← Newer' }),
        h('button', { id: 'next', type: 'button', onclick: () => next(controls), text: 'Next →' }),
      ),
    ),
  ]);
}

function filters(route: ListRoute): HTMLDivElement {
  const status: HTMLSelectElement = h(
    'select',
    {
      id: 'filter-status',
      'aria-label': 'Status',
      onchange: () => {
        location.hash = listHash(status.value, route.task);
      },
    },
    h('option', { value: '', text: 'All statuses' }),
    statuses.map((s) => h('option', { value: s, selected: s === route.status, text: s })),
  );
  const task: HTMLSelectElement = h('select', {
    id: 'filter-task',
    'aria-label': 'Task',
    onchange: () => {
      location.hash = listHash(route.status, task.value);
    },
  });
  fillTaskOptions(task, route);
  const clear = h('button', {
    type: 'button',
    class: 'small',
    onclick: () => {
      location.hash = '#/';
    },
    text: 'Clear',
    disabled: !route.status && !route.task,
  });
  return h('div', { class: 'filters' }, status, task, clear);
}

/** The task filter's options: every task the stats know, and the one filtered on. */
function fillTaskOptions(select: HTMLSelectElement, route: ListRoute): void {
  const names = state.stats ? Object.keys(state.stats.counts.byTask) : [];
  if (route.task && !names.includes(route.task)) names.push(route.task);
  names.sort();
  const wanted = [''].concat(names).join('\n');
  if (select.getAttribute('data-options') === wanted) return;
  select.setAttribute('data-options', wanted);
  fill(select, [
    h('option', { value: '', text: 'All tasks' }),
    ...names.map((name) => h('option', { value: name, selected: name === route.task, text: name })),
  ]);
}

/** The status cards, the table of tasks and the queue's facts. */
export function renderListStats(stats: QueueStats, route: ListRoute): void {
  const byStatus = stats.counts.byStatus;
  fill(
    findById('status-cards'),
    statuses.map((s) =>
      h(
        'a',
        {
          class: `card s-${s}${route.status === s ? ' selected' : ''}`,
          href: listHash(route.status === s ? '' : s, route.task),
          'data-status': s,
        },
        h('div', { class: 'card-count', 'data-count': s, text: byStatus[s] || 0 }),
        h('div', { class: 'card-label', text: s }),
      ),
    ),
  );
  const tasks = Object.keys(stats.counts.byTask).sort();
  fill(
    findById('task-table'),
    tasks.length === 0
      ? h('p', { class: 'empty', text: 'No jobs yet.' })
      : h(
          'table',
          { id: 'tasks' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { text: 'Task' }),
              statuses.map((s) => h('th', { class: 'num', text: s })),
              h('th', { class: 'num', text: 'total' }),
            ),
          ),
          h(
            'tbody',
            null,
            tasks.map((name) => {
              const counts = stats.counts.byTask[name];
              let total = 0;
              return h(
                'tr',
                { 'data-task': name },
                h('td', null, h('a', { href: listHash(route.status, name), class: 'mono', text: name })),
                statuses.map((s) => {
                  const n = counts?.[s] || 0;
                  total += n;
                  return h(
                    'td',
                    { class: `num${n ? '' : ' zero'}` },
                    n ? h('a', { href: listHash(s, name), text: n }) : '0',
                  );
                }),
                h('td', { class: 'num', text: total }),
              );
            }),
          ),
        ),
  );
  const depth: Partial<QueueStats['depth']> = stats.depth || {};
  fill(findById('queue-facts'), [
    h('dt', { text: 'Available' }),
    h('dd', { text: depth.available }),
    h('dt', { text: 'In flight' }),
    h('dd', { text: depth.inFlight }),
    h('dt', { text: 'Delayed' }),
    h('dd', { text: depth.delayed }),
    h('dt', { text: 'Dead letters' }),
    h('dd', null, h('a', { href: '#/dlq', text: depth.deadLettered })),
    h('dt', { text: 'Oldest queued' }),
    h(
      'dd',
      null,
      stats.oldestQueued
        ? [jobLink(stats.oldestQueued.id, `${formatDuration(stats.oldestQueued.ageMs)} old`)]
        : '—',
    ),
    h('dt', { text: 'Updated' }),
    h('dd', { text: formatTime(stats.counts.at) }),
  ]);
  const select = findById<HTMLSelectElement>('filter-task');
  if (select) fillTaskOptions(select, route);
}

/** A page of the job list, and the pager's state. */
export function renderJobs(page: JobListPage): void {
  const rows = page.jobs || [];
  fill(
    findById('job-table'),
    rows.length === 0
      ? h('p', {
          class: 'empty',
          // A listing stops at its read bound: an empty page can still have older matches after it.
          text: page.nextCursor ? 'No jobs match on this page; older ones may (Next →).' : 'No jobs match.',
        })
      : h(
          'table',
          { id: 'jobs' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Job', 'Task', 'Status', 'Progress', 'Attempts', 'Enqueued', 'Duration', 'Error'].map((t) =>
                h('th', { text: t }),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((job) => {
              const end = typeof job.finishedAt === 'number' ? job.finishedAt : Date.now();
              return h(
                'tr',
                { 'data-job-id': job.id, 'data-status': job.status },
                h('td', { class: 'id' }, jobLink(job.id)),
                h('td', { class: 'mono', text: job.task }),
                h('td', null, badge(job.status)),
                h(
                  'td',
                  null,
                  job.progress
                    ? progressBar(job.progress, job.status, false)
                    : h('span', { class: 'muted', text: '—' }),
                ),
                h('td', { class: 'num', text: `${job.attempts}/${job.maxAttempts}` }),
                h('td', { title: formatTime(job.enqueuedAt), text: timeAgo(job.enqueuedAt) }),
                h('td', {
                  class: 'num',
                  text: typeof job.startedAt === 'number' ? formatDuration(end - job.startedAt) : '—',
                }),
                h(
                  'td',
                  { class: 'error-cell', title: job.error ? job.error.message : '' },
                  job.error ? `${job.error.code}: ${job.error.message}` : '',
                ),
              );
            }),
          ),
        ),
  );
  state.nextCursor = page.nextCursor || '';
  byId<HTMLButtonElement>('next').disabled = !page.nextCursor;
  byId<HTMLButtonElement>('newer').disabled = state.older.length === 0;
  byId('page-label').textContent = `Page ${state.older.length + 1}`;
}

function next(controls: Controls): void {
  if (!state.nextCursor) return;
  state.older.push(state.cursor);
  state.cursor = state.nextCursor;
  state.generation++;
  controls.connect();
}

function newer(controls: Controls): void {
  const previous = state.older.pop();
  if (previous === undefined) return;
  state.cursor = previous;
  state.generation++;
  controls.connect();
}
