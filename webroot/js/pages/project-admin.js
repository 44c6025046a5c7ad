// A project's administration page: its webhooks (create, change, enable, send a test, rotate the secret, delete)
// and each webhook's delivery log.
import { api, query as qs } from '../api.js';
import { h, link, badge, section, errorBox, toast, formatTime, timeAgo } from '../dom.js';

const EVENTS = {
  'run.finished': 'Run finished (any end)',
  'run.failed': 'Run failed or timed out',
  'run.new-failures': 'New failures (passed in the previous run of the branch)',
  'run.interrupted': 'Run interrupted',
};
const FORMATS = { generic: 'Generic JSON', slack: 'Slack', teams: 'Microsoft Teams' };
const LOG_PAGE = 10;

export async function render(view, { params, app }) {
  if (!app.me || app.me.role !== 'administrator') {
    view.append(h('h1', null, 'Project settings'), h('p', null, 'This page is for administrators.'));
    return;
  }
  const projectId = Number(params[0]);
  let project;
  try {
    project = await api(`/api/projects/${projectId}`);
  } catch (e) {
    if (e.status === 404) {
      view.append(h('h1', null, 'No such project'), h('p', null, link('/admin', 'Administration')));
      return;
    }
    throw e;
  }
  document.title = `${project.name} settings · Runboard`;
  view.append(
    h('p', { class: 'crumbs' }, link('/admin', 'Administration'), ' › ', link(`/projects/${projectId}`, project.name)),
    h('h1', null, `${project.name}: settings`));

  const base = `/api/projects/${projectId}/webhooks`;
  const secretBox = h('div', { id: 'webhook-secret' });
  const list = h('div', { id: 'webhooks' });
  view.append(section('Webhooks',
    h('p', { class: 'muted' }, 'When a run of this project ends, Runboard posts to each enabled webhook whose events '
      + 'match, signed with its secret (header X-Runboard-Signature). Failed deliveries are retried for a day.'),
    webhookForm(null), secretBox, list));

  async function load() {
    const { webhooks } = await api(base);
    list.replaceChildren(...(webhooks.length ? webhooks.map(webhookBox)
      : [h('p', { class: 'muted' }, 'No webhooks yet.')]));
  }

  /** The secret of a new or rotated webhook, shown this once with a copy button. */
  function showSecret(webhook) {
    const value = h('input', { class: 'key-value', readonly: true, value: webhook.secret, 'aria-label': 'Webhook secret' });
    secretBox.replaceChildren(h('div', { class: 'notice' },
      h('p', null, h('strong', null, 'Copy this signing secret now: '),
        `it is shown only once (webhook ${webhook.name || webhook.url}).`),
      h('div', { class: 'copy-row' }, value, h('button', { type: 'button', class: 'copy', onclick: async () => {
        value.select();
        try {
          await navigator.clipboard.writeText(webhook.secret);
          toast('Secret copied.');
        } catch (e) {
          document.execCommand('copy');
          toast('Secret selected: copy it with Ctrl+C.');
        }
      } }, 'Copy'))));
  }

  /** The create form (webhook null), or the edit form of a webhook. */
  function webhookForm(webhook) {
    const message = h('div');
    const events = new Set(webhook ? webhook.events : ['run.failed']);
    const form = h('form', { class: 'webhook-form', dataset: webhook ? { webhookId: webhook.id } : {} },
      h('div', { class: 'inline-form' },
        h('label', { class: 'grow' }, 'URL', h('input', { name: 'url', type: 'url', required: true, maxlength: 2048,
          value: webhook ? webhook.url : '', placeholder: 'https://hooks.slack.com/services/…' })),
        h('label', null, 'Name', h('input', { name: 'name', maxlength: 100, value: webhook && webhook.name || '',
          placeholder: '#ci-alerts' })),
        h('label', null, 'Format', h('select', { name: 'format' }, Object.entries(FORMATS).map(([value, label]) =>
          h('option', { value, selected: webhook ? webhook.format === value : value === 'generic' }, label)))),
        webhook ? null : h('label', null, 'Secret (optional)', h('input', { name: 'secret', maxlength: 200,
          placeholder: 'generated when empty', autocomplete: 'off' }))),
      h('fieldset', { class: 'webhook-events' }, h('legend', null, 'Events'),
        Object.entries(EVENTS).map(([value, label]) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'events', value, checked: events.has(value) }), label))),
      h('div', { class: 'inline-form' },
        webhook ? null : h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'enabled', checked: true }),
          'Enabled'),
        h('button', { type: 'submit' }, webhook ? 'Save' : 'Add webhook')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.replaceChildren();
      const data = new FormData(form);
      const name = String(data.get('name')).trim();
      const body = { url: String(data.get('url')).trim(), format: data.get('format'), events: data.getAll('events') };
      try {
        if (webhook) {
          body.name = name || null;
          await api(`${base}/${webhook.id}`, { method: 'PATCH', body });
          toast('Webhook saved.');
        } else {
          if (name) body.name = name;
          const secret = String(data.get('secret')).trim();
          if (secret) body.secret = secret;
          body.enabled = data.get('enabled') === 'on';
          const created = await api(base, { method: 'POST', body });
          showSecret(created);
          form.reset();
          toast('Webhook added.');
        }
        await load();
      } catch (e) {
        message.append(errorBox(e));
      }
    });
    return h('div', null, form, message);
  }

  function webhookBox(webhook) {
    const log = h('div', { class: 'table-wrap' });
    const editBox = h('div', { hidden: true }, webhookForm(webhook));
    const message = h('div');
    const act = (label, action, cls = 'secondary small') => h('button', { type: 'button', class: cls,
      onclick: async () => {
        message.replaceChildren();
        try {
          await action();
        } catch (e) {
          message.append(errorBox(e));
        }
      } }, label);
    const box = h('div', { class: 'webhook', dataset: { webhookId: webhook.id } },
      h('div', { class: 'webhook-head' },
        h('strong', null, webhook.name || webhook.url),
        badge(webhook.enabled ? 'enabled' : 'disabled'),
        h('span', { class: 'chip static' }, FORMATS[webhook.format] || webhook.format),
        webhook.events.map((e) => h('span', { class: 'chip static' }, e))),
      webhook.name ? h('div', { class: 'muted small webhook-url' }, webhook.url) : null,
      h('div', { class: 'inline-form webhook-actions' },
        act('Send test', async () => {
          const delivery = await api(`${base}/${webhook.id}/test`, { method: 'POST' });
          toast(delivery.status === 'delivered' ? `Test delivered (HTTP ${delivery.responseCode}).`
            : `Test failed: ${delivery.error}`);
          await loadLog(true);
        }),
        act(webhook.enabled ? 'Disable' : 'Enable', async () => {
          await api(`${base}/${webhook.id}`, { method: 'PATCH', body: { enabled: !webhook.enabled } });
          toast(webhook.enabled ? 'Webhook disabled.' : 'Webhook enabled.');
          await load();
        }),
        act('Edit', async () => {
          editBox.hidden = !editBox.hidden;
        }),
        act('Rotate secret', async () => {
          if (!confirm('Make a new signing secret? Receivers that check the old one will refuse deliveries until '
            + 'they get the new one.')) return;
          showSecret(await api(`${base}/${webhook.id}`, { method: 'PATCH', body: { rotateSecret: true } }));
        }),
        act('Delete', async () => {
          if (!confirm(`Delete the webhook ${webhook.name || webhook.url} and its delivery log?`)) return;
          await api(`${base}/${webhook.id}`, { method: 'DELETE' });
          toast('Webhook deleted.');
          await load();
        }, 'danger small')),
      message, editBox, h('h3', null, 'Deliveries'), log);

    let cursor = null;
    const body = h('tbody');
    const more = h('button', { type: 'button', class: 'secondary small', hidden: true, onclick: () => loadLog(false) },
      'Older deliveries');
    log.append(h('table', { class: 'grid compact deliveries' },
      h('thead', null, h('tr', null, ['Status', 'Event', 'Run', 'Response', 'Attempts', 'Last attempt', 'Next retry',
        'Error'].map((t) => h('th', null, t)))), body), more);
    async function loadLog(reset) {
      const page = await api(`${base}/${webhook.id}/deliveries${qs({ limit: LOG_PAGE, cursor: reset ? null : cursor })}`);
      if (reset) body.replaceChildren();
      page.deliveries.forEach((d) => body.append(h('tr', { dataset: { deliveryId: d.id } },
        h('td', null, badge(d.status)),
        h('td', null, d.event),
        h('td', null, d.runId ? link(`/runs/${d.runId}`, `#${d.runId}`) : '–'),
        h('td', { class: 'num' }, d.responseCode == null ? '–' : String(d.responseCode)),
        h('td', { class: 'num' }, String(d.attempts)),
        h('td', null, d.lastAttemptAt ? timeAgo(d.lastAttemptAt) : '–'),
        h('td', null, d.status === 'pending' && d.nextAttemptAt ? formatTime(d.nextAttemptAt) : '–'),
        h('td', { class: 'err-cell', title: d.error || '' }, d.error || ''))));
      if (!body.children.length) body.append(h('tr', { class: 'empty' }, h('td', { colspan: 8 }, 'No deliveries yet.')));
      cursor = page.nextCursor;
      more.hidden = !cursor;
    }
    loadLog(true).catch((e) => log.append(errorBox(e)));
    return box;
  }

  await load();
}
