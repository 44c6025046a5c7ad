// Who am I: the account, and its own API keys (a reporter's CI key, for example).
import { api } from '../api.js';
import { h, section, formatTime } from '../dom.js';
import { keysTable, newKeyForm } from './keys.js';

export async function render(view, { app }) {
  const me = await api('/api/auth/me');
  view.append(h('h1', null, 'Your account'),
    section('Signed in as',
      h('dl', { class: 'facts' },
        h('dt', null, 'Username'), h('dd', { id: 'me-username' }, me.username),
        h('dt', null, 'Role'), h('dd', { id: 'me-role' }, me.role),
        h('dt', null, 'Signed in with'), h('dd', null, me.authentication === 'apiKey' ? 'an API key' : 'a session'),
        h('dt', null, 'Account created'), h('dd', null, formatTime(me.createdAt))),
      h('button', { type: 'button', class: 'secondary', onclick: () => app.signOut() }, 'Sign out')));
  const keys = h('div');
  const reload = async () => {
    const { keys: list } = await api('/api/keys');
    keys.replaceChildren(keysTable(list, reload));
  };
  view.append(section('Your API keys', newKeyForm(reload), keys));
  await reload();
}
