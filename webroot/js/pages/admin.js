// Administration: users and roles, API keys (shown once, with a copy button), projects (with a link to each one's
// settings: webhooks), run deletion.
import { api } from '../api.js';
import { h, link, badge, section, errorBox, toast, formatTime, timeAgo } from '../dom.js';
import { keysTable, newKeyForm } from './keys.js';

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
  const runsBox = h('div');
  view.append(
    section('Users', userForm(), usersBox),
    section('API keys', keyFormBox, keysBox),
    section('Projects', projectsBox),
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

  async function loadRuns() {
    const { runs } = await api('/api/test-runs?limit=50');
    runsBox.replaceChildren(runs.length ? h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Project'), h('th', null, 'Status'), h('th', null, 'Started'), h('th', null, ''))),
      h('tbody', null, runs.map((run) => {
        const tr = h('tr', null, h('td', null, link(`/runs/${run.id}`, `#${run.id}`)), h('td', null, run.projectName),
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
  await Promise.all([reloadAll(), loadProjects(), loadRuns()]);
}
