// The dashboard's browser entry, bundled into `<base>/assets/app.js`: follows the URL's hash and keeps
// the view live. Job data only ever reaches the page as text (see dom.ts): the script never parses a
// string as HTML, so a job's arguments or error cannot become markup (test/dashboard/assets.test.ts checks).
import { byId } from './dom.js';
import { LiveUpdates } from './live-updates.js';
import { parseRoute } from './routes.js';
import { state } from './state.js';
import { renderData, renderProblem, renderShell, renderStats } from './views.js';

const live: LiveUpdates = new LiveUpdates({
  stats: renderStats,
  data: (data) => renderData(data, live),
  problem: renderProblem,
});

/** Navigation: a new route starts at the list's first page unless only the page changed. */
function onRoute(): void {
  const next = parseRoute(location.hash);
  const prev = state.route;
  if (
    next.view !== 'list' ||
    prev.view !== 'list' ||
    next.status !== prev.status ||
    next.task !== prev.task
  ) {
    state.cursor = '';
    state.older = [];
  }
  state.route = next;
  state.data = null;
  state.generation++;
  byId('nav-jobs').classList.toggle('active', next.view !== 'dlq');
  byId('nav-dlq').classList.toggle('active', next.view === 'dlq');
  renderShell(live);
  if (state.stats) renderStats(state.stats);
  live.connect();
}

window.addEventListener('hashchange', onRoute);
onRoute();
