// Sign in with username and password; then back to the page that asked for it.
import { api } from '../api.js';
import { h, errorBox } from '../dom.js';

export async function render(view, { app, query }) {
  const message = h('div');
  const form = h('form', { class: 'card narrow' },
    h('h1', null, 'Sign in'),
    h('label', null, 'Username', h('input', { name: 'username', autocomplete: 'username', required: true })),
    h('label', null, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    message,
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const data = new FormData(form);
    try {
      const me = await api('/api/auth/login', { method: 'POST',
        body: { username: data.get('username'), password: data.get('password') } });
      await app.signedIn(me);
      const next = query.get('next');
      app.navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      message.append(errorBox(e));
    }
  });
  view.append(form);
  form.querySelector('input').focus();
}
