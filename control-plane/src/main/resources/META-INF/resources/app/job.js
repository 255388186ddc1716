// The Job view: state, timeline, progress, attempts, live charts and logs, files and a panel per kind.
import uPlot from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';
import { api, esc, time, duration, gpus, bar, stateCell, yaml, bytes, toast } from './util.js';
import { onLeave, stale, viewGen } from './app.js';

const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
const CHART_POINTS = 800;

export async function jobView(main, id) {
  const gen = viewGen();
  const job = await api(`/api/v1/jobs/${encodeURIComponent(id)}`);
  const [timeline, attempts, metricNames, files] = await Promise.all([
    api(`/api/v1/jobs/${id}/timeline`), api(`/api/v1/jobs/${id}/attempts`), api(`/api/v1/jobs/${id}/metrics`),
    api(`/api/v1/jobs/${id}/files`)]);
  if (stale(gen)) return;
  main.innerHTML = `<h1>${esc(job.name)} <span class="muted">${esc(job.kind)} · ${esc(job.team)}</span></h1>
    <div class="actions">
      <button type="button" id="cancel" class="danger" ${TERMINAL.includes(job.state) ? 'disabled' : ''}>Cancel</button>
      <a href="#/submit?from=${esc(job.id)}">Clone and edit</a>
    </div>
    <div class="cols">
      <section aria-label="status"><dl class="kv">
        <dt>State</dt><dd id="state">${stateCell(job)}</dd>
        <dt>Progress</dt><dd id="progress"></dd>
        <dt>ETA</dt><dd id="eta">–</dd>
        <dt>Queue</dt><dd id="queue">–</dd>
        <dt>GPUs</dt><dd>${esc(gpus(job))}</dd>
        <dt>Attempt</dt><dd id="attempt">${job.attempt} of ${job.maxAttempts}</dd>
        <dt>Submitted</dt><dd>${esc(time(job.createdAt))}</dd>
        <dt>Labels</dt><dd>${esc(Object.entries(job.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ') || '–')}</dd>
      </dl></section>
      <section aria-label="timeline"><h2>Timeline</h2><table id="timeline"><thead><tr><th>At</th><th>State</th><th>Reason</th></tr></thead><tbody></tbody></table></section>
    </div>
    <section id="kind-panel"></section>
    <h2>Metrics</h2><div class="charts" id="charts">${metricNames.names.length ? '' : '<p class="muted">No metrics reported yet.</p>'}</div>
    <h2>Logs</h2>
    <div class="filters"><label>Search logs<input id="log-search" type="search"></label><label><span>Follow</span><input id="follow" type="checkbox" checked></label></div>
    <pre class="logs" id="logs" tabindex="0" aria-label="log lines" aria-live="off"></pre>
    <h2>Attempts</h2>
    <table><thead><tr><th>#</th><th>State</th><th>Launcher</th><th>Started</th><th>Finished</th><th>Exit</th><th>Reason</th></tr></thead>
    <tbody id="attempts">${attemptRows(attempts.items)}</tbody></table>
    <h2>Files</h2>
    <table id="files"><thead><tr><th>Name</th><th>Kind</th><th class="num">Size</th><th>SHA-256</th></tr></thead><tbody></tbody></table>
    <h2>Spec</h2><pre class="logs" style="height:auto;max-height:400px" tabindex="0">${esc(yaml({ kind: job.kind, resources: job.resources, spec: job.spec }).trim())}</pre>`;

  let current = job;
  const renderState = (j) => {
    current = j;
    document.getElementById('state').innerHTML = stateCell(j);
    document.getElementById('attempt').textContent = `${j.attempt} of ${j.maxAttempts}`;
    if (j.progress) renderProgress(j.progress);
    else if (j.state === 'SUCCEEDED') renderProgress({ fraction: 1, step: 1, total: 1 });
    document.getElementById('cancel').disabled = TERMINAL.includes(j.state);
    if (TERMINAL.includes(j.state)) document.getElementById('eta').textContent = '–';
    queue(j);
  };
  const renderProgress = (p) => {
    document.getElementById('progress').innerHTML = bar(p.fraction, `${(p.fraction * 100).toFixed(1)}%${p.total ? ` (${p.step} / ${p.total})` : ''}${p.phase ? ' ' + p.phase : ''}`);
    if (!TERMINAL.includes(current.state)) document.getElementById('eta').textContent = duration(p.etaSeconds);
  };
  const queue = async (j) => {
    const el = document.getElementById('queue');
    if (j.state !== 'PENDING') { el.textContent = '–'; return; }
    try {
      const e = await api(`/api/v1/queues/jobs/${j.id}`);
      el.innerHTML = `<strong>${esc(e.reason)}</strong>: position ${e.teamPosition} in team ${esc(e.team)}, ${e.flavorPosition} in ${esc(e.flavorQueue)}
        <div class="reason">${esc(e.message || '')}${e.estimatedStart ? ` · estimated start ${esc(time(e.estimatedStart))}` : ''}</div>`;
    } catch (err) {
      el.innerHTML = `<span class="reason">${esc(j.reason || '')} ${esc(err.message)}</span>`;
    }
  };
  const renderTimeline = (items) => {
    document.querySelector('#timeline tbody').innerHTML = items.map((t) => `<tr><td>${esc(time(t.at))}</td>
      <td>${esc(t.from || '∅')} → <span class="state ${esc(t.to)}">${esc(t.to)}</span></td><td>${esc(t.reason)}${t.message ? `<div class="reason">${esc(t.message)}</div>` : ''}</td></tr>`).join('');
  };
  const renderFiles = (items) => {
    document.querySelector('#files tbody').innerHTML = items.map((f) => `<tr><td><a href="${esc(f.href)}" target="_blank" rel="noopener">${esc(f.name)}</a></td>
      <td>${esc(f.kind || '')}</td><td class="num">${bytes(f.sizeBytes)}</td><td><code>${esc((f.sha256 || '').slice(0, 16))}</code></td></tr>`).join('')
      || '<tr><td colspan="4" class="muted">No files yet.</td></tr>';
  };
  renderState(job);
  renderTimeline(timeline.items);
  renderFiles(files.items);

  document.getElementById('cancel').addEventListener('click', async () => {
    try {
      renderState(await api(`/api/v1/jobs/${id}/cancel`, { method: 'POST' }));
      renderTimeline((await api(`/api/v1/jobs/${id}/timeline`)).items);
      toast('Cancel requested');
    } catch (e) { toast(e.message); }
  });

  // charts: downsampled on the server, full series one click away
  const charts = new Map();
  const chartBox = document.getElementById('charts');
  const addChart = async (name, full = false) => {
    const s = await api(`/api/v1/jobs/${id}/metrics?name=${encodeURIComponent(name)}${full ? '&limit=100000' : `&points=${CHART_POINTS}`}`);
    let c = charts.get(name);
    if (!c) {
      const box = document.createElement('figure');
      box.className = 'chart';
      box.dataset.metric = name;
      box.innerHTML = `<figcaption>${esc(name)} <button type="button" class="full">Full series</button></figcaption><div class="plot"></div>`;
      if (!charts.size) chartBox.innerHTML = '';
      chartBox.appendChild(box);
      c = { box, xs: [], ys: [] };
      charts.set(name, c);
      box.querySelector('.full').addEventListener('click', () => addChart(name, true));
    }
    c.xs = s.points.map((p) => p.step);
    c.ys = s.points.map((p) => p.value);
    c.box.dataset.points = String(c.xs.length);
    if (c.plot) c.plot.destroy();
    const el = c.box.querySelector('.plot');
    c.plot = new uPlot({ width: Math.max(400, el.clientWidth || 440), height: 220,
      series: [{ label: 'step' }, { label: name, stroke: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(), width: 1.5 }],
      axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }], scales: { x: { time: false } } }, [c.xs, c.ys], el);
  };
  await Promise.all(metricNames.names.map((n) => addChart(n)));

  // logs: persisted lines first, then the live tail
  const logEl = document.getElementById('logs');
  const search = document.getElementById('log-search');
  const lines = [];
  const paint = () => {
    const q = search.value.toLowerCase();
    logEl.textContent = (q ? lines.filter((l) => l.toLowerCase().includes(q)) : lines).slice(-5000).join('\n');
    if (document.getElementById('follow').checked) logEl.scrollTop = logEl.scrollHeight;
  };
  search.addEventListener('input', paint);
  let cursor = '';
  for (let i = 0; i < 20; i++) {
    const page = await api(`/api/v1/jobs/${id}/logs?limit=5000${cursor ? `&after=${cursor}` : ''}`);
    page.items.forEach((l) => lines.push(l.line));
    if (page.items.length < 5000) break;
    cursor = page.nextCursor;
  }
  paint();

  await kindPanel(job, files.items);

  if (TERMINAL.includes(job.state) || stale(gen)) return;
  const src = new EventSource(`/api/v1/jobs/${id}/events`);
  onLeave(() => src.close());
  src.addEventListener('job', (m) => renderState(JSON.parse(m.data)));
  src.addEventListener('state', async (m) => {
    const t = JSON.parse(m.data);
    renderState(t.to ? { ...current, state: t.to, reason: t.reason, message: t.message, attempt: t.attempt ?? current.attempt } : t);
    renderState(await api(`/api/v1/jobs/${id}`));
    renderTimeline((await api(`/api/v1/jobs/${id}/timeline`)).items);
    document.getElementById('attempts').innerHTML = attemptRows((await api(`/api/v1/jobs/${id}/attempts`)).items);
    if (TERMINAL.includes(current.state)) {
      src.close();
      refreshFiles();
    }
  });
  src.addEventListener('progress', (m) => renderProgress(JSON.parse(m.data)));
  src.addEventListener('log', (m) => { JSON.parse(m.data).lines.forEach((l) => lines.push(l)); paint(); });
  let filesTimer = null;
  const refreshFiles = () => {
    clearTimeout(filesTimer);
    filesTimer = setTimeout(async () => {
      const f = (await api(`/api/v1/jobs/${id}/files`)).items;
      renderFiles(f);
      kindPanel(current, f);
    }, 300);
  };
  src.addEventListener('artifact', refreshFiles);
  src.addEventListener('metrics', (m) => {
    const d = JSON.parse(m.data);
    for (const [name, v] of Object.entries(d.values || {})) {
      const c = charts.get(name);
      if (!c) { addChart(name); continue; }
      c.xs.push(d.step);
      c.ys.push(v);
      c.box.dataset.points = String(c.xs.length);
      c.plot.setData([c.xs, c.ys]);
    }
  });
}

function attemptRows(items) {
  return items.map((a) => `<tr><td>${a.attempt}</td><td>${esc(a.state)}</td><td>${esc(a.launcher)} ${esc(a.launchName)}</td>
      <td>${esc(time(a.startedAt))}</td><td>${esc(time(a.finishedAt))}</td><td>${a.exitCode ?? '–'}</td><td>${esc(a.reason || '')} ${esc(a.message || '')}</td></tr>`).join('')
      || '<tr><td colspan="7" class="muted">Not started yet.</td></tr>';
}

async function text(href) {
  const r = await fetch(href, { credentials: 'same-origin' });
  return r.ok ? r.text() : '';
}

const jsonl = (t) => t.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch (e) { return null; } }).filter(Boolean);

async function kindPanel(job, files) {
  const el = document.getElementById('kind-panel');
  const s = job.spec || {};
  if (job.kind === 'AUGMENTATION') {
    const images = files.filter((f) => f.image);
    const params = ['prompt', 'negativePrompt', 'strength', 'guidanceScale', 'numInferenceSteps', 'seed', 'operations']
      .filter((k) => s[k] !== undefined).map((k) => `<dt>${esc(k)}</dt><dd>${esc(Array.isArray(s[k]) ? s[k].join(', ') : s[k])}</dd>`).join('');
    let pageNo = 0;
    const per = 24;
    const draw = () => {
      const slice = images.slice(pageNo * per, (pageNo + 1) * per);
      el.innerHTML = `<h2>Gallery <span class="muted">${images.length} outputs</span></h2><dl class="kv">${params}</dl>
        <div class="grid" id="gallery">${slice.map((f) => {
          const source = f.name.replace(/_aug\d+(\.\w+)$/, '$1');
          return `<div class="card pair"><figure><img loading="lazy" alt="source ${esc(source)}" src="/api/v1/jobs/${job.id}/inputs/${encodeURI(source)}?thumb=200"><figcaption>source</figcaption></figure>
            <figure><a href="${esc(f.href)}" target="_blank" rel="noopener"><img loading="lazy" alt="output ${esc(f.name)}" src="${esc(f.href)}?thumb=200"></a><figcaption>${esc(f.name)}</figcaption></figure></div>`;
        }).join('') || '<p class="muted">No images yet.</p>'}</div>
        <div class="actions"><button type="button" id="g-prev" ${pageNo ? '' : 'disabled'}>Previous</button><button type="button" id="g-next" ${(pageNo + 1) * per < images.length ? '' : 'disabled'}>Next</button></div>`;
      el.querySelector('#g-prev').onclick = () => { pageNo--; draw(); };
      el.querySelector('#g-next').onclick = () => { pageNo++; draw(); };
    };
    draw();
  } else if (job.kind === 'LABELING') {
    const labels = files.find((f) => f.kind === 'labels');
    const errors = files.find((f) => f.kind === 'errors');
    const rows = labels ? jsonl(await text(labels.href)) : [];
    const errs = errors ? jsonl(await text(errors.href)) : [];
    const all = [...rows.map((r) => ({ ...r, error: '' })), ...errs.map((e) => ({ image: e.image, label: '', raw: '', error: `${e.status ?? ''} ${e.error || ''}` }))];
    el.innerHTML = `<h2>Labels <span class="muted">${rows.length} labelled, ${errs.length} errors</span></h2>
      <div class="filters"><label>Filter labels<input id="label-filter" type="search"></label></div>
      <table id="labels"><thead><tr><th>Image</th><th>File</th><th>Label</th><th>Raw answer</th><th>Error</th></tr></thead><tbody></tbody></table>`;
    const body = el.querySelector('tbody');
    const draw = () => {
      const q = el.querySelector('#label-filter').value.toLowerCase();
      body.innerHTML = all.filter((r) => !q || JSON.stringify(r).toLowerCase().includes(q)).slice(0, 200).map((r) => `<tr>
        <td><img loading="lazy" width="64" alt="${esc(r.image)}" src="/api/v1/jobs/${job.id}/inputs/${encodeURI(r.image || '')}?thumb=64"></td>
        <td>${esc(r.image)}</td><td><strong>${esc(r.label)}</strong></td><td>${esc(r.raw)}</td><td class="error">${esc(r.error)}</td></tr>`).join('')
        || '<tr><td colspan="5" class="muted">No labels yet.</td></tr>';
    };
    el.querySelector('#label-filter').addEventListener('input', draw);
    draw();
  } else if (job.kind === 'EVALUATION') {
    const report = files.find((f) => f.name === 'report.json');
    if (!report) { el.innerHTML = '<h2>Evaluation</h2><p class="muted">No report yet.</p>'; return; }
    const r = JSON.parse((await text(report.href)) || '{}');
    el.innerHTML = `<h2>Evaluation</h2>${evaluation(r)}
      <div class="filters"><label>Compare with job id<input id="compare" placeholder="another evaluation's id"></label><button type="button" id="compare-go">Compare</button></div><div id="compare-out"></div>`;
    el.querySelector('#compare-go').addEventListener('click', async () => {
      const other = el.querySelector('#compare').value.trim();
      const out = el.querySelector('#compare-out');
      try {
        const f = (await api(`/api/v1/jobs/${encodeURIComponent(other)}/files`)).items.find((x) => x.name === 'report.json');
        const r2 = f ? JSON.parse(await text(f.href)) : null;
        out.innerHTML = r2 ? `<div class="cols"><div><h3>This run</h3>${evaluation(r)}</div><div><h3>${esc(other)}</h3>${evaluation(r2)}</div></div>` : '<p class="muted">That job has no report.</p>';
      } catch (e) { out.innerHTML = `<p class="error" role="alert">${esc(e.message)}</p>`; }
    });
  } else if (job.kind === 'FINE_TUNE') {
    const models = files.filter((f) => ['model', 'checkpoint', 'adapter'].includes(f.kind) || /checkpoint|adapter|model/.test(f.name));
    el.innerHTML = `<h2>Checkpoints and model</h2><ul>${models.map((f) => `<li><a href="${esc(f.href)}">${esc(f.name)}</a> <span class="muted">${bytes(f.sizeBytes)}</span></li>`).join('') || '<li class="muted">None yet.</li>'}</ul>`;
  }
}

const f3 = (v) => (typeof v === 'number' ? v.toFixed(3) : esc(v ?? '–'));

function evaluation(r) {
  if (r.engine === 'coco') {
    return `<table><thead><tr><th>Metric</th><th class="num">Value</th></tr></thead><tbody>${Object.entries(r.stats || {}).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${f3(v)}</td></tr>`).join('')}</tbody></table>
      <h3>AP per category</h3><table><tbody>${Object.entries(r.perCategoryAP || {}).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${f3(v)}</td></tr>`).join('')}</tbody></table>`;
  }
  const labels = r.labels || [];
  const m = r.confusion_matrix || [];
  const max = Math.max(1, ...m.flat());
  return `<p>Accuracy <strong>${f3(r.accuracy)}</strong> · macro F1 <strong>${f3(r.macro && r.macro.f1)}</strong> · ${esc(r.images)} images</p>
    <h3>Confusion matrix <span class="muted">(rows: truth, columns: prediction)</span></h3>
    <table class="matrix"><thead><tr><th></th>${labels.map((l) => `<th scope="col">${esc(l)}</th>`).join('')}</tr></thead>
    <tbody>${m.map((row, i) => `<tr><th scope="row">${esc(labels[i])}</th>${row.map((v) => `<td style="background: color-mix(in srgb, var(--accent) ${Math.round((v / max) * 60)}%, transparent)">${v}</td>`).join('')}</tr>`).join('')}</tbody></table>
    <h3>Per class</h3><table><thead><tr><th>Class</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th><th class="num">Support</th></tr></thead>
    <tbody>${Object.entries(r.per_class || {}).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${f3(v.precision)}</td><td class="num">${f3(v.recall)}</td><td class="num">${f3(v.f1)}</td><td class="num">${esc(v.support)}</td></tr>`).join('')}</tbody></table>`;
}
