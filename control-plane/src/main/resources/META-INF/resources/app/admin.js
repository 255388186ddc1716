// Admin: teams, quotas, members, flavors, tokens (a new token shown once) and the audit log, as the API allows.
import { api, esc, time, toast } from './util.js';
import { whoami, stale, viewGen } from './app.js';

export async function adminView(main) {
  const gen = viewGen();
  const me = whoami();
  const teams = me.clusterAdmin ? (await api('/api/v1/teams')).items.map((t) => t.name) : Object.keys(me.teams || {});
  const details = await Promise.all(teams.map(async (t) => ({
    team: t,
    quotas: await api(`/api/v1/teams/${encodeURIComponent(t)}/quotas`).catch(() => null),
    members: await api(`/api/v1/teams/${encodeURIComponent(t)}/members`).catch(() => null),
  })));
  const tokens = await api(me.clusterAdmin ? '/api/v1/tokens?all=true' : '/api/v1/tokens').catch(() => ({ items: [] }));
  const flavors = await api('/api/v1/flavors').catch(() => ({ items: [] }));
  const audit = me.clusterAdmin ? await api('/api/v1/audit?limit=50').catch(() => null) : null;
  if (stale(gen)) return;
  main.innerHTML = `<h1>Admin</h1>
    ${me.clusterAdmin ? `<form class="filters" id="new-team"><label>New team<input name="name" required></label><button type="submit">Create team</button><span class="error" data-error-for="name"></span></form>` : ''}
    <h2>Teams</h2>${details.map((d) => `<section class="card" style="margin-bottom:12px" aria-label="team ${esc(d.team)}"><h3>${esc(d.team)}</h3>
      <div class="cols"><div><h4>Quotas</h4><table><thead><tr><th>Flavor</th><th class="num">Nominal</th><th class="num">Used</th><th class="num">Borrowing limit</th></tr></thead><tbody>
        ${d.quotas ? d.quotas.flavors.map((f) => `<tr><td>${esc(f.flavor)}</td><td class="num">${f.nominal}</td><td class="num">${f.used}</td><td class="num">${f.borrowingLimit ?? '–'}</td></tr>`).join('') : ''}</tbody></table>
        ${me.clusterAdmin ? `<form class="filters quota" data-team="${esc(d.team)}"><label>Flavor<input name="flavor" required></label><label>Nominal GPUs<input name="nominal" type="number" min="0" required></label><button type="submit">Set quota</button></form>` : ''}</div>
      <div><h4>Members</h4><table><thead><tr><th>Subject</th><th>Role</th></tr></thead><tbody>
        ${d.members ? d.members.items.map((m) => `<tr><td>${esc(m.subject)}</td><td>${esc(m.role)}</td></tr>`).join('') : '<tr><td colspan="2" class="muted">Team admins see members.</td></tr>'}</tbody></table>
        <form class="filters member" data-team="${esc(d.team)}"><label>Subject<input name="subject" required></label><label>Role<select name="role"><option>VIEWER</option><option selected>MEMBER</option><option>TEAM_ADMIN</option></select></label><button type="submit">Add or change</button></form></div></div>
      </section>`).join('') || '<p class="muted">No teams.</p>'}
    <h2>Flavors</h2><table><thead><tr><th>Name</th><th>Resource</th><th>GPU memory</th><th>Node labels</th></tr></thead><tbody>
      ${flavors.items.map((f) => `<tr><td>${esc(f.name)}</td><td>${esc(f.resourceName)}</td><td>${esc(f.gpuMemoryGb ?? '–')}</td><td>${esc(Object.entries(f.nodeLabels || {}).map(([k, v]) => `${k}=${v}`).join(', '))}</td></tr>`).join('')}</tbody></table>
    <h2>Tokens</h2>
    <form class="filters" id="new-token"><label>Name<input name="name" required></label><label>Subject<input name="subject" value="${esc(me.subject)}" required></label><button type="submit">Create token</button></form>
    <div id="new-secret" role="status"></div>
    <table id="tokens"><thead><tr><th>Prefix</th><th>Name</th><th>Subject</th><th>State</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
      ${tokens.items.map((t) => `<tr><td><code>${esc(t.prefix)}…</code></td><td>${esc(t.name)}</td><td>${esc(t.subject)}</td><td>${esc(t.state)}</td><td>${esc(time(t.createdAt))}</td><td>${esc(time(t.lastUsedAt))}</td>
        <td>${t.state === 'ACTIVE' ? `<button type="button" class="danger revoke" data-id="${esc(t.id)}">Revoke</button>` : ''}</td></tr>`).join('')}</tbody></table>
    ${audit ? `<h2>Audit log</h2><table><thead><tr><th>At</th><th>Actor</th><th>Action</th><th>Target</th></tr></thead><tbody>${audit.items.map((a) => `<tr><td>${esc(time(a.at))}</td><td>${esc(a.actor)}</td><td>${esc(a.action)}</td><td>${esc(a.target)}</td></tr>`).join('')}</tbody></table>` : ''}`;

  const act = (sel, fn) => main.querySelectorAll(sel).forEach((f) => f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await fn(f); } catch (e) { toast(e.message); }
  }));
  act('#new-team', async (f) => { await api('/api/v1/teams', { method: 'POST', body: { name: f.name.value.trim() } }); adminView(main); });
  act('form.quota', async (f) => {
    await api(`/api/v1/teams/${encodeURIComponent(f.dataset.team)}/quotas/${encodeURIComponent(f.flavor.value.trim())}`, { method: 'PUT', body: { nominal: Number(f.nominal.value) } });
    adminView(main);
  });
  act('form.member', async (f) => {
    await api(`/api/v1/teams/${encodeURIComponent(f.dataset.team)}/members/${encodeURIComponent(f.subject.value.trim())}`, { method: 'PUT', body: { role: f.role.value } });
    adminView(main);
  });
  act('#new-token', async (f) => {
    const t = await api('/api/v1/tokens', { method: 'POST', body: { name: f.name.value.trim(), subject: f.subject.value.trim() } });
    document.getElementById('new-secret').innerHTML = `<p class="card">New token for ${esc(t.subject)}, shown once: <code id="secret">${esc(t.token)}</code></p>`;
  });
  main.querySelectorAll('button.revoke').forEach((b) => b.addEventListener('click', async () => {
    try { await api(`/api/v1/tokens/${b.dataset.id}`, { method: 'DELETE' }); adminView(main); } catch (e) { toast(e.message); }
  }));
}
