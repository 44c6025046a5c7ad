// All projects with their latest run and pass rate.
import { api } from '../api.js';
import { h, link, badge, percent, timeAgo, toast } from '../dom.js';
import { listKeys } from '../runs.js';

export async function render(view, { page }) {
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More projects');
  view.append(h('h1', null, 'Projects'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, h('th', null, 'Project'), h('th', null, 'Tags'), h('th', null, 'Latest run'),
        h('th', null, 'Status'), h('th', null, 'Pass rate'), h('th', null, 'Last run'))),
      body)), more);
  let cursor = null;
  const load = async () => {
    const data = await api(`/api/projects?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    for (const p of data.projects) {
      const latest = p.latestRun;
      body.append(h('tr', null,
        h('td', null, link(`/projects/${p.id}`, p.name), p.description ? h('div', { class: 'muted small' }, p.description) : null),
        h('td', null, p.tags.map((t) => h('span', { class: 'chip static' }, t))),
        h('td', null, latest ? link(`/runs/${latest.id}`, `#${latest.id}`) : '–'),
        h('td', null, latest ? badge(latest.status) : '–'),
        h('td', { class: 'num', title: `over the last ${p.passRateRuns} finished runs` }, percent(p.passRate)),
        h('td', null, latest ? timeAgo(latest.startTime) : '–')));
    }
    if (!body.children.length) body.append(h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No projects yet.')));
    cursor = data.nextCursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => load().catch((e) => toast(e.message)));
  await load();
  page.dispose = listKeys(view, 'tbody a');
}
