// API keys: the list (with revoke) and the form that creates one and shows it once, with a copy button.
import { api } from '../api.js';
import { h, formatTime, errorBox, toast } from '../dom.js';

export function keysTable(keys, reload, users) {
  if (!keys.length) return h('p', { class: 'muted' }, 'No API keys yet.');
  const byId = new Map((users || []).map((u) => [u.id, u.username]));
  return h('table', { class: 'grid' },
    h('thead', null, h('tr', null, h('th', null, 'Name'), users ? h('th', null, 'Account') : null, h('th', null, 'Prefix'),
      h('th', null, 'Created'), h('th', null, 'Last used'), h('th', null, 'Expires'), h('th', null, ''))),
    h('tbody', null, keys.map((key) => h('tr', null,
      h('td', null, key.name),
      users ? h('td', null, byId.get(key.userId) || `#${key.userId}`) : null,
      h('td', null, h('code', null, `${key.prefix}…`)),
      h('td', null, formatTime(key.createdAt)),
      h('td', null, key.lastUsedAt ? formatTime(key.lastUsedAt) : 'never'),
      h('td', null, key.expiresAt ? formatTime(key.expiresAt) : 'never'),
      h('td', null, key.revokedAt ? h('span', { class: 'muted' }, 'revoked')
        : h('button', { type: 'button', class: 'danger small', onclick: async () => {
          if (!confirm(`Revoke the key "${key.name}"? Clients using it stop working.`)) return;
          try {
            await api(`/api/keys/${key.id}`, { method: 'DELETE' });
            toast('Key revoked.');
            await reload();
          } catch (e) {
            toast(e.message);
          }
        } }, 'Revoke'))))));
}

/** The form; users (administrators) adds an account picker. */
export function newKeyForm(reload, users) {
  const result = h('div', { class: 'new-key' });
  const form = h('form', { class: 'inline-form' },
    h('label', null, 'Name', h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'GitHub Actions' })),
    users ? h('label', null, 'For account', h('select', { name: 'userId' },
      users.map((u) => h('option', { value: u.id }, `${u.username} (${u.role})`)))) : null,
    h('label', null, 'Expires in days', h('input', { name: 'days', type: 'number', min: 1, max: 3650, placeholder: 'never' })),
    h('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.replaceChildren();
    const data = new FormData(form);
    const body = { name: data.get('name') };
    if (data.get('userId')) body.userId = Number(data.get('userId'));
    if (data.get('days')) body.expiresInDays = Number(data.get('days'));
    try {
      const created = await api('/api/keys', { method: 'POST', body });
      const value = h('input', { class: 'key-value', readonly: true, value: created.key, 'aria-label': 'The new API key' });
      result.append(h('div', { class: 'notice' },
        h('p', null, h('strong', null, 'Copy this key now: '), 'it is shown only once.'),
        h('div', { class: 'copy-row' }, value,
          h('button', { type: 'button', class: 'copy', onclick: async () => {
            value.select();
            try {
              await navigator.clipboard.writeText(created.key);
              toast('Key copied.');
            } catch (e) {
              document.execCommand('copy');
              toast('Key selected: copy it with Ctrl+C.');
            }
          } }, 'Copy'))));
      form.reset();
      await reload();
    } catch (e) {
      result.append(errorBox(e));
    }
  });
  return h('div', null, form, result);
}
