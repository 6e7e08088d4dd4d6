// A job's page: status and progress, timeline, arguments, result, error, details, history and logs,
// with the Cancel and Retry buttons.
import { act, type Controls } from './actions.js';
import { postJson } from './api-client.js';
import type { JobActionResult, JobDetail, JobStatus } from './api-types.js';
import { fill, findById, h } from './dom.js';
import { formatDuration, formatTime, prettyJson, progressPercent } from './format.js';
import { badge, progressBar, section } from './widgets.js';

const cancellable: readonly JobStatus[] = ['scheduled', 'queued', 'running', 'retrying'];
const retryable: readonly JobStatus[] = ['failed', 'cancelled'];

/** The job page's frame, filled when the job arrives. */
export function renderJobShell(view: HTMLElement): void {
  fill(view, [
    h('p', null, h('a', { href: '#/', text: '← All jobs' })),
    h('div', { id: 'job-view' }, h('p', { class: 'muted', text: 'Loading…' })),
  ]);
}

/** The whole job. */
export function renderJob(job: JobDetail, controls: Controls): void {
  const status = job.status;
  const now = Date.now();
  const path = `jobs/${encodeURIComponent(job.id)}`;
  const actions = h(
    'div',
    { class: 'actions' },
    h('button', {
      id: 'cancel-job',
      type: 'button',
      class: 'danger',
      disabled: !cancellable.includes(status) || job.cancelRequestedAt !== undefined,
      text: 'Cancel',
      title:
        status === 'running'
          ? 'Ask the worker to stop this job at its next heartbeat'
          : 'Cancel a job that has not started or waits between attempts',
      onclick: () => {
        void act(controls, postJson<JobActionResult>(`${path}/cancel`), (answer) =>
          answer?.job && answer.job.status === 'running'
            ? `Cancel requested for ${job.id}`
            : `Cancelled ${job.id}`,
        );
      },
    }),
    h('button', {
      id: 'retry-job',
      type: 'button',
      class: 'primary',
      disabled: !retryable.includes(status),
      text: 'Retry',
      title: 'Run a failed or cancelled job again with a fresh attempt budget',
      onclick: () => {
        void act(controls, postJson(`${path}/retry`), () => `Queued ${job.id} again`);
      },
    }),
  );

  const progress = job.progress;
  const started = typeof job.startedAt === 'number' ? job.startedAt : undefined;
  const finished = typeof job.finishedAt === 'number' ? job.finishedAt : undefined;
  const timeline = h(
    'div',
    { class: 'timeline' },
    h(
      'div',
      { class: 'step' },
      h('div', { class: 'label', text: 'Queued' }),
      h('div', { id: 'queued-at', text: formatTime(job.enqueuedAt) }),
    ),
    h('div', {
      class: 'gap',
      text: started !== undefined ? `waited ${formatDuration(started - job.enqueuedAt)} →` : '→',
    }),
    h(
      'div',
      { class: 'step' },
      h('div', { class: 'label', text: 'Started' }),
      h('div', { id: 'started-at', text: formatTime(job.startedAt) }),
    ),
    h('div', {
      class: 'gap',
      text:
        started !== undefined
          ? `${finished !== undefined ? `ran ${formatDuration(finished - started)}` : `running ${formatDuration(now - started)}`} →`
          : '→',
    }),
    h(
      'div',
      { class: 'step' },
      h('div', { class: 'label', text: 'Finished' }),
      h('div', { id: 'finished-at', text: formatTime(job.finishedAt) }),
    ),
  );

  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', { text: 'Task' }),
    h('dd', { class: 'mono', id: 'job-task', text: job.task }),
    h('dt', { text: 'Attempts' }),
    h('dd', { id: 'job-attempts', text: `${job.attempts} of ${job.maxAttempts}` }),
    // Interrupted attempts (a worker stopped mid-job) are free retries: show them, or the attempts look short.
    job.interruptions
      ? [h('dt', { text: 'Interrupted' }), h('dd', { id: 'job-interruptions', text: `${job.interruptions}` })]
      : null,
    h('dt', { text: 'Total time' }),
    h('dd', { text: formatDuration((finished !== undefined ? finished : now) - job.enqueuedAt) }),
    job.workerId ? [h('dt', { text: 'Worker' }), h('dd', { class: 'mono', text: job.workerId })] : null,
    job.schedule ? [h('dt', { text: 'Schedule' }), h('dd', { class: 'mono', text: job.schedule })] : null,
    job.key
      ? [h('dt', { text: 'Unique key' }), h('dd', { class: 'mono', id: 'job-key', text: job.key })]
      : null,
    job.limited
      ? [
          h('dt', { text: 'Waited for' }),
          h('dd', {
            id: 'job-limited',
            text: `the ${job.limited.by} limit of ${job.limited.limit} until ${formatTime(job.limited.until)}`,
          }),
        ]
      : null,
    job.status === 'scheduled' && typeof job.runAt === 'number'
      ? [
          h('dt', { text: 'Runs at' }),
          h('dd', {
            id: 'job-run-at',
            text: `${formatTime(job.runAt)} (in ${formatDuration(Math.max(0, job.runAt - now))})`,
          }),
        ]
      : null,
    job.priority
      ? [h('dt', { text: 'Priority' }), h('dd', { id: 'job-priority', text: job.priority })]
      : null,
    typeof job.nextAttemptAt === 'number'
      ? [
          h('dt', { text: 'Next attempt' }),
          h('dd', {
            text: `${formatTime(job.nextAttemptAt)} (in ${formatDuration(job.nextAttemptAt - now)})`,
          }),
        ]
      : null,
    job.deadLettered
      ? [h('dt', { text: 'Dead-lettered' }), h('dd', null, h('a', { href: '#/dlq', text: 'yes' }))]
      : null,
    typeof job.expiresAt === 'number'
      ? [
          h('dt', { text: 'Expires' }),
          h('dd', {
            id: 'job-expires',
            text: `${formatTime(job.expiresAt)} (in ${formatDuration(job.expiresAt - now)})`,
          }),
        ]
      : null,
  );

  const error = job.error
    ? section('Error', 'job-error', [
        h(
          'div',
          { class: 'error-box' },
          h('span', { class: 'code', text: job.error.code }),
          ' ',
          h('span', { text: `${job.error.name}: ` }),
          h('span', { id: 'job-error-message', text: job.error.message }),
        ),
        job.error.stack ? h('pre', { class: 'stack', id: 'job-error-stack', text: job.error.stack }) : null,
      ])
    : null;

  const history = section(
    'Status history',
    'job-history',
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['At', 'Status', 'Attempt', 'Worker', 'Error'].map((t) => h('th', { text: t })),
        ),
      ),
      h(
        'tbody',
        null,
        (job.history || []).map((e) =>
          h(
            'tr',
            null,
            h('td', { class: 'shrink', text: formatTime(e.at) }),
            h('td', { class: 'shrink' }, badge(e.status)),
            h('td', { class: 'num shrink', text: e.attempt }),
            h('td', { class: 'mono shrink', text: e.workerId || '' }),
            h('td', { text: e.error ? `${e.error.code}: ${e.error.message}` : '' }),
          ),
        ),
      ),
    ),
  );

  const logLines = job.logs || [];
  const logs = section(
    'Logs',
    'job-logs',
    logLines.length === 0
      ? h('p', { class: 'muted', text: 'No log lines.' })
      : h(
          'table',
          null,
          h(
            'tbody',
            null,
            logLines.map((line) =>
              h(
                'tr',
                null,
                h('td', { class: 'mono shrink', text: formatTime(line.at) }),
                h('td', { class: `shrink log-level log-${line.level}`, text: line.level }),
                h('td', { class: 'log-msg', text: line.message }),
              ),
            ),
          ),
        ),
  );

  const cancelRequested =
    status === 'running' && job.cancelRequestedAt !== undefined
      ? h('span', {
          id: 'cancel-requested',
          class: 'badge s-cancelled',
          title: `Requested ${formatTime(job.cancelRequestedAt)}`,
          text: 'cancel requested',
        })
      : null;
  fill(findById('job-view'), [
    h(
      'section',
      { class: 'panel' },
      h(
        'div',
        { class: 'panel-head' },
        h(
          'h1',
          null,
          'Job ',
          h('code', { id: 'job-id', text: job.id }),
          h('span', { id: 'job-status' }, badge(status), cancelRequested),
        ),
        actions,
      ),
      h(
        'div',
        { class: 'progress-line' },
        progressBar(progress, status, true),
        h('span', {
          class: 'progress-text',
          id: 'job-progress-text',
          text: `${progressPercent(progress)}%${progress?.message ? ` · ${progress.message}` : ''}`,
        }),
      ),
      h('p', null),
      timeline,
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        null,
        section('Arguments', 'job-args', h('pre', { text: prettyJson(job.args) })),
        'result' in job ? section('Result', 'job-result', h('pre', { text: prettyJson(job.result) })) : null,
        error,
      ),
      section('Details', 'job-details', facts),
    ),
    history,
    logs,
  ]);
}
