// Administration: users and roles, API keys (shown once, with a copy button), projects (with a link to each one's
// settings: webhooks), retention and storage use, run deletion.
import { api } from '../api.js';
import { h, link, badge, section, errorBox, toast, formatTime, timeAgo } from '../dom.js';
import { keysTable, newKeyForm } from './keys.js';
import { retentionForm, summary, formatBytes } from '../retention.js';

const ROLES = ['viewer', 'reporter', 'administrator'];

export async function render(view, { app }) {
  if (!app.me || app.me.role !== 'administrator') {
    view.append(h('h1', null, 'Administration'), h('p', null, 'This page is for administrators.'));
    return;
  }
  view.append(h('h1', null, 'Administration'));
  const usersBox = h('div');
  const keysBox = h('div');
  const keyFormBox = h('div');
  const projectsBox = h('div');
  const usageBox = h('div');
  const runsBox = h('div');
  view.append(
    section('Users', userForm(), usersBox),
    section('API keys', keyFormBox, keysBox),
    section('Projects', projectsBox),
    section('Retention and storage', usageBox),
    section('Recent runs', runsBox));

  let users = [];
  async function loadUsers() {
    ({ users } = await api('/api/users'));
    usersBox.replaceChildren(h('table', { class: 'grid', id: 'users' },
      h('thead', null, h('tr', null, h('th', null, 'Username'), h('th', null, 'Role'), h('th', null, 'Created'), h('th', null, ''))),
      h('tbody', null, users.map((u) => {
        const role = h('select', { 'aria-label': `Role of ${u.username}` },
          ROLES.map((r) => h('option', { value: r, selected: r === u.role }, r)));
        role.addEventListener('change', async () => {
          try {
            await api(`/api/users/${u.id}`, { method: 'PATCH', body: { role: role.value } });
            toast(`${u.username} is now ${role.value}.`);
          } catch (e) {
            toast(e.message);
            role.value = u.role;
          }
        });
        return h('tr', null, h('td', null, u.username, u.id === app.me.id ? h('span', { class: 'muted' }, ' (you)') : null),
          h('td', null, role), h('td', null, formatTime(u.createdAt)),
          h('td', null, h('button', { type: 'button', class: 'danger small', onclick: async () => {
            if (!confirm(`Delete the account ${u.username} and its keys?`)) return;
            try {
              await api(`/api/users/${u.id}`, { method: 'DELETE' });
              toast(`${u.username} deleted.`);
              await reloadAll();
            } catch (e) {
              toast(e.message);
            }
          } }, 'Delete')));
      }))));
  }

  function userForm() {
    const message = h('div');
    const form = h('form', { class: 'inline-form', id: 'new-user' },
      h('label', null, 'Username', h('input', { name: 'username', required: true, maxlength: 100 })),
      h('label', null, 'Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
      h('label', null, 'Role', h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, r)))),
      h('button', { type: 'submit' }, 'Create user'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.replaceChildren();
      const data = new FormData(form);
      try {
        await api('/api/users', { method: 'POST',
          body: { username: data.get('username'), password: data.get('password'), role: data.get('role') } });
        toast(`${data.get('username')} created.`);
        form.reset();
        await reloadAll();
      } catch (e) {
        message.append(errorBox(e));
      }
    });
    return h('div', null, form, message);
  }

  async function loadKeys() {
    const lists = await Promise.all(users.map((u) => api(`/api/keys?userId=${u.id}`).then((r) => r.keys)));
    keysBox.replaceChildren(keysTable(lists.flat().sort((a, b) => b.id - a.id), loadKeys, users));
  }

  async function loadProjects() {
    const { projects } = await api('/api/projects?limit=200');
    projectsBox.replaceChildren(projects.length ? h('div', { class: 'project-edits' }, projects.map(projectForm))
      : h('p', { class: 'muted' }, 'No projects yet.'));
  }

  function projectForm(p) {
    const message = h('div');
    const form = h('form', { class: 'inline-form project-edit', dataset: { projectId: p.id } },
      h('label', null, 'Name', h('input', { name: 'name', value: p.name, required: true, maxlength: 100 })),
      h('label', { class: 'grow' }, 'Description', h('input', { name: 'description', value: p.description || '', maxlength: 2000 })),
      h('label', null, 'Tags (comma-separated)', h('input', { name: 'tags', value: p.tags.join(', ') })),
      h('button', { type: 'submit' }, 'Save'), ' ', link(`/projects/${p.id}`, 'open'), ' ',
      link(`/admin/projects/${p.id}`, 'webhooks'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.replaceChildren();
      const data = new FormData(form);
      const description = String(data.get('description')).trim();
      try {
        await api(`/api/projects/${p.id}`, { method: 'PATCH', body: {
          name: String(data.get('name')).trim(), description: description || null,
          tags: String(data.get('tags')).split(',').map((t) => t.trim()).filter(Boolean) } });
        toast('Project saved.');
      } catch (e) {
        message.append(errorBox(e));
      }
    });
    return h('div', { class: 'project-edit-box' }, form, message);
  }

  async function loadUsage() {
    const usage = await api('/api/admin/usage');
    const d = usage.defaults;
    const columns = 10;
    const rows = usage.projects.map((p) => {
      const retention = h('span', { class: 'retention-summary' }, summary(p.effective));
      const edit = h('button', { type: 'button', class: 'secondary small', 'aria-expanded': 'false',
        'aria-label': `Edit the retention of ${p.projectName}` }, 'Edit');
      const formRow = h('tr', { class: 'retention-row', hidden: true },
        h('td', { colspan: columns }, retentionForm(p.projectId, p.retention, d, (saved) => {
          retention.textContent = summary(saved.effective);
          formRow.hidden = true;
          edit.setAttribute('aria-expanded', 'false');
        })));
      edit.addEventListener('click', () => {
        formRow.hidden = !formRow.hidden;
        edit.setAttribute('aria-expanded', String(!formRow.hidden));
        if (!formRow.hidden) {
          // On a narrow screen the table has scrolled to this button: back to the project's name and the form.
          edit.closest('.table-wrap').scrollLeft = 0;
          formRow.querySelector('input').focus({ preventScroll: true });
        }
      });
      return [h('tr', { dataset: { projectId: p.projectId } },
        h('td', null, link(`/projects/${p.projectId}`, p.projectName)),
        h('td', { class: 'num' }, p.runs.toLocaleString()),
        h('td', { class: 'num' }, p.pinnedRuns.toLocaleString()),
        h('td', { class: 'num' }, p.results.toLocaleString()),
        h('td', { class: 'num' }, p.attempts.toLocaleString()),
        h('td', { class: 'num' }, p.files.toLocaleString()),
        h('td', { class: 'num', title: `${p.filesBytes.toLocaleString()} bytes` }, formatBytes(p.filesBytes)),
        h('td', null, p.oldestRunStart ? timeAgo(p.oldestRunStart) : '–'),
        h('td', null, retention), h('td', null, edit)), formRow];
    });
    const t = usage.totals;
    usageBox.replaceChildren(
      h('p', { class: 'muted' }, `Defaults (configuration): ${summary(d)}. A project's own values win; `
        + 'pinned and running runs are never removed.'),
      usage.projects.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid compact', id: 'usage' },
        h('thead', null, h('tr', null, ['Project', 'Runs', 'Pinned', 'Results', 'Attempts', 'Files', 'Size',
          'Oldest run', 'Retention', ''].map((c, i) => h('th', { class: i > 0 && i < 7 ? 'num' : null }, c)))),
        h('tbody', null, rows),
        h('tfoot', null, h('tr', null, h('th', null, 'All projects'),
          [t.runs, t.pinnedRuns, t.results, t.attempts, t.files].map((n) => h('th', { class: 'num' }, n.toLocaleString())),
          h('th', { class: 'num' }, formatBytes(t.filesBytes)), h('th', { colspan: 3 }, '')))))
        : h('p', { class: 'muted' }, 'No projects yet.'));
  }

  async function loadRuns() {
    const { runs } = await api('/api/test-runs?limit=50');
    runsBox.replaceChildren(runs.length ? h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Project'), h('th', null, 'Status'), h('th', null, 'Started'), h('th', null, ''))),
      h('tbody', null, runs.map((run) => {
        const tr = h('tr', null, h('td', null, link(`/runs/${run.id}`, `#${run.id}`),
          run.pinned ? h('span', { class: 'pin-mark', title: 'Pinned: retention keeps it' }, 'pinned') : null),
          h('td', null, run.projectName),
          h('td', null, badge(run.status)), h('td', null, timeAgo(run.startTime)),
          h('td', null, h('button', { type: 'button', class: 'danger small', onclick: async () => {
            if (!confirm(`Delete run #${run.id} of ${run.projectName}, its results and files?`)) return;
            try {
              await api(`/api/test-runs/${run.id}`, { method: 'DELETE' });
              tr.remove();
              toast(`Run #${run.id} deleted.`);
            } catch (e) {
              toast(e.message);
            }
          } }, 'Delete')));
        return tr;
      }))) : h('p', { class: 'muted' }, 'No runs yet.'));
  }

  /** After the accounts changed: the key form's account list follows (a key shown by the form stays until then). */
  async function reloadAll() {
    await loadUsers();
    keyFormBox.replaceChildren(newKeyForm(loadKeys, users));
    await loadKeys();
  }
  await Promise.all([reloadAll(), loadProjects(), loadUsage(), loadRuns()]);
}
