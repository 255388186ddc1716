// The Athanor dashboard: a hash-routed single page on the control plane's own API (docs/dashboard.md).
import { api, esc, age, duration, gpus, gpuHours, bar, stateCell, route, setCsrf, setUnauthorizedHandler, toast } from './util.js';
import { jobView } from './job.js';
import { submitView } from './submit.js';
import { adminView } from './admin.js';

const main = document.getElementById('main');
let me = null;
let cleanup = [];
let generation = 0;

export function onLeave(fn) { cleanup.push(fn); }
export function whoami() { return me; }
/** A view that awaited something checks this before drawing: the user may have moved on meanwhile. */
export function stale(gen) { return gen !== generation; }
export function viewGen() { return generation; }

const theme = localStorage.getItem('athanor.theme')
  || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
document.documentElement.dataset.theme = theme;
document.getElementById('theme').addEventListener('click', () => {
  const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = t;
  localStorage.setItem('athanor.theme', t);
});

document.getElementById('signout').addEventListener('click', async () => {
  try { await api('/api/v1/session', { method: 'DELETE' }); } catch (e) { /* signed out anyway */ }
  me = null;
  setCsrf(null);
  signIn();
});

setUnauthorizedHandler(() => { if (me) { me = null; signIn('Your session ended: sign in again.'); } });

function chrome(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('signout').hidden = !signedIn;
  document.getElementById('who').textContent = signedIn ? `${me.subject}${me.clusterAdmin ? ' (cluster admin)' : ''}` : '';
}

function signIn(message) {
  leave();
  chrome(false);
  main.innerHTML = `<section class="signin card">
    <h1>Sign in</h1>
    <p class="muted">Paste an Athanor API token (<code>ath_…</code>). It is exchanged for a session cookie and not stored by the page.</p>
    ${message ? `<p class="error" role="alert">${esc(message)}</p>` : ''}
    <form id="signin-form">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required>
      <p class="error" id="signin-error" role="alert"></p>
      <button class="primary" type="submit">Sign in</button>
    </form></section>`;
  const f = document.getElementById('signin-form');
  document.getElementById('token').focus();
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await api('/api/v1/session', { method: 'POST', body: { token: f.token.value } });
      f.token.value = '';
      start(s);
    } catch (e) {
      document.getElementById('signin-error').textContent = e.message;
    }
  });
}

function start(session) {
  me = session;
  setCsrf(session.csrfToken);
  chrome(true);
  render();
}

function leave() {
  cleanup.forEach((fn) => { try { fn(); } catch (e) { /* ignore */ } });
  cleanup = [];
}

export function notFound(what) {
  main.innerHTML = `<h1>Not found</h1><p role="alert">${esc(what)} does not exist, or you cannot see it.</p><p><a href="#/jobs">Back to jobs</a></p>`;
}

async function render() {
  if (!me) return;
  leave();
  generation++;
  const gen = generation;
  const { path, params } = route();
  document.querySelectorAll('#nav a').forEach((a) => {
    if (a.getAttribute('href') === `#/${path[0] || 'jobs'}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  try {
    if (path[0] === 'jobs' && path[1]) await jobView(main, path[1]);
    else if (path[0] === 'queues') await queuesView(params);
    else if (path[0] === 'cluster') await clusterView();
    else if (path[0] === 'submit') await submitView(main, params);
    else if (path[0] === 'admin') await adminView(main);
    else await jobsView(params);
  } catch (e) {
    if (stale(gen)) return;
    if (e.status === 404) notFound(path.join('/'));
    else if (e.status !== 401) main.innerHTML = `<h1>Error</h1><p role="alert" class="error">${esc(e.message)}</p>`;
  }
  if (!stale(gen)) main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', render);

// ---------------- Jobs ----------------
const STATES = ['PENDING', 'ADMITTED', 'LAUNCHING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const KINDS = ['AUGMENTATION', 'LABELING', 'FINE_TUNE', 'EVALUATION'];

function option(v, sel, label = v) { return `<option value="${esc(v)}" ${v === sel ? 'selected' : ''}>${esc(label)}</option>`; }

function jobRow(j) {
  const p = j.progress;
  const pct = p ? `${(p.fraction * 100).toFixed(0)}%` : '–';
  const done = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state);
  return `<tr data-id="${esc(j.id)}">
    <td><input type="checkbox" aria-label="select ${esc(j.name)}" value="${esc(j.id)}" ${done ? 'disabled' : ''}></td>
    <td><a href="#/jobs/${esc(j.id)}">${esc(j.name)}</a></td>
    <td>${esc(j.kind)}</td><td>${esc(j.team)}</td>
    <td class="st">${stateCell(j)}</td>
    <td>${esc(gpus(j))}</td>
    <td class="pr">${p ? bar(p.fraction, pct) : bar(done && j.state === 'SUCCEEDED' ? 1 : 0, done && j.state === 'SUCCEEDED' ? '100%' : '–')}</td>
    <td class="eta num">${p && !done ? duration(p.etaSeconds) : '–'}</td>
    <td class="num">${age(j.createdAt)}</td>
    <td class="num">${gpuHours(j).toFixed(2)}</td></tr>`;
}

async function jobsView(params) {
  const teams = Object.keys(me.teams || {});
  const q = new URLSearchParams();
  for (const k of ['team', 'kind', 'state', 'q', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  q.set('limit', '50');
  const gen = viewGen();
  const page = await api(`/api/v1/jobs?${q}`);
  if (stale(gen)) return;
  main.innerHTML = `<h1>Jobs</h1>
    <form class="filters" id="filters" role="search">
      <label>Team<select name="team"><option value="">all</option>${teams.map((t) => option(t, params.get('team'))).join('')}</select></label>
      <label>Kind<select name="kind"><option value="">all</option>${KINDS.map((k) => option(k, params.get('kind'))).join('')}</select></label>
      <label>State<select name="state"><option value="">all</option>${STATES.map((s) => option(s, params.get('state'))).join('')}</select></label>
      <label>Text<input name="q" type="search" value="${esc(params.get('q') || '')}" placeholder="name or label"></label>
      <button type="submit">Filter</button>
      <span class="spacer"></span>
      <button type="button" id="bulk-cancel" class="danger" disabled>Cancel selected</button>
    </form>
    <table id="jobs"><caption class="muted" style="text-align:left">${page.items.length} jobs on this page, live</caption>
      <thead><tr><th><span class="skip">select</span></th><th>Name</th><th>Kind</th><th>Team</th><th>State</th><th>GPUs</th><th>Progress</th><th class="num">ETA</th><th class="num">Age</th><th class="num">GPU-h</th></tr></thead>
      <tbody>${page.items.map(jobRow).join('') || '<tr><td colspan="10" class="muted">No jobs match.</td></tr>'}</tbody></table>
    <div class="actions">
      ${params.get('cursor') ? `<a href="#/jobs?${withParams(params, { cursor: null })}">First page</a>` : ''}
      ${page.nextCursor ? `<a id="next" href="#/jobs?${withParams(params, { cursor: page.nextCursor })}">Next page</a>` : ''}
    </div>`;
  const form = document.getElementById('filters');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) n.set(k, v);
    location.hash = `#/jobs?${n}`;
  });
  const tbody = main.querySelector('#jobs tbody');
  const bulk = document.getElementById('bulk-cancel');
  tbody.addEventListener('change', () => { bulk.disabled = !tbody.querySelector('input:checked'); });
  bulk.addEventListener('click', async () => {
    const ids = [...tbody.querySelectorAll('input:checked')].map((c) => c.value);
    const results = await Promise.allSettled(ids.map((id) => api(`/api/v1/jobs/${id}/cancel`, { method: 'POST' })));
    const failed = results.filter((r) => r.status === 'rejected');
    toast(`${ids.length - failed.length} cancelled${failed.length ? `, ${failed.length} failed: ${failed[0].reason.message}` : ''}`);
  });
  const rows = new Map(page.items.map((j) => [j.id, j]));
  const update = (j) => {
    rows.set(j.id, j);
    const tr = tbody.querySelector(`tr[data-id="${CSS.escape(j.id)}"]`);
    if (tr) {
      const checked = tr.querySelector('input').checked;
      tr.outerHTML = jobRow(j);
      tbody.querySelector(`tr[data-id="${CSS.escape(j.id)}"] input`).checked = checked;
    }
  };
  if (page.items.length) live(page.items.map((j) => j.id), (ev, id, data) => {
    const j = rows.get(id);
    if (!j) return;
    if (ev === 'job') update(data);
    // a state event carries the transition (from, to, reason): re-read the row for the rest
    else if (ev === 'state') api(`/api/v1/jobs/${id}`).then(update, () => {});
    else if (ev === 'progress') update({ ...j, progress: { ...data, fraction: data.fraction, etaSeconds: data.etaSeconds } });
  });
  if (!params.get('cursor')) {
    // new jobs appear on the first page without a reload
    const timer = setInterval(async () => {
      try {
        const fresh = await api(`/api/v1/jobs?${q}`);
        if (fresh.items.some((j) => !rows.has(j.id))) render();
      } catch (e) { /* next tick */ }
    }, 3000);
    onLeave(() => clearInterval(timer));
  }
}

function withParams(params, changes) {
  const n = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) { if (v === null) n.delete(k); else n.set(k, v); }
  return n.toString();
}

/** One EventSource for many jobs; reconnects by itself and catches up with a snapshot of each job. */
export function live(ids, handler) {
  const src = new EventSource(`/api/v1/live/jobs?id=${ids.map(encodeURIComponent).join(',')}`);
  for (const ev of ['job', 'state', 'progress', 'metrics', 'log', 'artifact']) {
    src.addEventListener(ev, (m) => { const { id, data } = JSON.parse(m.data); handler(ev, id, data); });
  }
  onLeave(() => src.close());
  return src;
}

// ---------------- Queues ----------------
async function queuesView() {
  const gen = viewGen();
  const [queue, summary] = await Promise.all([api('/api/v1/queues?limit=500'), api('/api/v1/queues/summary')]);
  const teams = Object.keys(me.teams || {});
  const visibleTeams = me.clusterAdmin ? (await api('/api/v1/teams')).items.map((t) => t.name) : teams;
  const quotas = await Promise.all(visibleTeams.map((t) => api(`/api/v1/teams/${encodeURIComponent(t)}/quotas`).catch(() => null)));
  if (stale(gen)) return;
  main.innerHTML = `<h1>Queues</h1>
    <h2>Quotas</h2>
    <table id="quotas"><thead><tr><th>Team</th><th>Flavor</th><th class="num">Nominal</th><th>Used of nominal</th><th class="num">Borrowed</th><th class="num">Lent</th><th class="num">Pending GPUs</th></tr></thead>
    <tbody>${quotas.filter(Boolean).flatMap((q) => q.flavors.map((f) => `<tr><td>${esc(q.team)}</td><td>${esc(f.flavor)}</td>
      <td class="num">${f.nominal}</td><td>${bar(f.nominal ? f.used / f.nominal : 0, `${f.used} / ${f.nominal}`, 'used')}</td>
      <td class="num">${f.borrowed}</td><td class="num">${f.lent}</td><td class="num">${f.pendingGpus}</td></tr>`)).join('')
      || '<tr><td colspan="7" class="muted">No quotas.</td></tr>'}</tbody></table>
    <h2>Pending GPU jobs</h2>
    <table id="queue"><thead><tr><th>Job</th><th>Team</th><th>Priority</th><th class="num">GPUs</th><th>Flavor queue</th><th class="num">Team position</th><th class="num">Flavor position</th><th>Why pending</th><th>Estimated start</th></tr></thead>
    <tbody>${queue.items.map((e) => `<tr><td><a href="#/jobs/${esc(e.jobId)}">${esc(e.name)}</a></td><td>${esc(e.team)}</td><td>${esc(e.priority)}</td>
      <td class="num">${e.gpus}</td><td>${esc(e.flavorQueue)}</td><td class="num">${e.teamPosition}</td><td class="num">${e.flavorPosition}</td>
      <td><strong>${esc(e.reason)}</strong><div class="reason">${esc(e.message)}</div></td><td>${e.estimatedStart ? esc(new Date(e.estimatedStart).toLocaleString()) : '–'}</td></tr>`).join('')
      || '<tr><td colspan="9" class="muted">Nothing waits.</td></tr>'}</tbody></table>
    <h2>By reason</h2>
    <table><thead><tr><th>Team</th><th>Flavor queue</th><th>Reason</th><th class="num">Jobs</th><th class="num">GPUs</th></tr></thead>
    <tbody>${summary.items.map((c) => `<tr><td>${esc(c.team)}</td><td>${esc(c.flavorQueue)}</td><td>${esc(c.reason)}</td><td class="num">${c.jobs}</td><td class="num">${c.gpus}</td></tr>`).join('')}</tbody></table>`;
  const t = setInterval(() => { if (route().path[0] === 'queues') render(); }, 5000);
  onLeave(() => clearInterval(t));
}

// ---------------- Cluster ----------------
async function clusterView() {
  const gen = viewGen();
  const [flavors, running, summary] = await Promise.all([api('/api/v1/flavors'), api('/api/v1/jobs?state=RUNNING&limit=500'),
    api('/api/v1/queues/summary')]);
  const byFlavor = new Map();
  for (const j of running.items) {
    const r = j.resources || {};
    const n = (r.gpusPerWorker || 0) * (r.workers || 1);
    const f = r.gpuType || (n ? 'any' : 'cpu');
    if (!byFlavor.has(f)) byFlavor.set(f, { gpus: 0, jobs: [] });
    byFlavor.get(f).gpus += n;
    byFlavor.get(f).jobs.push(j);
  }
  const pending = new Map();
  for (const c of summary.items) pending.set(c.flavorQueue, (pending.get(c.flavorQueue) || 0) + c.gpus);
  const names = [...new Set([...flavors.items.map((f) => f.name), ...byFlavor.keys()])];
  if (stale(gen)) return;
  main.innerHTML = `<h1>Cluster</h1>
    <div class="grid" id="flavors">${names.map((n) => {
      const f = flavors.items.find((x) => x.name === n) || {};
      const used = byFlavor.get(n) || { gpus: 0, jobs: [] };
      return `<section class="card" aria-label="flavor ${esc(n)}"><h2>${esc(n)}</h2>
        <dl class="kv"><dt>GPU memory</dt><dd>${f.gpuMemoryGb ? esc(f.gpuMemoryGb) + ' GB' : '–'}</dd>
        <dt>Nodes</dt><dd>${esc(Object.entries(f.nodeLabels || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'local')}</dd>
        <dt>GPUs in use</dt><dd>${used.gpus}</dd><dt>GPUs wanted (pending)</dt><dd>${pending.get(n) || 0}</dd></dl>
        <h3 class="muted">Running here</h3><ul>${used.jobs.map((j) => `<li><a href="#/jobs/${esc(j.id)}">${esc(j.name)}</a> <span class="muted">${esc(j.team)}</span></li>`).join('') || '<li class="muted">none</li>'}</ul>
      </section>`;
    }).join('') || '<p class="muted">No GPU flavors are configured.</p>'}</div>`;
}

// ---------------- start ----------------
(async () => {
  try {
    start(await api('/api/v1/session'));
  } catch (e) {
    signIn();
  }
})();
