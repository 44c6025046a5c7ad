// Run detail: summary, live progress and results from the run's stream (init + events, de-duplicated by test and
// retry; EventSource resumes with Last-Event-ID by itself), filters, grouping, failures with their details.
import { api } from '../api.js';
import { h, append, link, badge, resultStatus, formatDuration, formatTime, shortSha, section, errorBox, toast, clear }
  from '../dom.js';
import { ansiBlock, stripAnsi } from '../ansi.js';
import { progressBar, counts, runDuration } from '../runs.js';

const FAILED = new Set(['failed', 'timedOut', 'interrupted', 'unexpectedPass']);
const PASSED = new Set(['passed', 'expectedFailure']);
const FILTERS = [
  ['all', 'All'], ['failed', 'Failed'], ['flaky', 'Flaky'], ['running', 'Running'], ['passed', 'Passed'],
  ['skipped', 'Skipped'],
];
const GROUPS = [['none', 'No grouping'], ['file', 'By file'], ['describe', 'By describe block']];
const ORDER = {
  failed: 0, timedOut: 0, interrupted: 0, unexpectedPass: 0, running: 1, flaky: 2, passed: 3, expectedFailure: 3,
  skipped: 4,
};

/** One attempt on its own: a failure that the test expects (test.fail()) is shown as such, not as a failure. */
const attemptStatus = (a) => {
  if (a.status === 'passed') return a.expectedStatus === 'failed' ? 'unexpectedPass' : 'passed';
  return a.status === a.expectedStatus && a.status !== 'skipped' ? 'expectedFailure' : a.status;
};

const identity = (file, titlePath, project) => JSON.stringify([file, titlePath, project || '']);

export async function render(view, { params, query, app, page }) {
  const runId = Number(params[0]);
  let detail;
  try {
    detail = await api(`/api/test-runs/${runId}`);
  } catch (e) {
    if (e.status === 404) {
      view.append(h('h1', null, `Run #${runId}`), h('p', null, 'There is no such run (it may have been deleted). ',
        link('/', 'Back to the runs.')));
      return;
    }
    throw e;
  }
  let run = detail;
  const files = new Map(detail.files.map((f) => [f.id, f]));
  /** key → {key, testId, file, titlePath, title, playwrightProject, attempts: Map(retry → result), running, rev} */
  const tests = new Map();
  const byIdentity = new Map();
  const filter = {
    status: FILTERS.some(([k]) => k === query.get('status')) ? query.get('status') : 'all',
    q: query.get('q') || '',
    group: GROUPS.some(([k]) => k === query.get('group')) ? query.get('group') : 'file',
  };

  // ----- layout -----
  const title = h('h1', null);
  const summary = h('div', { class: 'run-summary' });
  const filesBox = h('div', { class: 'files' });
  const filterBar = h('div', { class: 'filters', role: 'toolbar', 'aria-label': 'Filter results' });
  const search = h('input', { type: 'search', id: 'search', placeholder: 'Search titles and errors ( / )', value: filter.q,
    'aria-label': 'Search titles and errors' });
  const grouping = h('select', { id: 'group', 'aria-label': 'Grouping' },
    GROUPS.map(([k, label]) => h('option', { value: k, selected: k === filter.group }, label)));
  const live = h('span', { class: 'live-status', id: 'live-status' });
  const results = h('div', { class: 'results', id: 'results' });
  const rowCache = new Map();
  const openKeys = new Set();
  view.append(
    h('div', { class: 'page-head' }, title, live),
    summary,
    filesBox,
    h('div', { class: 'toolbar' }, filterBar, search, grouping),
    results);

  // ----- state changes -----
  const entryFor = (file, titlePath, project, testId) => {
    const id = identity(file, titlePath, project);
    let key = testId != null ? `t${testId}` : byIdentity.get(id) || `i${id}`;
    let entry = tests.get(key);
    if (!entry && testId != null && tests.has(`i${id}`)) {
      entry = tests.get(`i${id}`);
      tests.delete(`i${id}`);
      rowCache.delete(entry.key);
      if (openKeys.delete(entry.key)) openKeys.add(key);
      entry.key = key;
      tests.set(key, entry);
    }
    if (!entry) {
      entry = { key, testId, file, titlePath, title: titlePath[titlePath.length - 1] || '', playwrightProject: project || '',
        attempts: new Map(), running: null, rev: 0 };
      tests.set(key, entry);
    }
    if (testId != null) {
      entry.testId = testId;
      byIdentity.set(id, key);
    }
    return entry;
  };
  const addResult = (result) => {
    const entry = entryFor(result.file, result.titlePath, result.playwrightProject, result.testId);
    entry.attempts.set(result.retry, result);
    if (entry.running && entry.running.retry <= result.retry) entry.running = null;
    entry.rev++;
  };
  const addBegin = (begin) => {
    const entry = entryFor(begin.file, begin.titlePath, begin.playwrightProject, null);
    const last = Math.max(-1, ...entry.attempts.keys());
    if (begin.retry > last) {
      entry.running = { retry: begin.retry, startTime: begin.startTime };
      entry.rev++;
    }
  };
  const finalOf = (entry) => entry.attempts.size ? entry.attempts.get(Math.max(...entry.attempts.keys())) : null;
  const statusOf = (entry) => {
    if (entry.running && run.status === 'running') return 'running';
    return resultStatus(finalOf(entry));
  };
  const matches = (entry, status) => {
    switch (filter.status) {
      case 'all': return true;
      case 'failed': return FAILED.has(status);
      case 'passed': return PASSED.has(status);
      default: return status === filter.status;
    }
  };
  const searchable = (entry) => {
    const final = finalOf(entry);
    return `${entry.titlePath.join(' ')} ${entry.file} ${final && final.error ? stripAnsi(final.error.message || '') : ''}`
      .toLowerCase();
  };

  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      draw();
    });
  };

  // ----- drawing -----
  function drawSummary() {
    append(clear(title), [`Run #${run.id} `, h('span', { class: 'muted' }, '· '), link(`/projects/${run.projectId}`, run.projectName),
      ' ', badge(run.status, 'big')]);
    document.title = `#${run.id} ${run.projectName} · Runboard`;
    const meta = run.metadata || {};
    const scm = meta.scm && typeof meta.scm === 'object' ? meta.scm : {};
    const ci = meta.ci && typeof meta.ci === 'object' ? meta.ci : {};
    append(clear(summary), [
      h('div', { class: 'summary-bar' }, progressBar(run), counts(run)),
      h('dl', { class: 'facts wide' },
        h('dt', null, 'Branch'), h('dd', null, run.branch || scm.branch || '–'),
        h('dt', null, 'Commit'), h('dd', null, scm.commit ? h('code', { title: String(scm.commit) }, shortSha(scm.commit)) : '–',
          scm.message ? h('span', { class: 'muted' }, ` ${String(scm.message).split('\n')[0]}`) : null),
        h('dt', null, 'Started'), h('dd', null, formatTime(run.startTime)),
        h('dt', null, 'Duration'), h('dd', null, runDuration(run)),
        h('dt', null, 'Tests'), h('dd', null, `${run.counters.total}${run.counters.expectedTests ? ` of ${run.counters.expectedTests} expected` : ''}, ${run.counters.attempts} attempts`),
        ci.name || ci.buildUrl ? [h('dt', null, 'CI'), h('dd', null, String(ci.name || ''), ci.buildNumber ? ` #${ci.buildNumber}` : '')] : null,
        detail.playwrightVersion ? [h('dt', null, 'Playwright'), h('dd', null, detail.playwrightVersion)] : null),
      app.me && app.me.role === 'administrator' ? h('div', { class: 'admin-actions' },
        h('button', { type: 'button', class: 'danger small', id: 'delete-run', onclick: deleteRun }, 'Delete run')) : null]);
  }

  function drawFiles() {
    const reports = [...files.values()].filter((f) => f.kind === 'report');
    clear(filesBox);
    if (!reports.length) return;
    append(filesBox, [h('span', { class: 'muted' }, 'Reports: '),
      reports.map((f) => fileLink(f, f.label || f.name, 'file-link'))]);
  }

  // ----- file links: signed URLs on the files origin that expire (expiresAt); fresh ones come with the run -----
  /** A link that opens a file in a new tab; `viewer` opens a trace in the run's HTML report's trace viewer. */
  function fileLink(file, text, className, viewer = false) {
    return h('a', { href: viewer ? traceViewerUrl(file) : file.url, class: className, target: '_blank', rel: 'noopener',
      dataset: viewer ? { fileId: String(file.id), viewer: '1' } : { fileId: String(file.id) } }, text);
  }
  /** The HTML report whose trace viewer opens the run's traces (the main one, else a shard's). */
  const htmlReport = () => {
    const html = [...files.values()]
      .filter((f) => f.kind === 'report' && /^html(-shard-\d+)?$/.test(f.reportType || ''));
    return html.find((f) => f.reportType === 'html') || html[0] || null;
  };
  const traceViewerUrl = (trace) => {
    const report = htmlReport();
    return report && `${report.url}trace/index.html?trace=${encodeURIComponent(trace.url)}`;
  };
  const expiry = (file) => Date.parse(file.expiresAt || '');
  let refreshTimer = null;
  async function refreshFiles() {
    const fresh = await api(`/api/test-runs/${runId}`);
    for (const file of fresh.files) files.set(file.id, file);
    rowCache.clear();
    schedule();
    planRefresh();
  }
  /**
   * Fresh URLs shortly before the first one expires: a minute before (a quarter of what is left, if that is less),
   * at most once a second. A sleeping laptop's late timer is caught on click.
   */
  function planRefresh() {
    clearTimeout(refreshTimer);
    const left = Math.min(...[...files.values()].map(expiry).filter(Number.isFinite)) - Date.now();
    if (!Number.isFinite(left)) return;
    refreshTimer = setTimeout(() => refreshFiles().catch(() => {
      refreshTimer = setTimeout(planRefresh, 30_000);
    }), Math.max(1_000, left - Math.min(60_000, left / 4)));
  }
  async function openFile(event) {
    const a = event.target.closest('a[data-file-id]');
    if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const file = files.get(Number(a.dataset.fileId));
    const viewed = a.dataset.viewer ? htmlReport() : null;
    const stale = [file, viewed].some((f) => f && expiry(f) - Date.now() < 5_000);
    if (!file || !stale) return;
    event.preventDefault();
    try {
      await refreshFiles();
      const fresh = files.get(file.id);
      window.open(a.dataset.viewer ? traceViewerUrl(fresh) : fresh.url, '_blank', 'noopener');
    } catch (e) {
      toast(e.message);
    }
  }
  view.addEventListener('click', openFile);

  const chips = new Map(FILTERS.map(([key, label]) => {
    const n = h('span', { class: 'n' }, '0');
    const button = h('button', {
      type: 'button', class: `chip f-${key}`, dataset: { filter: key },
      onclick: () => {
        filter.status = key;
        app.setQuery({ status: key === 'all' ? null : key });
        schedule();
      },
    }, `${label} `, n);
    filterBar.append(button);
    return [key, { button, n }];
  }));

  function drawFilters(entries) {
    const count = { all: entries.length, failed: 0, flaky: 0, running: 0, passed: 0, skipped: 0 };
    for (const [, status] of entries) {
      if (FAILED.has(status)) count.failed++;
      else if (PASSED.has(status)) count.passed++;
      else if (count[status] != null) count[status]++;
      if (status === 'flaky') count.passed++;
    }
    for (const [key, { button, n }] of chips) {
      n.textContent = String(count[key]);
      button.setAttribute('aria-pressed', String(filter.status === key));
    }
  }

  function draw() {
    drawSummary();
    drawFiles();
    const entries = [...tests.values()].map((entry) => [entry, statusOf(entry)]);
    drawFilters(entries);
    const q = filter.q.trim().toLowerCase();
    const shown = entries.filter(([entry, status]) => matches(entry, status) && (!q || searchable(entry).includes(q)));
    shown.sort(([a, sa], [b, sb]) => filter.group === 'none' && ORDER[sa] !== ORDER[sb] ? ORDER[sa] - ORDER[sb]
      : a.file.localeCompare(b.file) || a.titlePath.join('\u0000').localeCompare(b.titlePath.join('\u0000')));
    const fragment = document.createDocumentFragment();
    if (!shown.length) {
      fragment.append(h('p', { class: 'muted empty' }, tests.size ? 'No test matches these filters.'
        : run.status === 'running' ? 'Waiting for the first results…' : 'This run has no results.'));
    }
    let groupKey = null;
    let groupBody = null;
    for (const [entry, status] of shown) {
      const key = filter.group === 'file' ? entry.file
        : filter.group === 'describe' ? [entry.file, ...entry.titlePath.slice(0, -1)].join(' › ') : null;
      if (key !== groupKey || (filter.group !== 'none' && !groupBody)) {
        groupKey = key;
        if (filter.group === 'none') {
          groupBody = h('div', { class: 'group-body' });
          fragment.append(groupBody);
        } else {
          const group = shown.filter(([e]) => (filter.group === 'file' ? e.file
            : [e.file, ...e.titlePath.slice(0, -1)].join(' › ')) === key);
          const failed = group.filter(([, s]) => FAILED.has(s)).length;
          groupBody = h('div', { class: 'group-body' });
          fragment.append(h('section', { class: 'group' },
            h('h3', { class: 'group-head' }, h('span', { class: 'file' }, key), ' ',
              h('span', { class: 'muted' }, `${group.length} test${group.length === 1 ? '' : 's'}`),
              failed ? h('span', { class: 'c-failed' }, ` · ${failed} failed`) : null),
            groupBody));
        }
      }
      groupBody.append(testRow(entry, status));
    }
    const focused = results.contains(document.activeElement) ? document.activeElement : null;
    results.replaceChildren(fragment);
    if (focused && results.contains(focused)) focused.focus({ preventScroll: true });
  }

  function testRow(entry, status) {
    const cached = rowCache.get(entry.key);
    if (cached && cached.rev === entry.rev && cached.status === status && cached.group === filter.group) return cached.el;
    const final = finalOf(entry);
    const label = filter.group === 'describe' ? entry.title : entry.titlePath.join(' › ');
    const retries = final ? final.retry : 0;
    const el = h('details', { class: `test st-${status.toLowerCase()}`, dataset: { key: entry.key, status } },
      h('summary', null,
        h('span', { class: 'line' },
          badge(status),
          h('span', { class: 'test-title' }, label),
          entry.playwrightProject ? h('span', { class: 'chip static' }, entry.playwrightProject) : null,
          status === 'flaky' ? h('span', { class: 'flaky-mark', title: 'Passed on a retry' }, 'flaky') : null,
          retries ? h('span', { class: 'muted retries' }, `${retries} ${retries === 1 ? 'retry' : 'retries'}`) : null,
          h('span', { class: 'num muted' }, status === 'running' ? 'running…' : formatDuration(final && final.duration))),
        final && final.error && FAILED.has(status)
          ? h('span', { class: 'err-preview' }, firstLine(final.error.message || final.error.stack)) : null));
    if (openKeys.has(entry.key)) el.open = true;
    let built = false;
    const build = () => {
      if (built || !el.open) return;
      built = true;
      el.append(testBody(entry));
    };
    el.addEventListener('toggle', () => {
      if (el.open) openKeys.add(entry.key);
      else openKeys.delete(entry.key);
      build();
    });
    build();
    rowCache.set(entry.key, { el, rev: entry.rev, status, group: filter.group });
    return el;
  }

  function testBody(entry) {
    const body = h('div', { class: 'test-body' });
    const attempts = [...entry.attempts.values()].sort((a, b) => b.retry - a.retry);
    const final = attempts[0];
    if (final) {
      body.append(h('p', { class: 'muted' }, `${entry.file}${final.location && final.location.line ? `:${final.location.line}` : ''}`,
        entry.testId ? [' · ', link(`/tests/${entry.testId}`, 'history')] : null));
    }
    for (const attempt of attempts) {
      const box = h('div', { class: 'attempt' },
        h('h4', null, attempts.length > 1 ? `Attempt ${attempt.retry + 1}${attempt.retry ? ` (retry ${attempt.retry})` : ''}: ` : '',
          badge(attemptStatus(attempt)), ' ', h('span', { class: 'muted' }, formatDuration(attempt.duration))));
      if (attempt.error) {
        if (attempt.error.message) box.append(ansiBlock(attempt.error.message, 'ansi error-message'));
        if (attempt.error.stack && attempt.error.stack !== attempt.error.message) {
          box.append(h('details', { class: 'stack' }, h('summary', null, 'Stack'), ansiBlock(attempt.error.stack, 'ansi')));
        }
      }
      if (attempt.steps && attempt.steps.length) {
        box.append(h('details', { class: 'steps', open: FAILED.has(attemptStatus(attempt)) },
          h('summary', null, `Steps (${attempt.steps.length})`),
          h('ol', null, attempt.steps.map((step) => h('li', null, String(step.title ?? ''),
            h('span', { class: 'muted' }, ` ${formatDuration(step.duration)}${step.category ? ` · ${step.category}` : ''}`))))));
      }
      const attached = [...files.values()].filter((f) => f.attempt && f.attempt.retry === attempt.retry
        && f.attempt.file === entry.file && JSON.stringify(f.attempt.titlePath) === JSON.stringify(entry.titlePath)
        && (f.attempt.playwrightProject || '') === entry.playwrightProject);
      const named = (attempt.attachments || []).filter((a) => !attached.some((f) => f.name === a.name));
      if (attached.length || named.length) {
        box.append(h('ul', { class: 'attachments' },
          attached.map((f) => h('li', null, fileLink(f, `${f.kind}: ${f.name}`, `file-link k-${f.kind}`),
            f.kind === 'trace' && htmlReport() ? [' · ', fileLink(f, 'open in trace viewer', 'trace-viewer', true)] : null)),
          named.map((a) => h('li', { class: 'muted' }, `${a.name || 'attachment'} (${a.contentType || 'file'}, not uploaded)`))));
      }
      if (attempt.annotations && attempt.annotations.length) {
        box.append(h('ul', { class: 'annotations' }, attempt.annotations.map((a) =>
          h('li', null, h('strong', null, String(a.type ?? '')), a.description ? ` ${a.description}` : ''))));
      }
      body.append(box);
    }
    if (entry.running) body.append(h('p', { class: 'muted' }, `Retry ${entry.running.retry} is running…`));
    return body;
  }

  async function deleteRun() {
    if (!confirm(`Delete run #${run.id} of ${run.projectName}, its results and files? This cannot be undone.`)) return;
    try {
      await api(`/api/test-runs/${run.id}`, { method: 'DELETE' });
      toast(`Run #${run.id} deleted.`);
      app.navigate(`/projects/${run.projectId}`, { replace: true });
    } catch (e) {
      toast(e.message);
    }
  }

  // ----- inputs -----
  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filter.q = search.value;
      app.setQuery({ q: filter.q || null });
      schedule();
    }, 150);
  });
  grouping.addEventListener('change', () => {
    filter.group = grouping.value;
    app.setQuery({ group: filter.group === 'file' ? null : filter.group });
    schedule();
  });
  const onKey = (event) => {
    if (event.key === '/' && !event.target.matches('input, textarea, select')) {
      event.preventDefault();
      search.focus();
    }
  };
  document.addEventListener('keydown', onKey);

  // ----- live stream -----
  const source = new EventSource(`/api/test-runs/${runId}/stream`);
  const setLive = (text, on) => {
    live.textContent = text;
    live.classList.toggle('on', on);
  };
  setLive('connecting…', false);
  source.addEventListener('open', () => setLive(run.status === 'running' ? 'live' : '', run.status === 'running'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setLive(run.status === 'running' ? 'disconnected' : '', false);
    else setLive('reconnecting…', false);
  });
  source.addEventListener('init', (event) => {
    const data = JSON.parse(event.data);
    run = { ...detail, ...data.run, branch: detail.branch };
    tests.clear();
    byIdentity.clear();
    rowCache.clear();
    for (const result of data.results) addResult(result);
    setLive(run.status === 'running' ? 'live' : '', run.status === 'running');
    schedule();
  });
  source.addEventListener('test-begin', (event) => {
    addBegin(JSON.parse(event.data));
    schedule();
  });
  source.addEventListener('test-completed', (event) => {
    addResult(JSON.parse(event.data).result);
    schedule();
  });
  source.addEventListener('run-progress', (event) => {
    run = { ...run, counters: JSON.parse(event.data).counters };
    schedule();
  });
  source.addEventListener('run-files', (event) => {
    for (const file of JSON.parse(event.data).files) files.set(file.id, file);
    rowCache.clear();
    schedule();
    planRefresh();
  });
  source.addEventListener('run-finished', (event) => {
    run = { ...run, ...JSON.parse(event.data).run };
    source.close();
    setLive('', false);
    rowCache.clear();
    schedule();
  });
  const ticker = setInterval(() => {
    if (run.status === 'running') drawSummary();
  }, 5000);

  draw();
  planRefresh();
  page.dispose = () => {
    source.close();
    clearInterval(ticker);
    clearTimeout(refreshTimer);
    view.removeEventListener('click', openFile);
    document.removeEventListener('keydown', onKey);
  };
}

function firstLine(text) {
  const clean = stripAnsi(text || '').trim();
  const line = clean.split('\n').find((l) => l.trim()) || '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export { errorBox, section };
