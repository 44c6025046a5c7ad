// Two runs side by side: what newly fails, what was fixed, what still fails, new and removed tests, slower tests.
// `?with=<runId>` or `?base=<branch>`; without either the server picks the base (the previous run of the branch).
import { api, query as qs } from '../api.js';
import { h, link, section, errorBox, badge, resultStatus, formatDuration } from '../dom.js';

const LISTS = [
  ['newlyFailing', 'Newly failing'], ['fixed', 'Fixed'], ['stillFailing', 'Still failing'], ['newTests', 'New tests'],
  ['removedTests', 'Removed tests'], ['slower', 'Slower'],
];

export async function render(view, { params, query }) {
  const runId = Number(params[0]);
  document.title = `Compare #${runId} · Runboard`;
  view.append(h('p', { class: 'crumbs' }, link(`/runs/${runId}`, `Run #${runId}`)));
  const head = h('h1', null, `Run #${runId} compared`);
  view.append(head);
  let data;
  try {
    data = await api(`/api/test-runs/${runId}/compare${qs({ with: query.get('with'), base: query.get('base') })}`);
  } catch (e) {
    if (e.status === 404 && e.code === 'not_found' && /route/i.test(e.message)) {
      view.append(h('p', { class: 'muted' }, 'This server cannot compare runs yet.'));
      return;
    }
    view.append(errorBox(e));
    return;
  }
  head.replaceChildren(`Run #${runId} compared with `,
    data.baseRunId ? link(`/runs/${data.baseRunId}`, `#${data.baseRunId}`) : 'nothing');
  if (!data.baseRunId) {
    view.append(h('p', { class: 'muted' }, data.reason || 'There is no earlier run to compare with.'));
    return;
  }
  view.append(h('p', { class: 'muted compare-counts', id: 'compare-counts' }, LISTS.map(([key, label]) =>
    `${label}: ${(data[key] || []).length}`).join(' · ')));
  if (data.truncated) view.append(h('p', { class: 'notice' }, 'The lists are cut: the runs differ in more tests than are shown.'));
  for (const [key, label] of LISTS) {
    const items = data[key] || [];
    if (!items.length) continue;
    view.append(h('div', { id: `compare-${key}` }, section(`${label} (${items.length})`, h('ul', { class: 'compare-list' },
      items.map((t) => h('li', null,
        badge(resultStatus(t)), ' ',
        t.testId ? link(`/tests/${t.testId}`, (t.titlePath || [t.title]).join(' › ')) : (t.titlePath || [t.title]).join(' › '),
        t.playwrightProject ? h('span', { class: 'chip static' }, t.playwrightProject) : null,
        h('span', { class: 'muted small' }, ` ${t.file || ''}`),
        key === 'slower' ? h('span', { class: 'muted small' }, ` ${formatDuration(t.baseDuration)} → ${formatDuration(t.duration)}`)
          : null))))));
  }
}
