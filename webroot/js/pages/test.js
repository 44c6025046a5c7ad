// One test across runs: a status strip, a duration chart and the history table.
import { api } from '../api.js';
import { h, append, link, badge, resultStatus, formatDuration, formatTime, shortSha, section, toast } from '../dom.js';
import { lineChart } from '../charts.js';
import { stripAnsi } from '../ansi.js';

export async function render(view, { params, app, page }) {
  const testId = Number(params[0]);
  let data;
  try {
    data = await api(`/api/tests/${testId}/history?limit=100`);
  } catch (e) {
    if (e.status === 404) {
      view.append(h('h1', null, 'No such test'), h('p', null, link('/', 'Back to the runs.')));
      return;
    }
    throw e;
  }
  const { test } = data;
  let history = data.history;
  let cursor = data.nextCursor;
  document.title = `${test.title} · Runboard`;
  append(view, [
    h('p', { class: 'crumbs' }, link(`/projects/${test.projectId}`, test.projectName), ' › ', h('span', null, test.file)),
    h('h1', null, test.titlePath.join(' › ')),
    test.playwrightProject ? h('p', null, h('span', { class: 'chip static' }, test.playwrightProject)) : null]);
  const strip = h('div', { class: 'strip', role: 'list', 'aria-label': 'Results, oldest to newest' });
  const chartBox = h('div', { class: 'charts one' });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: !cursor }, 'Older runs');
  view.append(section('Status in the last runs', strip), section('Duration', chartBox),
    section('History', h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, h('th', null, 'Run'), h('th', null, 'Status'), h('th', null, 'Duration'),
        h('th', null, 'Retries'), h('th', null, 'Branch'), h('th', null, 'Commit'), h('th', null, 'Started'), h('th', null, 'Error'))),
      body)), more));
  let chart = null;
  page.dispose = () => chart && chart.destroy();

  const draw = () => {
    const oldestFirst = [...history].reverse();
    strip.replaceChildren(...oldestFirst.map((e) => {
      const status = resultStatus({ status: e.status, outcome: e.outcome, retry: e.retries });
      return h('a', { href: `/runs/${e.runId}`, dataset: { link: '' }, role: 'listitem', class: `cell st-${status.toLowerCase()}`,
        title: `#${e.runId} ${status} ${formatDuration(e.duration)} · ${formatTime(e.startTime)}`, 'aria-label': `Run ${e.runId}: ${status}` });
    }));
    body.replaceChildren(...history.map((e) => h('tr', null,
      h('td', null, link(`/runs/${e.runId}`, `#${e.runId}`)),
      h('td', null, badge(resultStatus({ status: e.status, outcome: e.outcome, retry: e.retries }))),
      h('td', { class: 'num' }, formatDuration(e.duration)),
      h('td', { class: 'num' }, String(e.retries)),
      h('td', null, e.branch || '–'),
      h('td', null, e.commit ? h('code', null, shortSha(e.commit)) : '–'),
      h('td', null, formatTime(e.startTime)),
      h('td', { class: 'err-cell' }, e.errorMessage ? stripAnsi(e.errorMessage).split('\n')[0] : ''))));
    if (chart) chart.destroy();
    chartBox.replaceChildren();
    if (oldestFirst.length >= 2) {
      chart = lineChart({ title: 'Duration per run', x: oldestFirst.map((e) => Math.floor(new Date(e.startTime).getTime() / 1000)),
        yFormat: (v) => formatDuration(Math.round(v)), onClick: (i) => app.navigate(`/runs/${oldestFirst[i].runId}`),
        series: [{ label: 'duration', color: '--accent', values: oldestFirst.map((e) => e.duration) }] });
      chartBox.append(chart.el);
    } else {
      chartBox.append(h('p', { class: 'muted' }, 'The chart appears once the test has run twice.'));
    }
  };
  more.addEventListener('click', async () => {
    try {
      const next = await api(`/api/tests/${testId}/history?limit=100&cursor=${cursor}`);
      history = history.concat(next.history);
      cursor = next.nextCursor;
      more.hidden = !cursor;
      draw();
    } catch (e) {
      toast(e.message);
    }
  });
  draw();
}
