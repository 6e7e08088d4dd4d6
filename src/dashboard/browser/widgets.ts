// Small pieces several views share: a status badge, a progress bar, a link to a job, a titled panel.
import type { JobProgress, JobStatus } from './api-types.js';
import { type Child, h } from './dom.js';
import { progressPercent } from './format.js';

/** A status as a coloured badge. */
export function badge(status: JobStatus): HTMLSpanElement {
  return h('span', { class: `badge s-${status}`, 'data-status': status, text: status });
}

/** A progress bar in the status's colour. */
export function progressBar(
  progress: JobProgress | undefined,
  status: JobStatus,
  big: boolean,
): HTMLDivElement {
  const pct = progressPercent(progress);
  const bar = h('div', { class: 'progress-fill' });
  bar.style.width = `${pct}%`; // CSSOM, which the CSP allows (style attributes it does not)
  return h(
    'div',
    {
      class: `progress s-${status}${big ? ' big' : ''}`,
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(pct),
      'aria-label': 'progress',
    },
    bar,
  );
}

/** A link to a job's page, showing its id or `text`. */
export function jobLink(id: string, text?: string): HTMLAnchorElement {
  return h('a', { href: `#/jobs/${encodeURIComponent(id)}`, class: 'mono', title: id, text: text || id });
}

/** A panel with a heading. */
export function section(title: string, id: string, children: Child): HTMLElement {
  return h('section', { class: 'panel', id }, h('h2', { text: title }), children);
}
