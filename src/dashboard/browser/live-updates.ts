// Live updates: Server-Sent Events from `api/events`, or polling when they fail.
import type { Controls } from './actions.js';
import { apiUrl, getJson } from './api-client.js';
import type { ApiProblem, QueueStats, ViewData } from './api-types.js';
import { byId } from './dom.js';
import { liveIntervalMs } from './page-config.js';
import { viewParams } from './routes.js';
import { state } from './state.js';

/** Where what arrives is drawn. */
export interface Renderer {
  stats(stats: QueueStats): void;
  data(data: ViewData): void;
  problem(error: ApiProblem | undefined): void;
}

type LiveMode = 'live' | 'polling' | 'connecting';

/** Keeps the current view up to date: one event stream (or poll timer) at a time. */
export class LiveUpdates implements Controls {
  readonly #render: Renderer;
  #source: EventSource | null = null;
  #sourceErrors = 0;
  #pollTimer = 0;
  /** Set once event streams failed: from then on, poll. */
  #polling = false;

  constructor(render: Renderer) {
    this.#render = render;
  }

  /** Reads the current view now, then follows it by events or polling. */
  connect(): void {
    this.#disconnect();
    this.refresh();
    if (this.#polling || typeof EventSource !== 'function') {
      this.#startPolling();
      return;
    }
    const generation = state.generation;
    const source = new EventSource(apiUrl('events', viewParams(state.route, state.cursor)), {
      withCredentials: true,
    });
    this.#source = source;
    const guard =
      <T>(handler: (value: T) => void) =>
      (event: MessageEvent<string>) => {
        if (this.#source !== source || state.generation !== generation) return;
        let value: T;
        try {
          value = JSON.parse(event.data) as T;
        } catch {
          return;
        }
        handler(value);
      };
    source.addEventListener('open', () => {
      this.#sourceErrors = 0;
      setLive('live');
    });
    source.addEventListener('stats', guard(this.#render.stats));
    for (const kind of ['jobs', 'job', 'dlq']) source.addEventListener(kind, guard(this.#render.data));
    source.addEventListener(
      'problem',
      guard((body: { error?: ApiProblem }) => this.#render.problem(body.error)),
    );
    source.addEventListener('error', () => {
      if (this.#source !== source) return;
      this.#sourceErrors++;
      if (source.readyState === EventSource.CLOSED || this.#sourceErrors >= 3) {
        source.close();
        this.#source = null;
        this.#polling = true;
        this.#startPolling();
      } else {
        setLive('connecting');
      }
    });
  }

  /** Reads the stats and the current view once (on navigation, after actions, and when polling). */
  refresh(): void {
    const generation = state.generation;
    getJson<QueueStats>('stats').then(
      (stats) => this.#render.stats(stats),
      () => {},
    );
    const route = state.route;
    let request: Promise<ViewData>;
    if (route.view === 'job') request = getJson(`jobs/${encodeURIComponent(route.id)}`);
    else if (route.view === 'dlq') request = getJson('dlq');
    else {
      const params = viewParams(route, state.cursor);
      params.delete('view');
      request = getJson('jobs', params);
    }
    request.then(
      (data) => {
        if (generation === state.generation) this.#render.data(data);
      },
      (error: ApiProblem) => {
        if (generation === state.generation)
          this.#render.problem({ code: error.code, message: error.message });
      },
    );
  }

  #disconnect(): void {
    if (this.#source) {
      this.#source.close();
      this.#source = null;
    }
    if (this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = 0;
    }
  }

  #startPolling(): void {
    setLive('polling');
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = window.setInterval(() => this.refresh(), liveIntervalMs);
  }
}

function setLive(mode: LiveMode): void {
  const el = byId('live');
  el.className = `live${mode === 'live' ? ' on' : mode === 'polling' ? ' polling' : ''}`;
  el.textContent = mode === 'live' ? 'live' : mode === 'polling' ? 'polling' : 'connecting…';
}
