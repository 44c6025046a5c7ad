// Run detail: summary, live progress and results from the run's stream (init + events, de-duplicated by test and
// retry; EventSource resumes with Last-Event-ID by itself), the shards of a sharded run, filters, grouping, failures
// with their details.
import { api } from '../api.js';
import { h, append, link, badge, resultStatus, formatDuration, formatTime, shortSha, section, errorBox, toast, clear }
  from '../dom.js';
import { ansiBlock, stripAnsi } from '../ansi.js';
import { progressBar, counts, runDuration, shardList, shardStateLabel } from '../runs.js';

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
  let pinned = Boolean(detail.pinned);
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
      ' ', badge(run.status, 'big'),
      pinned ? [' ', h('span', { class: 'pin-mark big', title: 'Pinned: retention never removes this run' }, 'pinned')] : null]);
    document.title = `#${run.id} ${run.projectName} · Runboard`;
    const meta = run.metadata || {};
    const scm = meta.scm && typeof meta.scm === 'object' ? meta.scm : {};
    const ci = meta.ci && typeof meta.ci === 'object' ? meta.ci : {};
    append(clear(summaryMain), [
      h('div', { class: 'summary-bar' }, progressBar(run), counts(run)),
      h('dl', { class: 'facts wide' },
        h('dt', null, 'Branch'), h('dd', null, run.branch || scm.branch || '–'),
        h('dt', null, 'Commit'), h('dd', null, scm.commit ? h('code', { title: String(scm.commit) }, shortSha(scm.commit)) : '–',
          scm.message ? h('span', { class: 'muted' }, ` ${String(scm.message).split('\n')[0]}`) : null),
        h('dt', null, 'Started'), h('dd', null, formatTime(run.startTime)),
        h('dt', null, 'Duration'), h('dd', null, runDuration(run)),
        h('dt', null, 'Tests'), h('dd', null, `${run.counters.total}${run.counters.expectedTests ? ` of ${run.counters.expectedTests} expected` : ''}, ${run.counters.attempts} attempts`),
        ci.name || ci.buildUrl ? [h('dt', null, 'CI'), h('dd', null, String(ci.name || ''), ci.buildNumber ? ` #${ci.buildNumber}` : '')] : null,
        detail.playwrightVersion ? [h('dt', null, 'Playwright'), h('dd', null, detail.playwrightVersion)] : null)]);
    if (app.me && app.me.role === 'administrator' && actions.dataset.pinned !== String(pinned)) {
      // Drawn again only when the pin changes, so that a redraw never takes a button from under the pointer.
      actions.dataset.pinned = String(pinned);
      actions.replaceChildren(h('div', { class: 'admin-actions' },
        h('button', { type: 'button', class: 'secondary small', id: 'pin-run', 'aria-pressed': String(pinned),
          title: pinned ? 'Let retention remove this run again' : 'Keep this run whatever the retention settings',
          onclick: togglePin }, pinned ? 'Unpin run' : 'Pin run'), ' ',
        h('button', { type: 'button', class: 'danger small', id: 'delete-run', onclick: deleteRun }, 'Delete run')));
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
      reports.map((f) => h('a', { href: f.url, class: 'file-link', target: '_blank', rel: 'noopener' }, f.label || f.name))]);
  }

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
          attached.map((f) => h('li', null, h('a', { href: f.url, target: '_blank', rel: 'noopener', class: `file-link k-${f.kind}` },
            `${f.kind}: ${f.name}`))),
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
    for (const file of JSON.parse(event.data).files) files.set(file.id, file);
    rowCache.clear();
    schedule();
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
  page.dispose = () => {
    disposed = true;
    source.close();
    clearInterval(ticker);
    clearTimeout(shardTimer);
    document.removeEventListener('keydown', onKey);
  };
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
