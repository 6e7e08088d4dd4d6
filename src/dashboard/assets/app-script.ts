// The dashboard's browser script, served from `<base>/assets/app.js`. Plain ES2020, no framework, no
// build step. Job data only ever reaches the page through `textContent` and `createElement`: the script
// never assigns `innerHTML`, so a job's arguments or error cannot become markup.
// (Kept in a string so `tsc` needs no DOM types and the published package needs no copied files;
// test/dashboard/assets.test.ts parses it and checks it never touches innerHTML.)

/** The page's script. */
export const appScript = String.raw`(function () {
  'use strict';

  var STATUSES = ['scheduled', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'];
  var CANCELLABLE = ['scheduled', 'queued', 'running', 'retrying'];
  var RETRYABLE = ['failed', 'cancelled'];

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute('content') || '' : '';
  }
  var base = meta('longhaul-base');
  var csrfToken = meta('csrf-token');
  var intervalMs = Number(meta('longhaul-live-interval')) || 1000;

  var state = {
    route: { view: 'list', status: '', task: '' },
    cursor: '',
    older: [],
    stats: null,
    data: null,
    generation: 0,
    source: null,
    sourceErrors: 0,
    pollTimer: 0,
    polling: false,
    busy: false,
  };

  // ---------------------------------------------------------------------------------------------
  // DOM helpers: text only.

  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      for (var key in props) {
        var value = props[key];
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class') el.className = value;
        else if (key === 'text') el.textContent = String(value);
        else if (key === 'onclick') el.addEventListener('click', value);
        else if (key === 'onchange') el.addEventListener('change', value);
        else el.setAttribute(key, value === true ? '' : String(value));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  function $(id) { return document.getElementById(id); }
  function fill(el, children) {
    if (!el) return;
    el.replaceChildren();
    append(el, children);
  }

  // ---------------------------------------------------------------------------------------------
  // Formatting.

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtTime(ms) {
    if (typeof ms !== 'number') return '—';
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function fmtDuration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '—';
    if (ms < 0) ms = 0;
    if (ms < 1000) return Math.round(ms) + ' ms';
    var s = ms / 1000;
    if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + Math.floor(s % 60) + ' s';
    var hours = Math.floor(m / 60);
    if (hours < 48) return hours + ' h ' + (m % 60) + ' min';
    return Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
  }
  function ago(ms) { return typeof ms === 'number' ? fmtDuration(Date.now() - ms) + ' ago' : '—'; }
  function json(value) {
    if (value === undefined) return '(none)';
    try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); }
  }
  function percent(progress) {
    var f = progress && typeof progress.fraction === 'number' ? progress.fraction : 0;
    return Math.max(0, Math.min(100, Math.round(f * 100)));
  }

  function badge(status) {
    return h('span', { class: 'badge s-' + status, 'data-status': status, text: status });
  }
  function progressBar(progress, status, big) {
    var pct = percent(progress);
    var fill = h('div', { class: 'progress-fill' });
    fill.style.width = pct + '%'; // CSSOM, which the CSP allows (style attributes it does not)
    return h('div', {
      class: 'progress s-' + status + (big ? ' big' : ''),
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(pct),
      'aria-label': 'progress',
    }, fill);
  }
  function jobLink(id, text) {
    return h('a', { href: '#/jobs/' + encodeURIComponent(id), class: 'mono', title: id, text: text || id });
  }

  // ---------------------------------------------------------------------------------------------
  // Talking to the server.

  function apiUrl(path, params) {
    var query = params ? params.toString() : '';
    return base + '/api/' + path + (query ? '?' + query : '');
  }
  function getJson(path, params) {
    return fetch(apiUrl(path, params), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(readJson);
  }
  function postJson(path, body) {
    return fetch(apiUrl(path), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, Accept: 'application/json' },
      body: JSON.stringify(body || {}),
    }).then(readJson);
  }
  function readJson(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok) {
        var error = new Error((body && body.error && body.error.message) || ('HTTP ' + response.status));
        error.code = (body && body.error && body.error.code) || 'http_' + response.status;
        throw error;
      }
      return body;
    });
  }

  var flashTimer = 0;
  function flash(message, isError) {
    var el = $('flash');
    el.textContent = message;
    el.className = 'flash' + (isError ? ' error' : '');
    el.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { el.hidden = true; }, isError ? 10000 : 5000);
  }

  function act(promise, success) {
    state.busy = true;
    return promise.then(function (result) {
      flash(success(result), false);
    }, function (error) {
      flash(error.message, true);
    }).then(function () {
      state.busy = false;
      refresh();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Routes: #/?status=&task=, #/jobs/<id>, #/dlq.

  function parseRoute() {
    var hash = location.hash.replace(/^#/, '') || '/';
    var q = hash.indexOf('?');
    var path = q < 0 ? hash : hash.slice(0, q);
    var params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
    var job = /^\/jobs\/(.+)$/.exec(path);
    if (job) {
      try { return { view: 'job', id: decodeURIComponent(job[1]) }; } catch (e) { /* fall through */ }
    }
    if (path === '/dlq') return { view: 'dlq' };
    var status = params.get('status') || '';
    return { view: 'list', status: STATUSES.indexOf(status) >= 0 ? status : '', task: params.get('task') || '' };
  }
  function listHash(status, task) {
    var params = new URLSearchParams();
    if (status) params.set('status', status);
    if (task) params.set('task', task);
    var query = params.toString();
    return '#/' + (query ? '?' + query : '');
  }

  function viewParams() {
    var r = state.route;
    var params = new URLSearchParams();
    if (r.view === 'job') { params.set('view', 'job'); params.set('id', r.id); }
    else if (r.view === 'dlq') { params.set('view', 'dlq'); }
    else {
      params.set('view', 'jobs');
      if (r.status) params.set('status', r.status);
      if (r.task) params.set('task', r.task);
      if (state.cursor) params.set('cursor', state.cursor);
    }
    return params;
  }

  function onRoute() {
    var next = parseRoute();
    var prev = state.route;
    if (next.view !== 'list' || prev.view !== 'list' || next.status !== prev.status || next.task !== prev.task) {
      state.cursor = '';
      state.older = [];
    }
    state.route = next;
    state.data = null;
    state.generation++;
    $('nav-jobs').classList.toggle('active', next.view !== 'dlq');
    $('nav-dlq').classList.toggle('active', next.view === 'dlq');
    renderShell();
    if (state.stats) renderStats(state.stats);
    connect();
  }

  // ---------------------------------------------------------------------------------------------
  // Live updates: Server-Sent Events, or polling when they fail.

  function setLive(mode) {
    var el = $('live');
    el.className = 'live' + (mode === 'live' ? ' on' : mode === 'polling' ? ' polling' : '');
    el.textContent = mode === 'live' ? 'live' : mode === 'polling' ? 'polling' : 'connecting…';
  }

  function disconnect() {
    if (state.source) { state.source.close(); state.source = null; }
    if (state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = 0; }
  }

  function connect() {
    disconnect();
    refresh();
    if (state.polling || typeof EventSource !== 'function') { startPolling(); return; }
    var generation = state.generation;
    var source = new EventSource(apiUrl('events', viewParams()), { withCredentials: true });
    state.source = source;
    function guard(handler) {
      return function (event) {
        if (state.source !== source || state.generation !== generation) return;
        var value;
        try { value = JSON.parse(event.data); } catch (e) { return; }
        handler(value);
      };
    }
    source.addEventListener('open', function () { state.sourceErrors = 0; setLive('live'); });
    source.addEventListener('stats', guard(renderStats));
    source.addEventListener('jobs', guard(renderData));
    source.addEventListener('job', guard(renderData));
    source.addEventListener('dlq', guard(renderData));
    source.addEventListener('problem', guard(function (body) { renderProblem(body.error); }));
    source.addEventListener('error', function () {
      if (state.source !== source) return;
      state.sourceErrors++;
      if (source.readyState === EventSource.CLOSED || state.sourceErrors >= 3) {
        source.close();
        state.source = null;
        state.polling = true;
        startPolling();
      } else {
        setLive('connecting');
      }
    });
  }

  function startPolling() {
    setLive('polling');
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.pollTimer = setInterval(refresh, intervalMs);
  }

  /** Reads the stats and the current view once (on navigation, after actions, and when polling). */
  function refresh() {
    var generation = state.generation;
    getJson('stats').then(function (stats) { renderStats(stats); }, function () {});
    var r = state.route;
    var request;
    if (r.view === 'job') request = getJson('jobs/' + encodeURIComponent(r.id));
    else if (r.view === 'dlq') request = getJson('dlq');
    else {
      var params = viewParams();
      params.delete('view');
      request = getJson('jobs', params);
    }
    request.then(function (data) {
      if (generation === state.generation) renderData(data);
    }, function (error) {
      if (generation === state.generation) renderProblem({ code: error.code, message: error.message });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Views.

  function renderShell() {
    var view = $('view');
    var r = state.route;
    if (r.view === 'job') {
      fill(view, [
        h('p', null, h('a', { href: '#/', text: '← All jobs' })),
        h('div', { id: 'job-view' }, h('p', { class: 'muted', text: 'Loading…' })),
      ]);
    } else if (r.view === 'dlq') {
      fill(view, h('section', { class: 'panel' },
        h('div', { class: 'panel-head' },
          h('h1', { text: 'Dead-letter queue' }),
          h('button', { id: 'redrive-all', class: 'primary', type: 'button', onclick: redriveAll, text: 'Redrive all' })),
        h('p', { class: 'muted', text: 'Jobs whose message was moved aside after their last attempt failed. Redriving puts a job back to queued with a fresh attempt budget.' }),
        h('div', { id: 'dlq-table' }, h('p', { class: 'muted', text: 'Loading…' }))));
    } else {
      fill(view, [
        h('section', { id: 'status-cards', class: 'cards' }),
        h('div', { class: 'row' },
          h('section', { class: 'panel' }, h('h2', { text: 'Jobs by task' }), h('div', { id: 'task-table' })),
          h('section', { class: 'panel' }, h('h2', { text: 'Queue' }), h('dl', { id: 'queue-facts', class: 'facts' }))),
        h('section', { class: 'panel' },
          h('div', { class: 'panel-head' }, h('h2', { text: 'Jobs' }), filters()),
          h('div', { id: 'job-table' }, h('p', { class: 'muted', text: 'Loading…' })),
          h('div', { class: 'pager' },
            h('span', { id: 'page-label', class: 'muted' }),
            h('button', { id: 'newer', type: 'button', onclick: newer, text: '← Newer' }),
            h('button', { id: 'next', type: 'button', onclick: next, text: 'Next →' }))),
      ]);
    }
  }

  function filters() {
    var r = state.route;
    var status = h('select', { id: 'filter-status', 'aria-label': 'Status', onchange: function () {
      location.hash = listHash(status.value, r.task);
    } }, h('option', { value: '', text: 'All statuses' }), STATUSES.map(function (s) {
      return h('option', { value: s, selected: s === r.status, text: s });
    }));
    var task = h('select', { id: 'filter-task', 'aria-label': 'Task', onchange: function () {
      location.hash = listHash(r.status, task.value);
    } });
    fillTaskOptions(task);
    var clear = h('button', { type: 'button', class: 'small', onclick: function () { location.hash = '#/'; }, text: 'Clear', disabled: !r.status && !r.task });
    return h('div', { class: 'filters' }, status, task, clear);
  }
  function fillTaskOptions(select) {
    var r = state.route;
    var names = state.stats ? Object.keys(state.stats.counts.byTask) : [];
    if (r.task && names.indexOf(r.task) < 0) names.push(r.task);
    names.sort();
    var wanted = [''].concat(names).join('\n');
    if (select.getAttribute('data-options') === wanted) return;
    select.setAttribute('data-options', wanted);
    fill(select, [h('option', { value: '', text: 'All tasks' })].concat(names.map(function (name) {
      return h('option', { value: name, selected: name === r.task, text: name });
    })));
  }

  function renderStats(stats) {
    state.stats = stats;
    var dlq = stats.depth ? stats.depth.deadLettered : 0;
    var pill = $('dlq-count');
    pill.textContent = String(dlq);
    pill.classList.toggle('alert', dlq > 0);
    if (state.route.view !== 'list') return;
    var r = state.route;
    var byStatus = stats.counts.byStatus;
    fill($('status-cards'), STATUSES.map(function (s) {
      return h('a', {
        class: 'card s-' + s + (r.status === s ? ' selected' : ''),
        href: listHash(r.status === s ? '' : s, r.task),
        'data-status': s,
      }, h('div', { class: 'card-count', 'data-count': s, text: byStatus[s] || 0 }), h('div', { class: 'card-label', text: s }));
    }));
    var tasks = Object.keys(stats.counts.byTask).sort();
    fill($('task-table'), tasks.length === 0 ? h('p', { class: 'empty', text: 'No jobs yet.' }) : h('table', { id: 'tasks' },
      h('thead', null, h('tr', null, h('th', { text: 'Task' }), STATUSES.map(function (s) {
        return h('th', { class: 'num', text: s });
      }), h('th', { class: 'num', text: 'total' }))),
      h('tbody', null, tasks.map(function (name) {
        var counts = stats.counts.byTask[name];
        var total = 0;
        return h('tr', { 'data-task': name }, h('td', null, h('a', { href: listHash(r.status, name), class: 'mono', text: name })),
          STATUSES.map(function (s) {
            var n = counts[s] || 0;
            total += n;
            return h('td', { class: 'num' + (n ? '' : ' zero') }, n ? h('a', { href: listHash(s, name), text: n }) : '0');
          }), h('td', { class: 'num', text: total }));
      }))));
    var depth = stats.depth || {};
    fill($('queue-facts'), [
      h('dt', { text: 'Available' }), h('dd', { text: depth.available }),
      h('dt', { text: 'In flight' }), h('dd', { text: depth.inFlight }),
      h('dt', { text: 'Delayed' }), h('dd', { text: depth.delayed }),
      h('dt', { text: 'Dead letters' }), h('dd', null, h('a', { href: '#/dlq', text: depth.deadLettered })),
      h('dt', { text: 'Oldest queued' }), h('dd', null, stats.oldestQueued
        ? [jobLink(stats.oldestQueued.id, fmtDuration(stats.oldestQueued.ageMs) + ' old')]
        : '—'),
      h('dt', { text: 'Updated' }), h('dd', { text: fmtTime(stats.counts.at) }),
    ]);
    var select = $('filter-task');
    if (select) fillTaskOptions(select);
  }

  function renderProblem(error) {
    var target = state.route.view === 'job' ? $('job-view') : state.route.view === 'dlq' ? $('dlq-table') : $('job-table');
    if (!target) return;
    if (state.route.view === 'job' && error && error.code === 'job_not_found') {
      fill(target, h('div', { class: 'panel' }, h('h1', { text: 'Job not found' }), h('p', { class: 'muted', text: error.message })));
      return;
    }
    if (state.data) { flash((error && error.message) || 'Update failed', true); return; }
    fill(target, h('p', { class: 'flash error', text: (error && error.message) || 'Could not load' }));
  }

  function renderData(data) {
    if (state.busy) return;
    state.data = data;
    var r = state.route;
    if (r.view === 'job') renderJob(data);
    else if (r.view === 'dlq') renderDeadLetters(data);
    else renderJobs(data);
  }

  function renderJobs(page) {
    var rows = page.jobs || [];
    fill($('job-table'), rows.length === 0 ? h('p', { class: 'empty', text: 'No jobs match.' }) : h('table', { id: 'jobs' },
      h('thead', null, h('tr', null, ['Job', 'Task', 'Status', 'Progress', 'Attempts', 'Enqueued', 'Duration', 'Error'].map(function (t) {
        return h('th', { text: t });
      }))),
      h('tbody', null, rows.map(function (job) {
        var end = typeof job.finishedAt === 'number' ? job.finishedAt : Date.now();
        return h('tr', { 'data-job-id': job.id, 'data-status': job.status },
          h('td', { class: 'id' }, jobLink(job.id)),
          h('td', { class: 'mono', text: job.task }),
          h('td', null, badge(job.status)),
          h('td', null, job.progress ? progressBar(job.progress, job.status, false) : h('span', { class: 'muted', text: '—' })),
          h('td', { class: 'num', text: job.attempts + '/' + job.maxAttempts }),
          h('td', { title: fmtTime(job.enqueuedAt), text: ago(job.enqueuedAt) }),
          h('td', { class: 'num', text: typeof job.startedAt === 'number' ? fmtDuration(end - job.startedAt) : '—' }),
          h('td', { class: 'error-cell', title: job.error ? job.error.message : '' }, job.error ? job.error.code + ': ' + job.error.message : ''));
      }))));
    state.nextCursor = page.nextCursor || '';
    $('next').disabled = !page.nextCursor;
    $('newer').disabled = state.older.length === 0;
    $('page-label').textContent = 'Page ' + (state.older.length + 1);
  }
  function next() {
    if (!state.nextCursor) return;
    state.older.push(state.cursor);
    state.cursor = state.nextCursor;
    state.generation++;
    connect();
  }
  function newer() {
    if (state.older.length === 0) return;
    state.cursor = state.older.pop();
    state.generation++;
    connect();
  }

  function section(title, id, children) {
    return h('section', { class: 'panel', id: id }, h('h2', { text: title }), children);
  }

  function renderJob(job) {
    var status = job.status;
    var now = Date.now();
    var actions = h('div', { class: 'actions' },
      h('button', { id: 'cancel-job', type: 'button', class: 'danger', disabled: CANCELLABLE.indexOf(status) < 0 || job.cancelRequestedAt !== undefined, text: 'Cancel',
        title: status === 'running' ? 'Ask the worker to stop this job at its next heartbeat' : 'Cancel a job that has not started or waits between attempts',
        onclick: function () { act(postJson('jobs/' + encodeURIComponent(job.id) + '/cancel'), function (answer) { return answer && answer.job && answer.job.status === 'running' ? 'Cancel requested for ' + job.id : 'Cancelled ' + job.id; }); } }),
      h('button', { id: 'retry-job', type: 'button', class: 'primary', disabled: RETRYABLE.indexOf(status) < 0, text: 'Retry',
        title: 'Run a failed or cancelled job again with a fresh attempt budget',
        onclick: function () { act(postJson('jobs/' + encodeURIComponent(job.id) + '/retry'), function () { return 'Queued ' + job.id + ' again'; }); } }));

    var progress = job.progress;
    var timeline = h('div', { class: 'timeline' },
      h('div', { class: 'step' }, h('div', { class: 'label', text: 'Queued' }), h('div', { id: 'queued-at', text: fmtTime(job.enqueuedAt) })),
      h('div', { class: 'gap', text: typeof job.startedAt === 'number' ? 'waited ' + fmtDuration(job.startedAt - job.enqueuedAt) + ' →' : '→' }),
      h('div', { class: 'step' }, h('div', { class: 'label', text: 'Started' }), h('div', { id: 'started-at', text: fmtTime(job.startedAt) })),
      h('div', { class: 'gap', text: typeof job.startedAt === 'number'
        ? (typeof job.finishedAt === 'number' ? 'ran ' + fmtDuration(job.finishedAt - job.startedAt) : 'running ' + fmtDuration(now - job.startedAt)) + ' →'
        : '→' }),
      h('div', { class: 'step' }, h('div', { class: 'label', text: 'Finished' }), h('div', { id: 'finished-at', text: fmtTime(job.finishedAt) })));

    var facts = h('dl', { class: 'facts' },
      h('dt', { text: 'Task' }), h('dd', { class: 'mono', id: 'job-task', text: job.task }),
      h('dt', { text: 'Attempts' }), h('dd', { id: 'job-attempts', text: job.attempts + ' of ' + job.maxAttempts }),
      h('dt', { text: 'Total time' }), h('dd', { text: fmtDuration((typeof job.finishedAt === 'number' ? job.finishedAt : now) - job.enqueuedAt) }),
      job.workerId ? [h('dt', { text: 'Worker' }), h('dd', { class: 'mono', text: job.workerId })] : null,
      job.schedule ? [h('dt', { text: 'Schedule' }), h('dd', { class: 'mono', text: job.schedule })] : null,
      job.key ? [h('dt', { text: 'Unique key' }), h('dd', { class: 'mono', id: 'job-key', text: job.key })] : null,
      job.limited ? [h('dt', { text: 'Waited for' }), h('dd', { id: 'job-limited', text: 'the ' + job.limited.by + ' limit of ' + job.limited.limit + ' until ' + fmtTime(job.limited.until) })] : null,
      job.status === 'scheduled' && typeof job.runAt === 'number' ? [h('dt', { text: 'Runs at' }), h('dd', { id: 'job-run-at', text: fmtTime(job.runAt) + ' (in ' + fmtDuration(Math.max(0, job.runAt - now)) + ')' })] : null,
      job.priority ? [h('dt', { text: 'Priority' }), h('dd', { id: 'job-priority', text: job.priority })] : null,
      typeof job.nextAttemptAt === 'number' ? [h('dt', { text: 'Next attempt' }), h('dd', { text: fmtTime(job.nextAttemptAt) + ' (in ' + fmtDuration(job.nextAttemptAt - now) + ')' })] : null,
      job.deadLettered ? [h('dt', { text: 'Dead-lettered' }), h('dd', null, h('a', { href: '#/dlq', text: 'yes' }))] : null,
      typeof job.expiresAt === 'number' ? [h('dt', { text: 'Expires' }), h('dd', { id: 'job-expires', text: fmtTime(job.expiresAt) + ' (in ' + fmtDuration(job.expiresAt - now) + ')' })] : null);

    var error = job.error ? section('Error', 'job-error', [
      h('div', { class: 'error-box' }, h('span', { class: 'code', text: job.error.code }), ' ', h('span', { text: job.error.name + ': ' }),
        h('span', { id: 'job-error-message', text: job.error.message })),
      job.error.stack ? h('pre', { class: 'stack', id: 'job-error-stack', text: job.error.stack }) : null,
    ]) : null;

    var history = section('Status history', 'job-history', h('table', null,
      h('thead', null, h('tr', null, ['At', 'Status', 'Attempt', 'Worker', 'Error'].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, (job.history || []).map(function (e) {
        return h('tr', null, h('td', { class: 'shrink', text: fmtTime(e.at) }), h('td', { class: 'shrink' }, badge(e.status)),
          h('td', { class: 'num shrink', text: e.attempt }), h('td', { class: 'mono shrink', text: e.workerId || '' }), h('td', { text: e.error ? e.error.code + ': ' + e.error.message : '' }));
      }))));

    var logs = section('Logs', 'job-logs', (job.logs || []).length === 0 ? h('p', { class: 'muted', text: 'No log lines.' }) : h('table', null,
      h('tbody', null, job.logs.map(function (line) {
        return h('tr', null, h('td', { class: 'mono shrink', text: fmtTime(line.at) }),
          h('td', { class: 'shrink log-level log-' + line.level, text: line.level }), h('td', { class: 'log-msg', text: line.message }));
      }))));

    fill($('job-view'), [
      h('section', { class: 'panel' },
        h('div', { class: 'panel-head' }, h('h1', null, 'Job ', h('code', { id: 'job-id', text: job.id }), h('span', { id: 'job-status' }, badge(status), status === 'running' && job.cancelRequestedAt !== undefined ? h('span', { id: 'cancel-requested', class: 'badge s-cancelled', title: 'Requested ' + fmtTime(job.cancelRequestedAt), text: 'cancel requested' }) : null)), actions),
        h('div', { class: 'progress-line' }, progressBar(progress, status, true),
          h('span', { class: 'progress-text', id: 'job-progress-text', text: percent(progress) + '%' + (progress && progress.message ? ' · ' + progress.message : '') })),
        h('p', null), timeline),
      h('div', { class: 'row' },
        h('div', null,
          section('Arguments', 'job-args', h('pre', { text: json(job.args) })),
          'result' in job ? section('Result', 'job-result', h('pre', { text: json(job.result) })) : null,
          error),
        section('Details', 'job-details', facts)),
      history,
      logs,
    ]);
  }

  function renderDeadLetters(data) {
    var letters = data.deadLetters || [];
    $('redrive-all').disabled = letters.length === 0;
    fill($('dlq-table'), letters.length === 0 ? h('p', { class: 'empty', id: 'dlq-empty', text: 'The dead-letter queue is empty.' }) : h('table', { id: 'dead-letters' },
      h('thead', null, h('tr', null, ['Job', 'Task', 'Code', 'Message', 'Moved', ''].map(function (t) { return h('th', { text: t }); }))),
      h('tbody', null, letters.map(function (letter) {
        return h('tr', { 'data-job-id': letter.jobId || '', 'data-message-id': letter.messageId },
          h('td', { class: 'id' }, letter.jobId ? jobLink(letter.jobId) : h('span', { class: 'muted', text: '(no job)' })),
          h('td', { class: 'mono', text: letter.task || '' }),
          h('td', { class: 'mono', text: letter.code || '' }),
          h('td', { class: 'error-cell', title: letter.message || letter.body, text: letter.message || letter.body }),
          h('td', { title: fmtTime(letter.sentAt), text: ago(letter.sentAt) }),
          h('td', null, letter.jobId ? h('button', { type: 'button', class: 'small requeue', text: 'Requeue', onclick: function () {
            act(postJson('dlq/redrive', { jobId: letter.jobId }), function (result) {
              return result.redriven.length ? 'Requeued ' + result.redriven.join(', ') : 'Nothing to requeue';
            });
          } }) : null));
      }))));
  }

  function redriveAll() {
    act(postJson('dlq/redrive', {}), function (result) {
      return 'Redrove ' + result.redriven.length + ' job' + (result.redriven.length === 1 ? '' : 's') +
        (result.left ? '; ' + result.left + ' left in the queue' : '');
    });
  }

  window.addEventListener('hashchange', onRoute);
  onRoute();
})();
`;
