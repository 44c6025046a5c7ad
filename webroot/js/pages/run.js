// Run detail: summary, live progress and results from the run's stream (init + events, de-duplicated by test and
// retry; EventSource resumes with Last-Event-ID by itself), the shards of a sharded run, filters, grouping, failures
// with their details.
import { api } from '../api.js';
import { h, append, link, badge, resultStatus, formatDuration, formatTime, shortSha, section, errorBox, toast, clear,
  externalLink, percent } from '../dom.js';
import { ansiBlock, stripAnsi } from '../ansi.js';
import { isMedia, mediaPreview, installMediaOverlay } from '../media.js';
import { progressBar, counts, runDuration, shardList, shardStateLabel } from '../runs.js';

const FAILED = new Set(['failed', 'timedOut', 'interrupted', 'unexpectedPass']);
const PASSED = new Set(['passed', 'expectedFailure']);
const FILTERS = [
  ['all', 'All'], ['failed', 'Failed'], ['flaky', 'Flaky'], ['running', 'Running'], ['passed', 'Passed'],
  ['skipped', 'Skipped'],
];
const GROUPS = [['error', 'Failures by error'], ['file', 'By file'], ['describe', 'By describe block'], ['none', 'No grouping']];
/** Rows drawn per group before a "Show more" button: a 10,000-test run draws its first screen, not all of it. */
const CHUNK = 100;
/**
 * Test rows one draw builds in all groups together (about two screens); each group's other rows wait behind its
 * "Show more" button, which draws them by itself once it is scrolled near the viewport.
 */
const FIRST_ROWS = 40;
/** Group heads drawn before a "Show more groups" button (drawn by itself near the viewport, too). */
const GROUP_CHUNK = 50;
/** Above this many tests on screen, groups of passing tests start collapsed. */
const OPEN_LIMIT = 300;

/** One attempt on its own: a failure that the test expects (test.fail()) is shown as such, not as a failure. */
const attemptStatus = (a) => {
  if (a.status === 'passed') return a.expectedStatus === 'failed' ? 'unexpectedPass' : 'passed';
  return a.status === a.expectedStatus && a.status !== 'skipped' ? 'expectedFailure' : a.status;
};

const identity = (file, titlePath, project) => JSON.stringify([file, titlePath, project || '']);

export async function render(view, { params, query, app, page }) {
  const runId = Number(params[0]);
  // The stream opens with the run's detail, not after it: its events wait in `early` until the page is built.
  const source = new EventSource(`/api/test-runs/${runId}/stream`);
  const early = [];
  const keep = (event) => early.push(event);
  const STREAM_EVENTS = ['init', 'test-begin', 'test-completed', 'run-progress', 'shard-started', 'shard-finished',
    'run-files', 'run-finished'];
  STREAM_EVENTS.forEach((type) => source.addEventListener(type, keep));
  // A large run's init takes a while to arrive (10,000 results are megabytes): its first failures come from the
  // read API meanwhile, so that the first screen shows them; init then replaces them with every result.
  const firstFailures = api(`/api/test-runs/${runId}/results?outcome=unexpected&limit=${FIRST_ROWS}`)
    .then((page) => page.results, () => null);
  let detail;
  try {
    detail = await api(`/api/test-runs/${runId}`);
  } catch (e) {
    source.close();
    if (e.status === 404) {
      view.append(h('h1', null, `Run #${runId}`), h('p', null, 'There is no such run (it may have been deleted). ',
        link('/', 'Back to the runs.')));
      return;
    }
    throw e;
  }
  let run = detail;
  let pinned = Boolean(detail.pinned);
  const files = new Map(detail.files.map((f) => [f.id, f]));
  /** key → {key, testId, file, titlePath, title, playwrightProject, attempts: Map(retry → result), running, rev} */
  const tests = new Map();
  const byIdentity = new Map();
  /** Counts additions to `tests` (and clears): the sorted order is kept until it changes. */
  let testsVersion = 0;
  const filter = {
    status: FILTERS.some(([k]) => k === query.get('status')) ? query.get('status') : 'all',
    q: query.get('q') || '',
    group: GROUPS.some(([k]) => k === query.get('group')) ? query.get('group') : 'error',
  };
  /** fingerprint → signature, from failure-groups; testId → failure context (null: the route does not answer). */
  const signatures = new Map();
  let context = null;
  let contextRev = 0;
  /** group id → open (the user's choice); group id → rows drawn. */
  const openGroups = new Map();
  const groupLimits = new Map();
  /** Rows the current draw may still build (FIRST_ROWS at its start); null outside a draw. */
  let budget = null;
  /** "Show more" buttons click themselves when scrolled near the viewport. */
  const autoMore = new IntersectionObserver((seen) => {
    for (const { target: button, isIntersecting } of seen) {
      if (isIntersecting && button.isConnected && !button.hidden) {
        autoMore.unobserve(button);
        button.click();
      }
    }
  }, { rootMargin: '400px 0px' });
  /** The failure named by the URL's hash: its group is opened (until closed by hand), and it is scrolled to once. */
  let target = targetFromHash();
  let linked = target;
  let signaturesRead = false;

  // ----- layout -----
  const title = h('h1', null);
  const summaryMain = h('div');
  const shardsBox = h('section', { class: 'shards', id: 'shards', 'aria-labelledby': 'shards-head', hidden: true });
  const actions = h('div');
  const summary = h('div', { class: 'run-summary' }, summaryMain, shardsBox, actions);
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
      testsVersion++;
    }
    if (!entry) {
      entry = { key, testId, file, titlePath, title: titlePath[titlePath.length - 1] || '', playwrightProject: project || '',
        attempts: new Map(), running: null, rev: 0 };
      tests.set(key, entry);
      testsVersion++;
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
  const matchesStatus = (key, status) => {
    switch (key) {
      case 'all': return true;
      case 'failed': return FAILED.has(status);
      case 'passed': return PASSED.has(status);
      default: return status === key;
    }
  };
  const matches = (entry, status) => matchesStatus(filter.status, status);
  const searchable = (entry) => {
    const final = finalOf(entry);
    return `${entry.titlePath.join(' ')} ${entry.file} ${final && final.error ? stripAnsi(final.error.message || '') : ''}`
      .toLowerCase();
  };

  let scheduled = false;
  let firstScreen = false;
  let completeScreen = false;
  /** True while the page shows only the first failures from the read API, before the stream's init. */
  let partial = false;
  let initDone = false;
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
      ' ', badge(run.status, 'big'),
      pinned ? [' ', h('span', { class: 'pin-mark big', title: 'Pinned: retention never removes this run' }, 'pinned')] : null]);
    document.title = `#${run.id} ${run.projectName} · Runboard`;
    const meta = run.metadata || {};
    const scm = meta.scm && typeof meta.scm === 'object' ? meta.scm : {};
    const ci = meta.ci && typeof meta.ci === 'object' ? meta.ci : {};
    const repo = repoUrl(scm.remote, ci);
    const prNumber = ci.pullRequest ?? scm.pullRequest;
    const pr = prNumber != null && prNumber !== '' ? pullRequestLink(prNumber, repo) : null;
    append(clear(summaryMain), [
      h('div', { class: 'summary-bar' }, progressBar(run), counts(run)),
      h('dl', { class: 'facts wide' },
        h('dt', null, 'Branch'), h('dd', null, branchLink(run.branch || scm.branch, repo) || '–',
          pr ? [' · ', pr] : null),
        h('dt', null, 'Commit'), h('dd', null, scm.commit ? commitLink(scm.commit, repo) : '–',
          scm.message ? h('span', { class: 'muted' }, ` ${String(scm.message).split('\n')[0]}`) : null),
        h('dt', null, 'Started'), h('dd', null, formatTime(run.startTime)),
        h('dt', null, 'Duration'), h('dd', null, runDuration(run)),
        h('dt', null, 'Tests'), h('dd', null, `${run.counters.total}${run.counters.expectedTests ? ` of ${run.counters.expectedTests} expected` : ''}, ${run.counters.attempts} attempts`),
        ci.name || ci.provider || ci.buildUrl ? [h('dt', null, 'CI'), h('dd', null,
          externalLink(ci.buildUrl, `${ci.name || ci.provider || 'build'}${ci.buildNumber || ci.buildId ? ` #${ci.buildNumber || ci.buildId}` : ''}`))]
          : null,
        detail.playwrightVersion ? [h('dt', null, 'Playwright'), h('dd', null, detail.playwrightVersion)] : null)]);
    if (actions.dataset.pinned !== String(pinned)) {
      // Drawn again only when the pin changes, so that a redraw never takes a button from under the pointer.
      actions.dataset.pinned = String(pinned);
      const admin = app.me && app.me.role === 'administrator';
      actions.replaceChildren(h('div', { class: 'run-actions' }, link(`/runs/${run.id}/compare`, 'Compare with the previous run'),
        admin ? h('button', { type: 'button', class: 'secondary small', id: 'pin-run', 'aria-pressed': String(pinned),
          title: pinned ? 'Let retention remove this run again' : 'Keep this run whatever the retention settings',
          onclick: togglePin }, pinned ? 'Unpin run' : 'Pin run') : null,
        admin ? h('button', { type: 'button', class: 'danger small', id: 'delete-run', onclick: deleteRun }, 'Delete run') : null));
    }
    drawShards();
  }

  // One chip per shard, kept while it shows the same (a redraw does not take a chip from under the pointer).
  const shardChips = new Map();
  const shardHead = h('h2', { id: 'shards-head' });
  const shardListEl = h('ol', { class: 'shard-list' });
  shardsBox.append(shardHead, shardListEl);
  function drawShards() {
    const list = shardList(run);
    shardsBox.hidden = !list;
    if (!list) return;
    const done = list.filter((s) => s.shard && s.state !== 'running').length;
    const running = list.filter((s) => s.state === 'running').length;
    const missing = list.length - done - running;
    const notStarted = run.status === 'running' ? 'not started' : 'never started';
    append(clear(shardHead), ['Shards ', h('span', { class: 'muted' }, `${done} of ${list.length} done`,
      running ? ` · ${running} running` : '', missing ? ` · ${missing} ${notStarted}` : '')]);
    shardListEl.classList.toggle('dense', list.length > 12);
    if (shardListEl.children.length !== list.length) {
      shardListEl.replaceChildren();
      shardChips.clear();
    }
    for (const item of list) {
      const key = shardKey(item);
      const cached = shardChips.get(item.current);
      if (cached && cached.key === key) continue;
      const chip = shardChip(item);
      if (cached) cached.el.replaceWith(chip);
      else shardListEl.append(chip);
      shardChips.set(item.current, { key, el: chip });
    }
  }
  const shardName = (current) => h('span', { class: 'shard-name' }, h('span', { class: 'shard-word' }, 'Shard '), String(current));
  const shardKey = ({ state, shard }) => JSON.stringify([state, shard,
    state === 'running' ? Math.floor((Date.now() - new Date(shard.startTime).getTime()) / 1000) : null]);

  function shardChip({ current, state, shard }) {
    const total = run.shards.total;
    if (!shard) {
      const word = run.status === 'running' ? 'not started yet' : 'never started';
      return h('li', { class: 'shard st-missing', dataset: { shard: current, state }, title: `Shard ${current} of ${total}: ${word}` },
        h('span', { class: 'shard-line' }, shardName(current), badge('missing')),
        h('span', { class: 'progress unstarted', 'aria-hidden': 'true' }),
        h('span', { class: 'shard-meta muted' }, word));
    }
    const c = shard.counters || {};
    const running = state === 'running';
    const failed = (c.failed || 0) + (c.timedOut || 0) + (c.interrupted || 0);
    const elapsed = shard.endTime ? formatDuration(new Date(shard.endTime) - new Date(shard.startTime))
      : running ? `${formatDuration(Math.max(0, Date.now() - new Date(shard.startTime)))}…` : '–';
    const tested = `${c.total || 0}${c.expectedTests != null ? ` of ${c.expectedTests}` : ''} `
      + `test${(c.expectedTests ?? c.total) === 1 ? '' : 's'}`;
    const bar = running && c.expectedTests == null
      ? h('span', { class: 'progress indeterminate', role: 'progressbar', title: `${c.total || 0} tests done, total not announced` })
      : progressBar({ status: state, counters: c });
    bar.setAttribute('aria-label', `Shard ${current} progress`);
    const title = [`Shard ${current} of ${total}: ${shardStateLabel(state)}`,
      `${tested}: ${c.passed || 0} passed${failed ? `, ${failed} failed` : ''}${c.flaky ? ` (${c.flaky} flaky)` : ''}`
        + `${c.skipped ? `, ${c.skipped} skipped` : ''}`,
      `Started ${formatTime(shard.startTime)}${shard.endTime ? `, ended ${formatTime(shard.endTime)}` : ''} (${elapsed})`].join('\n');
    return h('li', { class: `shard st-${state.toLowerCase()}`, dataset: { shard: current, state }, title },
      h('span', { class: 'shard-line' }, shardName(current), badge(state)),
      bar,
      h('span', { class: 'shard-meta muted' },
        h('span', { class: 'shard-count' }, c.expectedTests != null ? `${c.total || 0}/${c.expectedTests}` : `${c.total || 0} tests`),
        failed ? h('span', { class: 'c-failed' }, ` ✗ ${failed}`) : null,
        ` · ${elapsed}`));
  }

  function drawFiles() {
    const reports = [...files.values()].filter((f) => f.kind === 'report');
    clear(filesBox);
    if (detail.filesExpiredAt) {
      append(filesBox, h('span', { class: 'muted' },
        `Reports, traces and other files were removed by retention on ${formatTime(detail.filesExpiredAt)}; the results stay.`));
    }
    if (!reports.length) return;
    append(filesBox, [h('span', { class: 'muted' }, 'Reports: '),
      reports.map((f) => fileLink(f, f.label || f.name, 'file-link'))]);
  }

  // ----- file links: signed URLs on the files origin that expire (expiresAt); fresh ones come with the run -----
  /**
   * A link that opens a file in a new tab; `viewer` opens a trace in the run's HTML report's trace viewer, else in
   * the trace viewer the server keeps for the run's Playwright version (`detail.traceViewer`).
   */
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
  const viewerOf = () => htmlReport() || detail.traceViewer || null;
  const traceViewerUrl = (trace) => {
    const report = htmlReport();
    if (report) return `${report.url}trace/index.html?trace=${encodeURIComponent(trace.url)}`;
    return detail.traceViewer && `${detail.traceViewer.url}index.html?trace=${encodeURIComponent(trace.url)}`;
  };
  const expiry = (file) => Date.parse(file.expiresAt || '');
  let refreshTimer = null;
  async function refreshFiles() {
    const fresh = await api(`/api/test-runs/${runId}`);
    for (const file of fresh.files) files.set(file.id, file);
    detail.traceViewer = fresh.traceViewer || null;
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
    const left = Math.min(...[...files.values(), detail.traceViewer].filter(Boolean).map(expiry)
      .filter(Number.isFinite)) - Date.now();
    if (!Number.isFinite(left)) return;
    refreshTimer = setTimeout(() => refreshFiles().catch(() => {
      refreshTimer = setTimeout(planRefresh, 30_000);
    }), Math.max(1_000, left - Math.min(60_000, left / 4)));
  }
  async function openFile(event) {
    const a = event.target.closest('a[data-file-id]');
    if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const file = files.get(Number(a.dataset.fileId));
    const viewed = a.dataset.viewer ? viewerOf() : null;
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
  installMediaOverlay(view, async (id) => {
    const file = files.get(id);
    if (file && expiry(file) - Date.now() < 5_000) await refreshFiles().catch((e) => toast(e.message));
    return files.get(id);
  });

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
    // Tests counted by status once, then each chip sums the statuses it shows.
    const byStatus = new Map();
    for (const [, status] of entries) byStatus.set(status, (byStatus.get(status) || 0) + 1);
    const count = { all: entries.length, failed: 0, flaky: 0, running: 0, passed: 0, skipped: 0 };
    for (const [status, n] of byStatus) {
      for (const [key] of FILTERS) if (key !== 'all' && matchesStatus(key, status)) count[key] += n;
    }
    for (const [key, { button, n }] of chips) {
      n.textContent = partial ? '…' : String(count[key]);
      button.setAttribute('aria-pressed', String(filter.status === key));
    }
  }

  /** File, then title path: plain string compares (localeCompare costs seconds on 10,000 tests). */
  const byFileAndTitle = (a, b) => {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    const pa = a.titlePath;
    const pb = b.titlePath;
    for (let i = 0; i < pa.length && i < pb.length; i++) if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
    return pa.length - pb.length;
  };
  const describeKey = (entry) => [entry.file, ...entry.titlePath.slice(0, -1)].join(' › ');
  const finalFailure = (entry) => {
    const final = finalOf(entry);
    return final && final.error ? final : null;
  };
  /**
   * A failure's group: its signature once failure-groups has named its fingerprint (the same error in several files
   * has one fingerprint per file, and is one group here), else the fingerprint, else the first error line.
   */
  const errorKey = (entry) => {
    const final = finalOf(entry);
    const fingerprint = final && final.fingerprint;
    if (fingerprint && signatures.has(fingerprint)) return `s:${signatures.get(fingerprint)}`;
    if (fingerprint) return `f:${fingerprint}`;
    const failed = finalFailure(entry);
    return failed ? `m:${firstLine(failed.error.message || failed.error.stack)}` : 'm:';
  };
  const errorTitle = (key, entries) => {
    if (key.startsWith('s:')) return key.slice(2).split('\n').map((l) => l.trim()).filter(Boolean).join(' · ');
    const failed = finalFailure(entries[0][0]);
    return failed ? firstLine(failed.error.message || failed.error.stack) : 'No error message';
  };

  /** The tests in file and title order, sorted again only when a test was added or renamed. */
  let order = [];
  let orderVersion = -1;
  function sorted() {
    if (orderVersion === testsVersion) return order;
    order = [...tests.values()];
    order.sort(byFileAndTitle);
    orderVersion = testsVersion;
    return order;
  }

  /** Splits entries into groups by key, in first-seen order (entries come sorted). */
  function groupBy(entries, keyOf) {
    const groups = new Map();
    for (const item of entries) {
      const key = keyOf(item[0]);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(item);
    }
    return groups;
  }

  function draw() {
    drawSummary();
    drawFiles();
    autoMore.disconnect();
    budget = FIRST_ROWS;
    const q = filter.q.trim().toLowerCase();
    const entries = [];
    for (const entry of sorted()) {
      if (!q || searchable(entry).includes(q)) entries.push([entry, statusOf(entry)]);
    }
    drawFilters(entries);
    const shown = filter.status === 'all' ? entries : entries.filter(([entry, status]) => matches(entry, status));
    const failures = shown.filter(([, status]) => FAILED.has(status));
    const rest = shown.filter(([, status]) => !FAILED.has(status));
    const targetEntry = linked ? tests.get(linked) : null;
    const fragment = document.createDocumentFragment();
    if (!shown.length) {
      fragment.append(h('p', { class: 'muted empty' }, tests.size ? 'No test matches these filters.'
        : run.status === 'running' ? 'Waiting for the first results…' : 'This run has no results.'));
    }
    const many = shown.length > OPEN_LIMIT;
    if (failures.length) {
      const box = h('section', { class: 'failures', id: 'failures', 'aria-labelledby': 'failures-head' },
        h('h2', { id: 'failures-head' }, `Failures `, h('span', { class: 'muted' }, partial
          ? `${failures.length} of ${Math.max(failures.length, (run.counters.failed || 0) + (run.counters.timedOut || 0) + (run.counters.interrupted || 0))}, loading…` : String(failures.length))));
      if (filter.group === 'error') {
        const groups = [...groupBy(failures, errorKey)].sort((a, b) => b[1].length - a[1].length);
        chunkedGroups(box, groups, 'F:error:groups', targetEntry, ([key, items]) => groupBlock(`e:${key}`, items, {
          head: [h('span', { class: 'signature' }, errorTitle(key, items))],
          open: groups.length === 1 || items.length <= 3, kind: 'error', targetEntry }));
      } else {
        appendGrouped(box, failures, { open: true, prefix: 'F', targetEntry });
      }
      fragment.append(box);
    }
    if (partial) {
      const left = Math.max(0, (run.counters.total || 0) - tests.size);
      fragment.append(h('p', { class: 'muted loading-rest', id: 'loading-rest' },
        `Loading ${left === 1 ? 'one more test' : `${left.toLocaleString('en')} more tests`}…`));
    } else if (rest.length) {
      const box = h('section', { class: 'rest', id: 'rest' },
        failures.length ? h('h2', null, 'Other tests ', h('span', { class: 'muted' }, String(rest.length))) : null);
      appendGrouped(box, rest, { open: !many, prefix: 'R', targetEntry });
      fragment.append(box);
    }
    budget = null;
    const focused = results.contains(document.activeElement) ? document.activeElement : null;
    results.replaceChildren(fragment);
    if (tests.size && !firstScreen) {
      firstScreen = true;
      performance.mark('runboard:results-drawn');
      // The first frame that shows them: what the benchmark (e2e/scripts/run-page-bench.js) times.
      requestAnimationFrame(() => setTimeout(() => performance.mark('runboard:first-screen'), 0));
    }
    if (initDone && !completeScreen) {
      // Every result known and drawn (the first screen may have shown only the first failures).
      completeScreen = true;
      requestAnimationFrame(() => setTimeout(() => performance.mark('runboard:complete'), 0));
    }
    if (focused && results.contains(focused)) focused.focus({ preventScroll: true });
    if (targetEntry) {
      const el = document.getElementById(rowId(targetEntry));
      if (el) el.classList.add('target');
      // Scrolled once, after the group titles are known (they can merge groups and move the row).
      if (el && target && signaturesRead) {
        target = null;
        requestAnimationFrame(() => el.scrollIntoView({ block: 'start' }));
      }
    }
  }

  /** Entries grouped by the chosen mode (file, describe block, or none; `error` groups the rest by file). */
  function appendGrouped(box, items, { open, prefix, targetEntry }) {
    if (filter.group === 'none') {
      box.append(groupBlock(`${prefix}:all`, items, { flat: true, targetEntry }));
      return;
    }
    const keyOf = filter.group === 'describe' ? describeKey : (entry) => entry.file;
    const groups = [...groupBy(items, keyOf)];
    chunkedGroups(box, groups, `${prefix}:${filter.group}:groups`, targetEntry, ([key, group]) =>
      groupBlock(`${prefix}:${filter.group}:${key}`, group, { head: [h('span', { class: 'file' }, key)], open, targetEntry }));
  }

  /**
   * Group heads GROUP_CHUNK at a time (a 10,000-test run has hundreds of files or errors), then a "Show more groups"
   * button; the group holding the linked failure is always drawn.
   */
  function chunkedGroups(box, groups, limitKey, targetEntry, block) {
    if (targetEntry) {
      const index = groups.findIndex(([, group]) => group.some(([entry]) => entry === targetEntry));
      if (index >= 0) groupLimits.set(limitKey, Math.max(groupLimits.get(limitKey) || GROUP_CHUNK, index + 1));
    }
    const more = h('button', { type: 'button', class: 'secondary small more-groups' });
    let drawn = 0;
    const fill = () => {
      const limit = groupLimits.get(limitKey) || GROUP_CHUNK;
      for (const group of groups.slice(drawn, limit)) more.before(block(group));
      drawn = Math.max(drawn, Math.min(limit, groups.length));
      const left = groups.length - drawn;
      more.hidden = left === 0;
      more.textContent = `Show ${Math.min(left, GROUP_CHUNK * 4)} more groups of ${left}`;
      if (left) autoMore.observe(more);
    };
    more.addEventListener('click', () => {
      groupLimits.set(limitKey, (groupLimits.get(limitKey) || GROUP_CHUNK) + GROUP_CHUNK * 4);
      fill();
    });
    box.append(more);
    fill();
  }

  /**
   * A group of tests: a <details> whose rows are drawn only when it is open, CHUNK at a time. `flat` draws the rows
   * without a head.
   */
  function groupBlock(id, items, { head, open, flat, kind, targetEntry }) {
    const body = h('div', { class: 'group-body' });
    const containsTarget = targetEntry && items.some(([entry]) => entry === targetEntry);
    if (containsTarget) {
      if (!openGroups.has(id)) openGroups.set(id, true);
      const index = items.findIndex(([entry]) => entry === targetEntry);
      groupLimits.set(id, Math.max(groupLimits.get(id) || CHUNK, index + 1));
    }
    const fill = () => {
      // In a draw, rows come out of its budget (a row the user asked for is always drawn).
      const chosen = groupLimits.get(id);
      const limit = chosen || (budget === null ? CHUNK : Math.min(CHUNK, Math.max(0, budget)));
      const shown = items.slice(0, limit);
      if (budget !== null) budget -= shown.length;
      body.replaceChildren(...shown.map(([entry, status]) => testRow(entry, status)));
      if (items.length > limit) {
        const left = items.length - limit;
        const next = Math.min(left, limit < CHUNK ? CHUNK : CHUNK * 5);
        const more = h('button', { type: 'button', class: 'secondary small more-rows', onclick: () => {
          groupLimits.set(id, limit + next);
          fill();
        } }, `Show ${next} more of ${left}`);
        body.append(more);
        autoMore.observe(more);
      }
    };
    if (flat) {
      fill();
      return h('div', { class: 'group flat' }, body);
    }
    const failed = items.filter(([, s]) => FAILED.has(s)).length;
    const isOpen = openGroups.has(id) ? openGroups.get(id) : open;
    const summary = h('summary', { class: 'group-head' }, head, ' ',
      h('span', { class: 'muted group-count' }, `${items.length} test${items.length === 1 ? '' : 's'}`),
      failed && kind !== 'error' ? h('span', { class: 'c-failed' }, ` · ${failed} failed`) : null);
    const el = h('details', { class: `group${kind ? ` group-${kind}` : ''}`, dataset: { group: id }, open: isOpen }, summary, body);
    let filled = false;
    if (isOpen) {
      fill();
      filled = true;
    }
    el.addEventListener('toggle', () => {
      openGroups.set(id, el.open);
      if (el.open && !filled) {
        fill();
        filled = true;
      }
    });
    return el;
  }

  const rowId = (entry) => (entry.testId != null ? `test-${entry.testId}` : null);

  function testRow(entry, status) {
    const cached = rowCache.get(entry.key);
    if (cached && cached.rev === entry.rev && cached.status === status && cached.group === filter.group
      && cached.contextRev === contextRev) return cached.el;
    const final = finalOf(entry);
    const label = filter.group === 'describe' ? entry.title : entry.titlePath.join(' › ');
    const retries = final ? final.retry : 0;
    const failed = FAILED.has(status);
    const el = h('details', { class: `test st-${status.toLowerCase()}`, id: rowId(entry), dataset: { key: entry.key, status } },
      h('summary', null,
        h('span', { class: 'line' },
          badge(status),
          h('span', { class: 'test-title' }, label),
          entry.playwrightProject ? h('span', { class: 'chip static' }, entry.playwrightProject) : null,
          status === 'flaky' ? h('span', { class: 'flaky-mark', title: 'Passed on a retry' }, 'flaky') : null,
          failed ? contextLabel(entry) : null,
          retries ? h('span', { class: 'muted retries' }, `${retries} ${retries === 1 ? 'retry' : 'retries'}`) : null,
          h('span', { class: 'num muted' }, status === 'running' ? 'running…' : formatDuration(final && final.duration)),
          failed && entry.testId != null ? h('button', { type: 'button', class: 'ghost copy-link', title: 'Copy a link to this failure',
            'aria-label': 'Copy link', onclick: (event) => copyLink(event, entry) }, 'Link') : null),
        final && final.error && failed
          ? h('span', { class: 'err-preview' }, firstLine(final.error.message || final.error.stack)) : null));
    if (openKeys.has(entry.key) || (target && target === entry.key)) {
      openKeys.add(entry.key);
      el.open = true;
    }
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
    rowCache.set(entry.key, { el, rev: entry.rev, status, group: filter.group, contextRev });
    return el;
  }

  /** New / failing since #N / flaky N % / expected failure, and the last runs' statuses, when failure-context answers. */
  function contextLabel(entry) {
    const ctx = context && entry.testId != null ? context.get(entry.testId) : null;
    if (!ctx) return null;
    let label;
    switch (ctx.label) {
      case 'new': label = h('span', { class: 'ctx ctx-new', title: 'Passed in the previous run of this branch' }, 'new'); break;
      case 'failing': label = h('span', { class: 'ctx ctx-failing' }, 'failing since ',
        ctx.failingSinceRunId ? link(`/runs/${ctx.failingSinceRunId}`, `#${ctx.failingSinceRunId}`)
          : `${ctx.windowRuns}+ runs`, ctx.beyondWindow ? '+' : ''); break;
      case 'flaky': label = h('span', { class: 'ctx ctx-flaky', title: `${ctx.flakyRuns} of ${ctx.windowRuns} runs flaky` },
        `flaky ${percent(ctx.flakeRate)}`); break;
      case 'expected': label = h('span', { class: 'ctx ctx-expected' }, 'expected failure'); break;
      default: label = null;
    }
    const recent = (ctx.recent || []).slice(0, 10).reverse();
    return [label, recent.length ? h('span', { class: 'mini-strip', 'aria-label': 'Recent runs, oldest first' },
      recent.map((r) => {
        const st = resultStatus({ status: r.status, outcome: r.outcome });
        return h('span', { class: `cell st-${String(st).toLowerCase()}`, title: `#${r.runId}: ${st}` });
      })) : null];
  }

  async function copyLink(event, entry) {
    event.preventDefault();
    event.stopPropagation();
    const url = `${location.origin}/runs/${runId}#${rowId(entry)}`;
    history.replaceState(null, '', `${location.pathname}${location.search}#${rowId(entry)}`);
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied.');
    } catch (e) {
      toast(url);
    }
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
            f.kind === 'trace' && viewerOf() ? [' · ', fileLink(f, 'open in trace viewer', 'trace-viewer', true)] : null,
            isMedia(f) ? h('div', { class: 'media' }, mediaPreview(f, `${f.kind}: ${f.name}`)) : null)),
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

  async function togglePin() {
    try {
      const answer = await api(`/api/test-runs/${run.id}/pin`, { method: pinned ? 'DELETE' : 'POST' });
      pinned = answer.pinned;
      toast(pinned ? `Run #${run.id} pinned: retention keeps it.` : `Run #${run.id} unpinned.`);
      drawSummary();
      document.getElementById('pin-run')?.focus();
    } catch (e) {
      toast(e.message);
    }
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

  // The stream tells a shard's progress only when it starts and finishes (run-progress counts the whole run), so
  // while a sharded run runs its summary is read again after changes, at most every 2 s; the newer state of each
  // shard wins, whichever answer or event arrives last.
  let shardTimer = null;
  let shardFetching = false;
  let shardAgain = false;
  let shardLast = 0;
  let disposed = false;
  function refreshShards() {
    if (!run.shards || run.status !== 'running' || disposed) return;
    if (shardFetching) shardAgain = true;
    if (shardFetching || shardTimer) return;
    shardTimer = setTimeout(async () => {
      shardTimer = null;
      shardFetching = true;
      shardLast = Date.now();
      try {
        const fresh = await api(`/api/test-runs/${runId}`);
        if (!disposed && run.status === 'running' && fresh.shards) {
          run = { ...run, shards: mergeShards(run.shards, fresh.shards),
            counters: fresh.counters.attempts >= run.counters.attempts ? fresh.counters : run.counters };
          schedule();
        }
      } catch (e) {
        // the stream goes on; the next change asks again
      } finally {
        shardFetching = false;
        if (shardAgain) {
          shardAgain = false;
          refreshShards();
        }
      }
    }, Math.max(0, shardLast + 2000 - Date.now()));
  }

  // Group titles come from failure-groups: read after init, then at most every 3 s while new fingerprints arrive.
  let signatureTimer = null;
  let signatureLast = 0;
  function refreshSignatures() {
    if (signatureTimer || disposed) return;
    signatureTimer = setTimeout(async () => {
      signatureTimer = null;
      signatureLast = Date.now();
      try {
        const { groups } = await api(`/api/test-runs/${runId}/failure-groups?limit=500`);
        for (const group of groups) signatures.set(group.fingerprint, group.signature);
      } catch (e) {
        // titles fall back to each group's first error line
      }
      signaturesRead = true;
      if (!disposed) schedule();
    }, Math.max(0, signatureLast + 3000 - Date.now()));
  }

  // Labels (new, failing since, flaky, expected) from failure-context, when this server has that route.
  let contextMissing = false;
  async function loadContext() {
    if (contextMissing || disposed) return;
    try {
      const data = await api(`/api/test-runs/${runId}/failure-context?window=10`);
      context = new Map((data.tests || []).map((t) => [t.testId, t]));
      contextRev++;
      if (!disposed) schedule();
    } catch (e) {
      if (e.status === 404) contextMissing = true;
    }
  }

  // ----- live stream -----
  const setLive = (text, on) => {
    live.textContent = text;
    live.classList.toggle('on', on);
  };
  setLive(source.readyState === EventSource.OPEN ? (run.status === 'running' ? 'live' : '') : 'connecting…',
    source.readyState === EventSource.OPEN && run.status === 'running');
  source.addEventListener('open', () => setLive(run.status === 'running' ? 'live' : '', run.status === 'running'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setLive(run.status === 'running' ? 'disconnected' : '', false);
    else setLive('reconnecting…', false);
  });
  source.addEventListener('init', (event) => {
    performance.mark('runboard:init-received');
    initDone = true;
    partial = false;
    const data = JSON.parse(event.data);
    run = { ...detail, ...data.run, branch: detail.branch };
    tests.clear();
    testsVersion++;
    byIdentity.clear();
    rowCache.clear();
    performance.mark('runboard:init-parsed');
    for (const result of data.results) addResult(result);
    performance.mark('runboard:init-added');
    setLive(run.status === 'running' ? 'live' : '', run.status === 'running');
    refreshSignatures();
    loadContext();
    schedule();
  });
  source.addEventListener('test-begin', (event) => {
    addBegin(JSON.parse(event.data));
    schedule();
  });
  source.addEventListener('test-completed', (event) => {
    const { result } = JSON.parse(event.data);
    addResult(result);
    if (result.fingerprint && !signatures.has(result.fingerprint)) refreshSignatures();
    schedule();
  });
  source.addEventListener('run-progress', (event) => {
    run = { ...run, counters: JSON.parse(event.data).counters };
    refreshShards();
    schedule();
  });
  for (const type of ['shard-started', 'shard-finished']) {
    source.addEventListener(type, (event) => {
      const { shard } = JSON.parse(event.data);
      if (run.shards) run = { ...run, shards: mergeShards(run.shards, { total: run.shards.total, list: [shard] }) };
      refreshShards();
      schedule();
    });
  }
  source.addEventListener('run-files', (event) => {
    const added = JSON.parse(event.data).files;
    for (const file of added) files.set(file.id, file);
    rowCache.clear();
    schedule();
    planRefresh();
    // A first trace of a run without a report: the run's answer names the server's trace viewer for it.
    if (!detail.traceViewer && !htmlReport() && added.some((f) => f.kind === 'trace')) refreshFiles().catch(() => {});
  });
  source.addEventListener('run-finished', (event) => {
    run = { ...run, ...JSON.parse(event.data).run };
    source.close();
    setLive('', false);
    rowCache.clear();
    refreshSignatures();
    loadContext();
    schedule();
  });
  const onHash = () => {
    target = targetFromHash();
    linked = target;
    schedule();
  };
  window.addEventListener('hashchange', onHash);
  const ticker = setInterval(() => {
    if (run.status === 'running') drawSummary();
  }, 5000);
  // What arrived while the page was being built, in order, through the listeners above.
  STREAM_EVENTS.forEach((type) => source.removeEventListener(type, keep));
  for (const event of early.splice(0)) {
    source.dispatchEvent(new MessageEvent(event.type, { data: event.data, lastEventId: event.lastEventId }));
  }

  if (!scheduled) draw();
  firstFailures.then((results) => {
    if (disposed || initDone || !results || !results.length) return;
    partial = true;
    for (const result of results) {
      for (const earlier of result.earlierAttempts || []) addResult(earlier);
      addResult(result);
    }
    schedule();
  });
  planRefresh();
  page.dispose = () => {
    disposed = true;
    source.close();
    clearInterval(ticker);
    clearTimeout(shardTimer);
    clearTimeout(refreshTimer);
    view.removeEventListener('click', openFile);
    autoMore.disconnect();
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('hashchange', onHash);
    clearTimeout(signatureTimer);
  };
}

/** `#test-<testId>` in the URL: the failure to open and scroll to. */
function targetFromHash() {
  const match = /^#test-(\d+)$/.exec(location.hash);
  return match ? `t${match[1]}` : null;
}

/** The web address of the repository, from a git remote (https or scp-like) or the CI's repository name. */
function repoUrl(remote, ci) {
  if (typeof remote === 'string') {
    const scp = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+?)(?:\.git)?\/?$/.exec(remote);
    if (scp) return `https://${scp[1]}/${scp[2]}`;
    const web = /^(https?:\/\/[^/]+\/.+?)(?:\.git)?\/?$/.exec(remote);
    if (web) return web[1];
  }
  if (ci.provider === 'github-actions' && typeof ci.repository === 'string') return `https://github.com/${ci.repository}`;
  return null;
}

const isGitLab = (repo) => /gitlab/.test(new URL(repo).host);

function commitLink(sha, repo) {
  const code = h('code', { title: String(sha) }, shortSha(String(sha)));
  return repo ? externalLink(`${repo}/${isGitLab(repo) ? '-/' : ''}commit/${encodeURIComponent(sha)}`, code) : code;
}

function branchLink(branch, repo) {
  if (!branch) return null;
  return repo ? externalLink(`${repo}/${isGitLab(repo) ? '-/' : ''}tree/${String(branch).split('/').map(encodeURIComponent).join('/')}`,
    String(branch)) : String(branch);
}

function pullRequestLink(number, repo) {
  const text = `${repo && isGitLab(repo) ? 'MR !' : 'PR #'}${number}`;
  if (!repo) return text;
  return externalLink(`${repo}/${isGitLab(repo) ? '-/merge_requests' : 'pull'}/${encodeURIComponent(number)}`, text);
}

/**
 * The shards of both, each shard in its later state: a finished shard over a running one, then more attempts. Events
 * and re-read summaries may arrive in any order.
 */
function mergeShards(known, incoming) {
  const byCurrent = new Map((known.list || []).map((shard) => [shard.current, shard]));
  const rank = (shard) => (shard.status === 'running' ? 0 : 1e9) + ((shard.counters && shard.counters.attempts) || 0);
  for (const shard of incoming.list || []) {
    const before = byCurrent.get(shard.current);
    if (!before || rank(shard) >= rank(before)) byCurrent.set(shard.current, shard);
  }
  const list = [...byCurrent.values()].sort((a, b) => a.current - b.current);
  const total = incoming.total || known.total;
  const started = new Set(list.map((shard) => shard.current));
  const missing = [];
  for (let current = 1; current <= total; current++) if (!started.has(current)) missing.push(current);
  return { total, list, missing };
}

function firstLine(text) {
  const clean = stripAnsi(text || '').trim();
  const line = clean.split('\n').find((l) => l.trim()) || '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export { errorBox, section };
