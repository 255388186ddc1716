// Shared helpers: the API client (session cookie + CSRF header), escaping and formatting.
let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) h['X-CSRF-Token'] = csrf;
  const r = await fetch(path, { method, headers: h, body: payload, credentials: 'same-origin' });
  const type = r.headers.get('content-type') || '';
  const data = r.status === 204 ? null : type.includes('json') ? await r.json() : await r.text();
  if (r.status === 401 && path !== '/api/v1/session') onUnauthorized();
  if (!r.ok) throw new ApiError(r.status, typeof data === 'object' ? data : { detail: data });
  return data;
}

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v) => (v === null || v === undefined ? '' : String(v).replace(/[&<>"']/g, (c) => ESC[c]));

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export const age = (iso) => (iso ? duration((Date.now() - Date.parse(iso)) / 1000) : '–');
export const time = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function gpus(job) {
  const r = job.resources || {};
  const n = (r.gpusPerWorker || 0) * (r.workers || 1);
  return n ? `${n} × ${r.gpuType || 'any'}` : 'CPU';
}

export function gpuHours(job) {
  const r = job.resources || {};
  const n = (r.gpusPerWorker || 0) * (r.workers || 1);
  if (!n || !job.startedAt) return 0;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
  return (n * (end - Date.parse(job.startedAt))) / 3600e3;
}

export function bar(fraction, label, cls = '') {
  const pct = Math.max(0, Math.min(100, (fraction || 0) * 100));
  return `<div class="bar ${cls}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${pct.toFixed(0)}"
    aria-label="${esc(label || 'progress')}"><span style="width:${pct}%"></span><em>${esc(label ?? pct.toFixed(0) + '%')}</em></div>`;
}

export function stateCell(job) {
  return `<span class="state ${esc(job.state)}">${esc(job.state)}</span>${job.reason ? `<div class="reason">${esc(job.reason)}${job.message ? ': ' + esc(job.message) : ''}</div>` : ''}`;
}

/** JSON to YAML, enough for showing a spec. */
export function yaml(v, indent = '') {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return v.map((x) => `\n${indent}- ${typeof x === 'object' && x !== null ? yaml(x, indent + '  ').trimStart() : scalar(x)}`).join('');
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) return '{}';
    return keys.map((k) => {
      const x = v[k];
      const nested = typeof x === 'object' && x !== null && (Array.isArray(x) ? x.length : Object.keys(x).length);
      return `\n${indent}${k}:${nested ? yaml(x, indent + '  ') : ' ' + (typeof x === 'object' ? yaml(x) : scalar(x))}`;
    }).join('');
  }
  return scalar(v);
}

function scalar(x) {
  if (typeof x === 'string') return /^[\w./@:+-][\w ./@:+-]*$/.test(x) && !/^(true|false|null|[\d.+-]+)$/.test(x) ? x : JSON.stringify(x);
  return String(x);
}

export function toast(msg) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.textContent = ''; }, 5000);
}

/** Parses "#/path?x=1" into { path: ['path'], params }. */
export function route() {
  const [p, q] = (location.hash.slice(1) || '/jobs').split('?');
  return { path: p.split('/').filter(Boolean), params: new URLSearchParams(q || '') };
}
