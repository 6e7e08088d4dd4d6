// The page's script: enqueue an analysis through the app's `longhaul/http` routes, then watch the job
// live with `longhaul/browser`: a progress bar, the log lines, then the result table and chart, or the
// error. The task comes in as a type only, which types the arguments and the result; none of its code
// (nor zod) reaches the browser. Everything shown goes through textContent, never markup.
import type { TaskResult } from 'longhaul';
import {
  enqueueJob,
  getLatestScheduleResult,
  JobRequestError,
  type JobView,
  type JobWatch,
  watchJob,
} from 'longhaul/browser';
import type { analyzePortfolio, refreshMarketIndex } from '../tasks.js';

/** The analysis's result, as the task defines it. */
type Analysis = TaskResult<typeof analyzePortfolio>;

const jobsUrl = '/api/jobs';
const marketIndexUrl = '/api/schedules/market-index/latest';
/** How often the page asks for the market figure; the browser's cache answers until the next run is due. */
const marketPollMs = 5_000;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
}

const form = element<HTMLFormElement>('analyze-form');
const button = element<HTMLButtonElement>('analyze');
const formError = element('form-error');
const jobPanel = element('job');
const progress = element('progress');
const progressFill = element('progress-fill');
const progressText = element('progress-text');
const log = element<HTMLOListElement>('log');
const errorBox = element('error');
const resultBox = element('result');

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const precisePercent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2 });

let watching: JobWatch<Analysis> | undefined;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void analyze();
});
void showMarketIndex();
setInterval(() => void showMarketIndex(), marketPollMs);

/** The figure a schedule refreshes in the background: read from its last run, never computed here. */
async function showMarketIndex(): Promise<void> {
  let latest: Awaited<ReturnType<typeof getLatestScheduleResult<typeof refreshMarketIndex>>>;
  try {
    latest = await getLatestScheduleResult<typeof refreshMarketIndex>(marketIndexUrl);
  } catch (error) {
    // The figure is a sidebar: keep showing the last one, and try again at the next tick.
    console.warn('Could not read the market index', error);
    return;
  }
  if (!latest) return;
  element('market-name').textContent = latest.result.name;
  element('market-level').textContent = latest.result.level.toFixed(2);
  element('market-time').textContent =
    `refreshed at ${new Date(latest.finishedAt).toLocaleTimeString('en-GB')}`;
  element('market').hidden = false;
}

async function analyze(): Promise<void> {
  watching?.close();
  formError.hidden = true;
  button.disabled = true;
  const portfolio = element<HTMLInputElement>('portfolio').value;
  const tickers = element<HTMLInputElement>('tickers')
    .value.split(/[\s,]+/)
    .filter((ticker) => ticker !== '');
  try {
    const { job, token, url } = await enqueueJob<typeof analyzePortfolio>(jobsUrl, 'portfolio.analyze', {
      portfolio,
      tickers,
    });
    showJob(job);
    watching = watchJob<typeof analyzePortfolio>(url, token, {
      onSnapshot: (snapshot) => {
        showJob(snapshot);
        log.replaceChildren();
        for (const line of snapshot.logs) addLogLine(line.message);
      },
      onStatus: showJob,
      onProgress: showJob,
      onLog: (line) => addLogLine(line.message),
      onResult: (result, final) => {
        showJob(final);
        showResult(result);
      },
      onFailed: (error, final) => {
        showJob(final);
        element('error-message').textContent = error.message;
        element('error-code').textContent = error.code ?? error.name;
        errorBox.hidden = false;
      },
      onEnd: () => {
        button.disabled = false;
      },
      onError: (error, willRetry) => {
        if (willRetry) return;
        formError.textContent = `Lost the job: ${error.message}`;
        formError.hidden = false;
        button.disabled = false;
      },
    });
  } catch (error) {
    button.disabled = false;
    formError.textContent =
      error instanceof JobRequestError && error.issues.length > 0
        ? error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
        : String(error instanceof Error ? error.message : error);
    formError.hidden = false;
  }
}

function showJob(job: JobView<Analysis>): void {
  jobPanel.hidden = false;
  element('job-id').textContent = job.id;
  const status = element('job-status');
  status.textContent = job.status;
  status.dataset.status = job.status;
  const fraction = job.status === 'succeeded' ? 1 : (job.progress?.fraction ?? 0);
  const shown = Math.round(fraction * 100);
  progress.setAttribute('aria-valuenow', String(shown));
  progressFill.style.width = `${shown}%`;
  progressText.textContent = `${shown}%${job.progress?.message ? ` · ${job.progress.message}` : ''}`;
  if (job.status === 'queued' || job.status === 'scheduled') {
    errorBox.hidden = true;
    resultBox.hidden = true;
    log.replaceChildren();
  }
}

function addLogLine(message: string): void {
  const item = document.createElement('li');
  item.textContent = message;
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

function showResult(result: Analysis): void {
  element('result-value').textContent = money.format(result.value);
  element('result-volatility').textContent = precisePercent.format(result.volatility);
  element('result-var').textContent = money.format(result.valueAtRisk95);
  const rows = result.positions.map((position) => {
    const row = document.createElement('tr');
    row.dataset.ticker = position.ticker;
    for (const text of [
      position.ticker,
      String(position.shares),
      money.format(position.price),
      money.format(position.value),
      percent.format(position.weight),
    ]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  });
  resultBox.querySelector('tbody')?.replaceChildren(...rows);
  element('chart').replaceChildren(weightChart(result.positions));
  resultBox.hidden = false;
}

/** A horizontal bar per position, its length the position's weight: inline SVG, no chart library. */
function weightChart(positions: Analysis['positions']): SVGSVGElement {
  const svgNs = 'http://www.w3.org/2000/svg';
  const barHeight = 18;
  const gap = 6;
  const labelWidth = 56;
  const width = 480;
  const height = positions.length * (barHeight + gap);
  const largest = Math.max(...positions.map((position) => position.weight), 0.0001);
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Weight of each position');
  positions.forEach((position, i) => {
    const y = i * (barHeight + gap);
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(y + barHeight - 5));
    label.textContent = position.ticker;
    const bar = document.createElementNS(svgNs, 'rect');
    const length = ((width - labelWidth - 60) * position.weight) / largest;
    bar.setAttribute('x', String(labelWidth));
    bar.setAttribute('y', String(y));
    bar.setAttribute('width', length.toFixed(1));
    bar.setAttribute('height', String(barHeight));
    bar.setAttribute('rx', '3');
    const value = document.createElementNS(svgNs, 'text');
    value.setAttribute('x', String(labelWidth + length + 6));
    value.setAttribute('y', String(y + barHeight - 5));
    value.textContent = percent.format(position.weight);
    svg.append(label, bar, value);
  });
  return svg;
}
