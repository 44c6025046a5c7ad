// One project: a branch that filters the whole page (trends, runs, flaky and slowest tests), its runs (filters),
// trend charts, error groups, flaky and slowest tests, and a search of its tests by file or title.
import { api, query as qs } from '../api.js';
import { h, link, percent, formatDuration, section, errorBox, toast, timeAgo, resultStatus } from '../dom.js';
import { runsTableHead, runRow, listKeys } from '../runs.js';
import { lineChart } from '../charts.js';
import { retentionForm, summary } from '../retention.js';

const STATUSES = ['', 'running', 'passed', 'failed', 'timedout', 'interrupted'];

export async function render(view, { params, query, app, page }) {
  const projectId = Number(params[0]);
  let project;
  try {
    project = await api(`/api/projects/${projectId}`);
  } catch (e) {
    if (e.status === 404) {
      view.append(h('h1', null, 'No such project'), h('p', null, link('/projects', 'All projects')));
      return;
    }
    throw e;
  }
  document.title = `${project.name} · Runboard`;
  const charts = [];
  const disposers = [];
  page.dispose = () => {
    charts.forEach((c) => c.destroy());
    disposers.forEach((d) => d());
  };

  view.append(h('div', { class: 'page-head' }, h('h1', null, project.name),
    project.tags.map((t) => h('span', { class: 'chip static' }, t)),
    app.me && app.me.role === 'administrator' ? link(`/admin/projects/${projectId}`, 'Settings and webhooks') : null));
  if (project.description) view.append(h('p', { class: 'muted' }, project.description));
  view.append(h('p', { class: 'muted' }, `Pass rate ${percent(project.passRate)} over the last ${project.passRateRuns} finished runs.`));

  // The branch: trends, runs, flaky and slowest tests read only its runs (the URL keeps it).
  const branch = h('input', { type: 'search', name: 'branch', id: 'project-branch', list: 'project-branches',
    placeholder: 'All branches', maxlength: 500, value: query.get('branch') || '', 'aria-label': 'Branch' });
  const branches = h('datalist', { id: 'project-branches' });
  const branchForm = h('form', { class: 'inline-form branch-filter', role: 'search', 'aria-label': 'Branch' },
    h('label', { for: 'project-branch' }, 'Branch'), branch, branches,
    h('button', { type: 'submit' }, 'Show'), h('button', { type: 'button', class: 'secondary', id: 'project-branch-clear',
      onclick: () => {
        branch.value = '';
        applyBranch();
      } }, 'All branches'));
  view.append(branchForm);
  const currentBranch = () => branch.value.trim();
  const onBranch = [];
  const applyBranch = () => {
    app.setQuery({ branch: currentBranch() });
    onBranch.forEach((reload) => reload());
  };
  branchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    applyBranch();
  });
  branch.addEventListener('change', applyBranch);
  api(`/api/projects/${projectId}/runs?limit=200`).then(({ runs }) => {
    const seen = [...new Set(runs.map((r) => r.branch).filter(Boolean))].slice(0, 50);
    branches.replaceChildren(...seen.map((b) => h('option', { value: b })));
  }).catch(() => {});
  const ofBranch = () => (currentBranch() ? ` on ${currentBranch()}` : '');

  // Trends
  const trendBox = h('div', { class: 'charts' });
  const trendSection = section('Trends (last 50 runs)', trendBox);
  view.append(trendSection);
  const loadTrends = () => api(`/api/projects/${projectId}/trends${qs({ runs: 50, branch: currentBranch() })}`).then(({ runs }) => {
    charts.splice(0).forEach((c) => c.destroy());
    trendBox.replaceChildren();
    trendSection.querySelector('h2').textContent = `Trends (last 50 runs${ofBranch()})`;
    if (runs.length < 2) {
      trendBox.append(h('p', { class: 'muted' }, `Charts appear once the project has two runs${ofBranch()}.`));
      return;
    }
    const x = runs.map((r) => Math.floor(new Date(r.startTime).getTime() / 1000));
    const open = (i) => app.navigate(`/runs/${runs[i].runId}`);
    for (const chart of [
      lineChart({ title: 'Pass rate', x, onClick: open, yFormat: (v) => `${Math.round(v)}%`,
        series: [{ label: 'pass rate', color: '--pass', values: runs.map((r) => (r.passRate == null ? null : r.passRate * 100)) }] }),
      lineChart({ title: 'Duration: run (left axis), tests p50 and p90 (right axis)', x, onClick: open,
        yFormat: (v) => formatDuration(Math.round(v)), y2Format: (v) => formatDuration(Math.round(v)),
        series: [
          { label: 'run', color: '--accent', values: runs.map((r) => r.duration) },
          { label: 'test p50', color: '--pass', values: runs.map((r) => r.testDurationP50), right: true },
          { label: 'test p90', color: '--warn', values: runs.map((r) => r.testDurationP90), right: true }] }),
      lineChart({ title: 'Tests per run', x, onClick: open, yFormat: (v) => String(Math.round(v)),
        series: [
          { label: 'passed', color: '--pass', values: runs.map((r) => r.counts.passed) },
          { label: 'failed', color: '--fail', values: runs.map((r) => r.counts.failed + r.counts.timedOut + r.counts.interrupted) },
          { label: 'flaky', color: '--flaky', values: runs.map((r) => r.counts.flaky) },
          { label: 'skipped', color: '--skip', values: runs.map((r) => r.counts.skipped) }] }),
    ]) {
      charts.push(chart);
      trendBox.append(chart.el);
    }
  }).catch((e) => trendBox.replaceChildren(errorBox(e)));
  loadTrends();
  onBranch.push(loadTrends);

  // Runs with filters
  const status = h('select', { name: 'status', 'aria-label': 'Status' },
    STATUSES.map((s) => h('option', { value: s, selected: s === (query.get('status') || '') }, s || 'any status')));
  const from = h('input', { name: 'from', type: 'date', value: query.get('from') || '', 'aria-label': 'From date' });
  const to = h('input', { name: 'to', type: 'date', value: query.get('to') || '', 'aria-label': 'To date' });
  const body = h('tbody', { id: 'runs' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older runs');
  const message = h('div');
  const form = h('form', { class: 'inline-form' }, status, from, to, h('button', { type: 'submit' }, 'Filter'));
  view.append(section('Runs', form, message,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid runs' }, runsTableHead(false), body)), more));
  let cursor = null;
  const filters = () => ({ status: status.value, branch: currentBranch(), from: from.value,
    to: to.value ? nextDay(to.value) : '' });
  const load = async (reset) => {
    message.replaceChildren();
    try {
      const data = await api(`/api/projects/${projectId}/runs${qs({ ...filters(), limit: 25, cursor: reset ? null : cursor })}`);
      if (reset) body.replaceChildren();
      data.runs.forEach((run) => body.append(runRow(run, false)));
      if (!body.children.length) body.append(h('tr', null, h('td', { colspan: 8, class: 'muted' }, 'No runs match.')));
      cursor = data.nextCursor;
      more.hidden = !cursor;
    } catch (e) {
      message.append(errorBox(e));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    app.setQuery({ status: status.value, from: from.value, to: to.value });
    load(true);
  });
  more.addEventListener('click', () => load(false));
  onBranch.push(() => load(true));
  await load(true);
  disposers.push(listKeys(view, 'a.run-link'));

  // Error groups: the same failure across the project's runs
  const errorsBox = h('div', { id: 'error-groups' });
  view.append(section('Errors (last 30 days)', errorsBox));
  api(`/api/projects/${projectId}/failure-groups?days=30&limit=200`).then(({ groups: fingerprints }) => {
    const groups = bySignature(fingerprints).slice(0, 20);
    errorsBox.append(groups.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid compact errors' },
      h('thead', null, h('tr', null, h('th', null, 'Error'), h('th', null, 'Runs'), h('th', null, 'Tests'), h('th', null, 'Last seen'))),
      h('tbody', null, groups.map((g) => h('tr', null,
        h('td', { class: 'signature-cell' }, h('code', { title: g.signature }, firstLines(g.signature))),
        h('td', { class: 'num', title: g.merged > 1 ? `The same error in ${g.merged} places; at least this many runs` : null },
          String(g.runs)),
        h('td', { class: 'num' }, String(g.tests)),
        h('td', null, g.lastRunId ? link(`/runs/${g.lastRunId}`, timeAgo(g.lastSeen)) : timeAgo(g.lastSeen)))))))
      : h('p', { class: 'muted' }, 'No failures in the last 30 days.'));
  }).catch((e) => errorsBox.append(errorBox(e)));

  // Flaky and slowest tests
  const flakyBox = h('div');
  const slowBox = h('div');
  const flakySection = section('Flaky tests (last 20 runs)', flakyBox);
  const slowSection = section('Slowest tests (last 20 runs)', slowBox);
  view.append(h('div', { class: 'two-col' }, flakySection, slowSection));
  const loadFlaky = () => api(`/api/projects/${projectId}/flaky-tests${qs({ runs: 20, limit: 20, branch: currentBranch() })}`).then(({ tests }) => {
    flakySection.querySelector('h2').textContent = `Flaky tests (last 20 runs${ofBranch()})`;
    flakyBox.replaceChildren(tests.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, h('th', null, 'Test'), h('th', null, 'Flake rate'), h('th', null, 'Last flake'))),
      h('tbody', null, tests.map((t) => h('tr', null,
        h('td', null, link(`/tests/${t.testId}`, t.titlePath.join(' › ')), h('div', { class: 'muted small' }, t.file)),
        h('td', { class: 'num', title: `${t.flakyRuns} of ${t.runs} runs` }, `${percent(t.flakeRate)} (${t.flakyRuns}/${t.runs})`),
        h('td', null, link(`/runs/${t.lastFlakyRunId}`, timeAgo(t.lastFlakyAt))))))))
      : h('p', { class: 'muted' }, `No flaky tests in the last 20 runs${ofBranch()}.`));
  }).catch((e) => flakyBox.replaceChildren(errorBox(e)));
  const loadSlow = () => api(`/api/projects/${projectId}/slowest-tests${qs({ runs: 20, limit: 20, branch: currentBranch() })}`).then(({ tests }) => {
    slowSection.querySelector('h2').textContent = `Slowest tests (last 20 runs${ofBranch()})`;
    slowBox.replaceChildren(tests.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, h('th', null, 'Test'), h('th', null, 'Mean'), h('th', null, 'p90'), h('th', null, 'Trend'))),
      h('tbody', null, tests.map((t) => h('tr', null,
        h('td', null, link(`/tests/${t.testId}`, t.titlePath.join(' › ')), h('div', { class: 'muted small' }, t.file)),
        h('td', { class: 'num' }, formatDuration(t.meanDuration)),
        h('td', { class: 'num' }, formatDuration(t.p90Duration)),
        h('td', null, sparkline(t.trend.map((p) => p.duration))))))))
      : h('p', { class: 'muted' }, `No timed results yet${ofBranch()}.`));
  }).catch((e) => slowBox.replaceChildren(errorBox(e)));
  loadFlaky();
  loadSlow();
  onBranch.push(loadFlaky, loadSlow);

  // Tests: find one by file or title, with its last results; each opens its history.
  const testQuery = h('input', { type: 'search', id: 'test-search', name: 'test', placeholder: 'Find a test by title or file',
    maxlength: 200, value: query.get('test') || '', 'aria-label': 'Find a test by title or file' });
  const testResults = h('div', { id: 'test-results' });
  const testMore = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More tests');
  view.append(section('Tests', h('form', { class: 'inline-form', role: 'search', 'aria-label': 'Find tests',
    onsubmit: (event) => {
      event.preventDefault();
      findTests(true);
    } }, testQuery), testResults, testMore));
  let testCursor = null;
  let testGeneration = 0;
  const testBody = h('tbody');
  async function findTests(reset) {
    const q = testQuery.value.trim();
    app.setQuery({ test: q });
    const mine = reset ? ++testGeneration : testGeneration;
    if (!q) {
      testResults.replaceChildren(h('p', { class: 'muted' }, 'Type part of a test title or file name.'));
      testMore.hidden = true;
      return;
    }
    try {
      const data = await api(`/api/projects/${projectId}/tests${qs({ q, limit: 25, cursor: reset ? null : testCursor })}`);
      if (mine !== testGeneration) return;
      if (reset) {
        testBody.replaceChildren();
        testResults.replaceChildren(data.tests.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid compact tests-found' },
          h('thead', null, h('tr', null, h('th', null, 'Test'), h('th', null, 'Last runs'), h('th', null, 'Last run'))), testBody))
          : h('p', { class: 'muted' }, `No test title or file contains “${q}”.`));
      }
      testBody.append(...data.tests.map((t) => h('tr', null,
        h('td', { class: 'test-cell' }, link(`/tests/${t.testId}`, t.titlePath.join(' › ')),
          t.playwrightProject ? h('span', { class: 'chip static' }, t.playwrightProject) : null,
          h('div', { class: 'muted small' }, t.file)),
        h('td', null, recentStrip(t.recent)),
        h('td', null, t.recent.length ? link(`/runs/${t.recent[0].runId}`, timeAgo(t.lastRunAt)) : h('span', { class: 'muted' }, '–')))));
      testCursor = data.nextCursor;
      testMore.hidden = !testCursor;
    } catch (e) {
      testResults.replaceChildren(errorBox(e));
    }
  }
  let testTimer = null;
  testQuery.addEventListener('input', () => {
    clearTimeout(testTimer);
    testTimer = setTimeout(() => findTests(true), 250);
  });
  testMore.addEventListener('click', () => findTests(false));
  disposers.push(() => clearTimeout(testTimer));
  findTests(true);

  // Retention (administrators)
  if (app.me && app.me.role === 'administrator') {
    const retentionBox = h('div', { id: 'retention' });
    view.append(section('Retention', retentionBox));
    api(`/api/projects/${projectId}/retention`).then((settings) => {
      const current = h('p', null, 'Kept: ', h('strong', null, summary(settings.effective)), '.');
      retentionBox.append(current, retentionForm(projectId, settings, settings.defaults, (saved) => {
        current.replaceChildren('Kept: ', h('strong', null, summary(saved.effective)), '.');
      }));
    }).catch((e) => retentionBox.append(errorBox(e)));
  }
  void toast;
}

/**
 * Fingerprints include the test's file, so one error met in several files is several groups: merged here by
 * signature (tests summed; runs is the largest group's, a lower bound).
 */
function bySignature(groups) {
  const merged = new Map();
  for (const g of groups) {
    const m = merged.get(g.signature);
    if (!m) {
      merged.set(g.signature, { ...g, merged: 1 });
      continue;
    }
    m.merged++;
    m.tests += g.tests;
    m.attempts += g.attempts;
    m.runs = Math.max(m.runs, g.runs);
    if (g.lastSeen > m.lastSeen) Object.assign(m, { lastSeen: g.lastSeen, lastRunId: g.lastRunId });
  }
  return [...merged.values()].sort((a, b) => b.runs - a.runs || b.tests - a.tests);
}

/** The last results of a test, oldest on the left, each a cell linking to its run. */
function recentStrip(recent) {
  return h('span', { class: 'mini-strip', 'aria-label': 'Last runs, oldest first' }, [...recent].reverse().map((r) => {
    const status = resultStatus({ status: r.status, outcome: r.outcome });
    return h('a', { href: `/runs/${r.runId}`, class: `cell st-${String(status).toLowerCase()}`, title: `#${r.runId}: ${status}`,
      'aria-label': `#${r.runId}: ${status}` });
  }));
}

function firstLines(text) {
  return String(text || '').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' · ');
}

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** A tiny bar trend of durations (oldest first), drawn with elements sized through the CSSOM. */
function sparkline(values) {
  const max = Math.max(1, ...values);
  const el = h('span', { class: 'spark', 'aria-label': `durations: ${values.map((v) => formatDuration(v)).join(', ')}` });
  for (const v of values.slice(-20)) {
    const bar = h('span', { title: formatDuration(v) });
    bar.style.height = `${Math.max(8, (100 * v) / max)}%`;
    el.append(bar);
  }
  return el;
}
