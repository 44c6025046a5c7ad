// Run rows shared by the feed and the project page: status, live progress, counts, branch, commit, duration, and
// the shards of a sharded run (also drawn on the run page).
import { h, append, link, badge, formatDuration, timeAgo, shortSha, clear, statusLabel } from './dom.js';

/** A stacked bar of the run's results so far; while running, its share of the expected tests. */
export function progressBar(run) {
  const c = run.counters || {};
  const running = run.status === 'running';
  const failed = (c.failed || 0) + (c.timedOut || 0) + (c.interrupted || 0);
  const passed = (c.passed || 0) - (c.flaky || 0);
  const done = c.total || 0;
  const scale = Math.max(c.expectedTests || 0, done, 1);
  // Without an announced total, a running run's share is unknown: a striped bar, not a full one.
  const unknown = running && !c.expectedTests;
  const bar = h('div', {
    class: `progress${running && !c.expectedTests ? ' indeterminate' : ''}${running ? ' live' : ''}`,
    role: 'progressbar', 'aria-label': 'Progress', 'aria-valuemin': unknown ? null : 0, 'aria-valuemax': unknown ? null : scale,
    'aria-valuenow': unknown ? null : done,
    title: running ? `${done}${c.expectedTests ? ` of ${c.expectedTests}` : ', total not announced'} tests done` : `${done} tests`,
  });
  if (unknown) return bar;
  for (const [count, cls] of [[passed, 'seg-passed'], [c.flaky || 0, 'seg-flaky'], [failed, 'seg-failed'],
    [c.skipped || 0, 'seg-skipped']]) {
    if (count > 0) {
      const seg = h('span', { class: `seg ${cls}` });
      seg.style.width = `${(100 * count) / scale}%`;
      bar.append(seg);
    }
  }
  return bar;
}

export function counts(run) {
  const c = run.counters || {};
  const failed = (c.failed || 0) + (c.timedOut || 0) + (c.interrupted || 0);
  return h('span', { class: 'counts' },
    h('span', { class: 'c-passed', title: 'passed' }, `✓ ${c.passed || 0}`),
    failed ? h('span', { class: 'c-failed', title: 'failed, timed out or interrupted' }, `✗ ${failed}`) : null,
    c.flaky ? h('span', { class: 'c-flaky', title: 'flaky' }, `~ ${c.flaky}`) : null,
    c.skipped ? h('span', { class: 'c-skipped', title: 'skipped' }, `– ${c.skipped}`) : null,
    h('span', { class: 'muted' }, c.expectedTests && run.status === 'running' ? ` ${c.total}/${c.expectedTests}`
      : ` ${c.total || 0} tests`));
}

/**
 * The shards of a sharded run, 1..total, each `{current, state, shard}`: `state` is the shard's status, or `missing`
 * for a shard that has not started (then `shard` is null). Null for unsharded runs and one-shard builds.
 */
export function shardList(run) {
  const shards = run.shards;
  if (!shards || !(shards.total > 1)) return null;
  const started = new Map((shards.list || []).map((shard) => [shard.current, shard]));
  const list = [];
  for (let current = 1; current <= shards.total; current++) {
    const shard = started.get(current) || null;
    list.push({ current, state: shard ? shard.status : 'missing', shard });
  }
  return list;
}

/** "passed: 1, 3–4 · failed: 2 · not started: 5": which shard is in which state, in ranges. */
export function shardStates(list) {
  const byState = new Map();
  for (const { current, state } of list) {
    if (!byState.has(state)) byState.set(state, []);
    byState.get(state).push(current);
  }
  return [...byState].map(([state, numbers]) => `${shardStateLabel(state)}: ${ranges(numbers)}`).join(' · ');
}

export function shardStateLabel(state) {
  return state === 'missing' ? 'not started' : statusLabel(state);
}

function ranges(numbers) {
  const parts = [];
  for (let i = 0; i < numbers.length; i++) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    parts.push(j > i ? `${numbers[i]}–${numbers[j]}` : String(numbers[i]));
    i = j;
  }
  return parts.join(', ');
}

/** A run list's note on a sharded run: "2/4 shards done" while it runs, "4 shards" (or "3/4 shards ran") after. */
export function shardsNote(run) {
  const list = shardList(run);
  if (!list) return null;
  const total = list.length;
  const missing = list.filter((s) => !s.shard).length;
  const done = list.filter((s) => s.shard && s.state !== 'running').length;
  const text = run.status === 'running' ? `${done}/${total} shards done`
    : missing ? `${total - missing}/${total} shards ran` : `${total} shards`;
  return h('span', { class: `shards-note${missing && run.status !== 'running' ? ' incomplete' : ''}`,
    title: `Shards: ${shardStates(list)}` }, text);
}

export function runDuration(run) {
  if (run.duration != null) return formatDuration(run.duration);
  if (run.status === 'running' && run.startTime) return `${formatDuration(Date.now() - new Date(run.startTime).getTime())}…`;
  return '–';
}

export function runsTableHead(showProject) {
  return h('thead', null, h('tr', null,
    h('th', null, 'Status'), showProject ? h('th', null, 'Project') : null, h('th', null, 'Run'),
    h('th', null, 'Branch'), h('th', null, 'Commit'), h('th', { class: 'w-progress' }, 'Progress'),
    h('th', null, 'Results'), h('th', null, 'Duration'), h('th', null, 'Started')));
}

/** Fills (or refills) a row for a run. */
export function fillRunRow(tr, run, showProject) {
  tr.dataset.runId = run.id;
  tr.dataset.status = run.status;
  tr.cached = run;
  const focused = tr.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
  append(clear(tr), [
    h('td', null, badge(run.status)),
    showProject ? h('td', null, link(`/projects/${run.projectId}`, run.projectName)) : null,
    h('td', null, link(`/runs/${run.id}`, `#${run.id}`),
      run.pinned ? h('span', { class: 'pin-mark', title: 'Pinned: retention keeps it' }, 'pinned') : null),
    h('td', { class: 'truncate' }, run.branch ? h('span', { title: run.branch }, run.branch) : h('span', { class: 'muted' }, '–')),
    h('td', null, run.commit ? h('code', { title: String(run.commit) }, shortSha(run.commit)) : h('span', { class: 'muted' }, '–')),
    h('td', null, progressBar(run), shardsNote(run)),
    h('td', null, counts(run)),
    h('td', { class: 'num' }, runDuration(run)),
    h('td', null, timeAgo(run.startTime))]);
  tr.querySelector('td a[href^="/runs/"]').classList.add('run-link');
  if (focused) tr.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
  return tr;
}

export function runRow(run, showProject) {
  return fillRunRow(h('tr'), run, showProject);
}

/** j/k (or arrow keys) move between the run links of a list; Enter opens one. */
export function listKeys(container, selector) {
  const onKey = (event) => {
    if (event.target.matches('input, textarea, select') || event.metaKey || event.ctrlKey || event.altKey) return;
    const down = event.key === 'j';
    const up = event.key === 'k';
    if (!down && !up) return;
    const items = [...container.querySelectorAll(selector)];
    if (!items.length) return;
    const index = items.indexOf(document.activeElement);
    const next = index < 0 ? 0 : Math.min(items.length - 1, Math.max(0, index + (down ? 1 : -1)));
    items[next].focus();
    event.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
