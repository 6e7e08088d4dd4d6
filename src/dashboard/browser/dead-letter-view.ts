// The dead-letter queue's page: its messages, Requeue per job and Redrive all.
import { act, type Controls } from './actions.js';
import { postJson } from './api-client.js';
import type { DeadLetterList, RedriveResult } from './api-types.js';
import { byId, fill, findById, h } from './dom.js';
import { formatTime, timeAgo } from './format.js';
import { jobLink } from './widgets.js';

/** The page's frame, filled when the dead letters arrive. */
export function renderDeadLetterShell(view: HTMLElement, controls: Controls): void {
  fill(
    view,
    h(
      'section',
      { class: 'panel' },
      h(
        'div',
        { class: 'panel-head' },
        h('h1', { text: 'Dead-letter queue' }),
        h('button', {
          id: 'redrive-all',
          class: 'primary',
          type: 'button',
          onclick: () => redriveAll(controls),
          text: 'Redrive all',
        }),
      ),
      h('p', {
        class: 'muted',
        text: 'Jobs whose message was moved aside after their last attempt failed. Redriving puts a job back to queued with a fresh attempt budget.',
      }),
      h('div', { id: 'dlq-table' }, h('p', { class: 'muted', text: 'Loading…' })),
    ),
  );
}

/** The dead letters, each with Requeue when Longhaul knows its job. */
export function renderDeadLetters(data: DeadLetterList, controls: Controls): void {
  const letters = data.deadLetters || [];
  byId<HTMLButtonElement>('redrive-all').disabled = letters.length === 0;
  fill(
    findById('dlq-table'),
    letters.length === 0
      ? h('p', { class: 'empty', id: 'dlq-empty', text: 'The dead-letter queue is empty.' })
      : h(
          'table',
          { id: 'dead-letters' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Job', 'Task', 'Code', 'Message', 'Moved', ''].map((t) => h('th', { text: t })),
            ),
          ),
          h(
            'tbody',
            null,
            letters.map((letter) => {
              const jobId = letter.jobId;
              return h(
                'tr',
                { 'data-job-id': jobId || '', 'data-message-id': letter.messageId },
                h(
                  'td',
                  { class: 'id' },
                  jobId ? jobLink(jobId) : h('span', { class: 'muted', text: '(no job)' }),
                ),
                h('td', { class: 'mono', text: letter.task || '' }),
                h('td', { class: 'mono', text: letter.code || '' }),
                h('td', {
                  class: 'error-cell',
                  title: letter.message || letter.body,
                  text: letter.message || letter.body,
                }),
                h('td', { title: formatTime(letter.sentAt), text: timeAgo(letter.sentAt) }),
                h(
                  'td',
                  null,
                  jobId
                    ? h('button', {
                        type: 'button',
                        class: 'small requeue',
                        text: 'Requeue',
                        onclick: () => {
                          void act(controls, postJson<RedriveResult>('dlq/redrive', { jobId }), (result) =>
                            result.redriven.length
                              ? `Requeued ${result.redriven.join(', ')}`
                              : 'Nothing to requeue',
                          );
                        },
                      })
                    : null,
                ),
              );
            }),
          ),
        ),
  );
}

function redriveAll(controls: Controls): void {
  void act(
    controls,
    postJson<RedriveResult>('dlq/redrive', {}),
    (result) =>
      `Redrove ${result.redriven.length} job${result.redriven.length === 1 ? '' : 's'}${
        result.left ? `; ${result.left} left in the queue` : ''
      }`,
  );
}
