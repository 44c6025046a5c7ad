// The runs feed: newest runs of every project, filtered by project, branch prefix, status and a text search (kept
// in the URL). New runs appear and progress moves live from /api/stream; live runs pass the same filters.
import { api, query as qs } from '../api.js';
import { h, errorBox, toast } from '../dom.js';
import { runsTableHead, runRow, fillRunRow, listKeys } from '../runs.js';
import { runFilter } from '../run-filter.js';

const PAGE = 50;
const STATUSES = [['', 'Any status'], ['running', 'Running'], ['passed', 'Passed'], ['failed', 'Failed'],
  ['timedout', 'Timed out'], ['interrupted', 'Interrupted']];

export async function render(view, { page, query, app }) {
  const body = h('tbody', { id: 'runs' });
  const status = h('span', { class: 'live-status', id: 'live-status' }, 'connecting…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older runs');
  const message = h('div');
  // Filters: read from the URL, written back to it (replaceState) when they change.
  const projectSelect = h('select', { name: 'project', id: 'feed-project', 'aria-label': 'Project' },
    h('option', { value: '' }, 'All projects'));
  const branchInput = h('input', { type: 'search', name: 'branch', id: 'feed-branch', placeholder: 'Branch starts with…',
    maxlength: 500, value: query.get('branch') || '', 'aria-label': 'Branch starts with' });
  const statusSelect = h('select', { name: 'status', id: 'feed-status', 'aria-label': 'Status' },
    STATUSES.map(([value, label]) => h('option', { value, selected: value === (query.get('status') || '') }, label)));
  const searchInput = h('input', { type: 'search', name: 'q', id: 'feed-q', placeholder: 'Search: #run, commit, message, CI build',
    maxlength: 200, value: query.get('q') || '', 'aria-label': 'Search runs' });
  const clearButton = h('button', { type: 'button', class: 'secondary small', id: 'feed-clear' }, 'Clear');
  const filterForm = h('form', { class: 'inline-form feed-filters', role: 'search', 'aria-label': 'Filter runs' },
    projectSelect, branchInput, statusSelect, searchInput, clearButton);
  view.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Runs'), status),
    h('p', { class: 'muted hint' }, 'Newest runs of all projects, updated live. Keys: j / k move between runs, Enter opens.'),
    filterForm, message,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid runs' }, runsTableHead(true), body)),
    more);
  const rows = new Map();
  let cursor = null;
  let disposed = false;
  const wantedProject = query.get('project') || '';
  const filters = () => ({ project: projectSelect.value,
    branchPrefix: branchInput.value.trim(), status: statusSelect.value, q: searchInput.value.trim() });
  let matches = runFilter(filters());
  const filtered = () => Object.values(filters()).some(Boolean);

  /** Runs that the filters left out: their progress asks nothing (their end is read again, the status may match). */
  const unmatched = new Set();
  let generation = 0;
  const load = async (reset) => {
    const mine = reset ? ++generation : generation;
    const f = filters();
    const data = await api(`/api/test-runs${qs({ limit: PAGE, project: f.project, branchPrefix: f.branchPrefix,
      status: f.status, q: f.q, cursor: reset ? null : cursor })}`);
    if (mine !== generation || disposed) return;
    if (reset) {
      body.replaceChildren();
      rows.clear();
    }
    for (const run of data.runs) {
      if (rows.has(run.id)) continue;
      const tr = runRow(run, true);
      rows.set(run.id, tr);
      body.append(tr);
    }
    cursor = data.nextCursor;
    more.hidden = !cursor;
    empty();
  };
  const empty = () => {
    if (!rows.size && !body.querySelector('.empty')) {
      body.append(h('tr', { class: 'empty' }, h('td', { colspan: 9 }, filtered()
        ? 'No run matches these filters. New runs that match appear here live.'
        : 'No runs yet. Point a Playwright reporter at this server (see the README) and runs appear here live.')));
    } else if (rows.size) {
      body.querySelector('.empty')?.remove();
    }
  };
  more.addEventListener('click', () => load(false).catch((e) => toast(e.message)));

  const apply = () => {
    const f = filters();
    app.setQuery({ project: f.project, branch: f.branchPrefix, status: f.status, q: f.q });
    matches = runFilter(f);
    unmatched.clear();
    message.replaceChildren();
    load(true).catch((e) => message.append(errorBox(e)));
  };
  let typing = null;
  for (const input of [branchInput, searchInput]) {
    input.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(apply, 250);
    });
  }
  projectSelect.addEventListener('change', apply);
  statusSelect.addEventListener('change', apply);
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    apply();
  });
  clearButton.addEventListener('click', () => {
    projectSelect.value = '';
    branchInput.value = '';
    statusSelect.value = '';
    searchInput.value = '';
    apply();
  });
  // Projects for the select; a project named by the URL is kept even before the list arrives.
  if (wantedProject) projectSelect.append(h('option', { value: wantedProject, selected: true }, `Project ${wantedProject}`));
  api('/api/projects?limit=200').then(({ projects }) => {
    const chosen = projectSelect.value;
    projectSelect.replaceChildren(h('option', { value: '' }, 'All projects'),
      ...projects.map((p) => h('option', { value: String(p.id), selected: String(p.id) === chosen }, p.name)));
    if (chosen && projectSelect.value !== chosen) {
      projectSelect.append(h('option', { value: chosen, selected: true }, `Project ${chosen}`));
    }
  }).catch(() => {});

  const refresh = async (runId, prepend) => {
    try {
      const run = await api(`/api/test-runs/${runId}`);
      if (disposed) return;
      let tr = rows.get(run.id);
      if (!matches(run)) {
        unmatched.add(run.id);
        // A run that no longer matches (it finished, with a status filter) leaves the list.
        if (tr) {
          tr.remove();
          rows.delete(run.id);
          empty();
        }
        return;
      }
      if (!tr) {
        if (!prepend) return;
        tr = runRow(run, true);
        rows.set(run.id, tr);
        const before = [...body.children].find((row) => Number(row.dataset.runId) < run.id);
        body.insertBefore(tr, before || null);
        tr.classList.add('fresh');
        empty();
      } else {
        fillRunRow(tr, run, true);
      }
    } catch (e) {
      if (e.status !== 404) toast(e.message);
    }
  };

  // The global stream does not carry shards (a shard joining or finishing sends run-progress): while a sharded run
  // runs, its row's shards are read again after a change, at most every 3 s per run, the last change included.
  const shardReads = new Map();
  const refreshShards = (runId) => {
    const pending = shardReads.get(runId);
    if (pending) {
      pending.dirty = true;
      return;
    }
    const read = { dirty: false, timer: null };
    shardReads.set(runId, read);
    const again = async () => {
      read.dirty = false;
      try {
        const run = await api(`/api/test-runs/${runId}`);
        const tr = rows.get(runId);
        if (!disposed && tr && tr.cached.status === 'running') {
          const newer = run.counters.attempts >= tr.cached.counters.attempts;
          fillRunRow(tr, { ...tr.cached, shards: run.shards, status: newer ? run.status : tr.cached.status,
            counters: newer ? run.counters : tr.cached.counters }, true);
        }
      } catch (e) {
        // the next change asks again
      }
      if (disposed) return;
      read.timer = setTimeout(() => {
        if (read.dirty) again();
        else shardReads.delete(runId);
      }, 3000);
    };
    read.timer = setTimeout(again, 500);
  };

  try {
    matches = runFilter(filters());
    await load(true);
  } catch (e) {
    view.append(errorBox(e));
    return;
  }

  const source = new EventSource('/api/stream');
  let dropped = false;
  source.addEventListener('open', () => {
    status.textContent = 'live';
    status.classList.add('on');
    if (dropped) load(true).catch(() => {});
    dropped = false;
  });
  source.addEventListener('error', () => {
    status.textContent = 'reconnecting…';
    status.classList.remove('on');
    dropped = true;
  });
  for (const type of ['run-started', 'run-submitted']) {
    source.addEventListener(type, (event) => refresh(JSON.parse(event.data).runId, true));
  }
  source.addEventListener('run-progress', (event) => {
    // Progress changes counters only: the row is refilled from its run with the new counters, no request.
    const update = JSON.parse(event.data);
    const tr = rows.get(update.runId);
    if (!tr) {
      if (!unmatched.has(update.runId)) refresh(update.runId, true);
      return;
    }
    const next = { ...tr.cached, status: update.status, counters: update.counters };
    if (!matches(next)) {
      unmatched.add(update.runId);
      tr.remove();
      rows.delete(update.runId);
      empty();
      return;
    }
    fillRunRow(tr, next, true);
    if (tr.cached.shards && update.status === 'running') refreshShards(update.runId);
  });
  source.addEventListener('run-finished', (event) => refresh(JSON.parse(event.data).runId, true));
  source.addEventListener('run-deleted', (event) => {
    const { runId } = JSON.parse(event.data);
    rows.get(runId)?.remove();
    rows.delete(runId);
    empty();
  });

  // Durations of running runs tick.
  const ticker = setInterval(() => {
    for (const tr of rows.values()) if (tr.dataset.status === 'running') fillRunRow(tr, tr.cached, true);
  }, 5000);

  const stopKeys = listKeys(view, 'a.run-link');
  page.dispose = () => {
    disposed = true;
    shardReads.forEach((read) => clearTimeout(read.timer));
    source.close();
    clearInterval(ticker);
    stopKeys();
  };
}
