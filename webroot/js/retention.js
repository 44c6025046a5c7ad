// Retention settings of a project (administrators): how long runs and files are kept, shown and edited the same
// way on the admin page and the project page.
import { api } from './api.js';
import { h, append, clear, errorBox, toast } from './dom.js';

export const FIELDS = [
  { key: 'runsDays', label: 'Keep runs (days)', max: 36500 },
  { key: 'keepRuns', label: 'Keep newest runs', max: 1000000 },
  { key: 'filesDays', label: 'Keep files (days)', max: 36500 },
];

/** One setting in words: 0 is no limit. */
export function describe(key, value) {
  if (key === 'runsDays') return value ? `runs ${value} days` : 'runs forever';
  if (key === 'keepRuns') return value ? `newest ${value} runs` : 'no run limit';
  return value ? `files ${value} days` : 'files as long as their run';
}

/** "runs 90 days · newest 500 runs · files 14 days", from effective values. */
export function summary(effective) {
  return FIELDS.map(({ key }) => describe(key, effective[key])).join(' · ');
}

export function formatBytes(bytes) {
  if (bytes == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * The form for a project's overrides: an empty field uses the default (shown as its placeholder), 0 is no limit.
 * `own`: the project's values ({runsDays, keepRuns, filesDays}, null when not set); `defaults`: the configured
 * ones; `onSaved(answer)` gets the answer of PUT /api/projects/{id}/retention.
 */
export function retentionForm(projectId, own, defaults, onSaved) {
  const message = h('div');
  const inputs = {};
  const form = h('form', { class: 'inline-form retention-form', dataset: { projectId } },
    FIELDS.map(({ key, label, max }) => {
      inputs[key] = h('input', { name: key, type: 'number', min: 0, max, step: 1, inputmode: 'numeric',
        value: own[key] == null ? '' : own[key], placeholder: `default: ${defaults[key]}`,
        'aria-describedby': `retention-help-${projectId}` });
      return h('label', null, label, inputs[key]);
    }),
    h('button', { type: 'submit' }, 'Save retention'));
  const help = h('p', { class: 'muted small', id: `retention-help-${projectId}` },
    'Empty: the default applies. 0: no limit. Pinned and running runs are always kept.');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    Object.values(inputs).forEach((input) => input.removeAttribute('aria-invalid'));
    const body = {};
    for (const { key } of FIELDS) {
      const text = inputs[key].value.trim();
      body[key] = text === '' ? null : Number(text);
    }
    try {
      const saved = await api(`/api/projects/${projectId}/retention`, { method: 'PUT', body });
      toast('Retention saved; it applies at the next pass of the retention job.');
      if (onSaved) onSaved(saved);
    } catch (e) {
      if (e.field && inputs[e.field]) {
        inputs[e.field].setAttribute('aria-invalid', 'true');
        inputs[e.field].focus();
      }
      append(message, errorBox(e));
    }
  });
  return h('div', { class: 'retention-edit' }, form, help, message);
}
