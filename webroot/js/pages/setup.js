// First-run setup: creates the first administrator while no account exists.
import { api } from '../api.js';
import { h, errorBox } from '../dom.js';

export async function render(view, { app }) {
  const status = await api('/api/auth/setup');
  if (!status.setupRequired) {
    app.navigate('/login', { replace: true });
    return;
  }
  const message = h('div');
  const form = h('form', { class: 'card narrow', novalidate: true },
    h('h1', null, 'Welcome to Runboard'),
    h('p', { class: 'muted' }, 'Create the first administrator account.'),
    h('label', null, 'Username', h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 100 })),
    h('label', null, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 })),
    h('label', null, 'Repeat the password', h('input', { name: 'repeat', type: 'password', autocomplete: 'new-password', required: true })),
    message,
    h('button', { type: 'submit' }, 'Create administrator'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const data = new FormData(form);
    if (data.get('password') !== data.get('repeat')) {
      message.append(errorBox('The passwords differ.'));
      return;
    }
    try {
      const me = await api('/api/auth/setup', { method: 'POST',
        body: { username: data.get('username'), password: data.get('password') } });
      await app.signedIn(me);
      app.navigate('/', { replace: true });
    } catch (e) {
      message.append(errorBox(e));
    }
  });
  view.append(form);
  form.querySelector('input').focus();
}
