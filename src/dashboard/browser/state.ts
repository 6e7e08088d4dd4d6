// The page's state: where it is, which page of the list, and the last data it showed.
import type { QueueStats, ViewData } from './api-types.js';
import type { Route } from './routes.js';

/** The page's state; one instance, {@link state}. */
export interface PageState {
  route: Route;
  /** The list page's cursor ('' for the first page). */
  cursor: string;
  /** The cursors of the pages before this one, for "Newer". */
  older: string[];
  /** The cursor of the next page ('' on the last). */
  nextCursor: string;
  stats: QueueStats | null;
  /** What the current view last showed; null until it first loads. */
  data: ViewData | null;
  /** Bumped on every navigation, so answers to an older view are dropped. */
  generation: number;
  /** An action is under way: live data waits until it is done. */
  busy: boolean;
}

/** The page's state. */
export const state: PageState = {
  route: { view: 'list', status: '', task: '' },
  cursor: '',
  older: [],
  nextCursor: '',
  stats: null,
  data: null,
  generation: 0,
  busy: false,
};
