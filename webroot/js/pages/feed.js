// The runs feed: newest runs of every project. New runs appear and progress moves live from /api/stream.
import { api } from '../api.js';
import { h, errorBox, toast } from '../dom.js';
import { runsTableHead, runRow, fillRunRow, listKeys } from '../runs.js';

const PAGE = 50;

export async function render(view, { page }) {
  const body = h('tbody', { id: 'runs' });
  const status = h('span', { class: 'live-status', id: 'live-status' }, 'connecting…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older runs');
  view.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Runs'), status),
    h('p', { class: 'muted hint' }, 'Newest runs of all projects, updated live. Keys: j / k move between runs, Enter opens.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid runs' }, runsTableHead(true), body)),
    more);
  const rows = new Map();
  let cursor = null;
  let disposed = false;

  const load = async (reset) => {
    const data = await api(`/api/test-runs?limit=${PAGE}${!reset && cursor ? `&cursor=${cursor}` : ''}`);
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
      body.append(h('tr', { class: 'empty' }, h('td', { colspan: 9 },
        'No runs yet. Point a Playwright reporter at this server (see the README) and runs appear here live.')));
    } else if (rows.size) {
      body.querySelector('.empty')?.remove();
    }
  };
  more.addEventListener('click', () => load(false).catch((e) => toast(e.message)));

  const refresh = async (runId, prepend) => {
    try {
      const run = await api(`/api/test-runs/${runId}`);
      if (disposed) return;
      let tr = rows.get(run.id);
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
      refresh(update.runId, true);
      return;
    }
    fillRunRow(tr, { ...tr.cached, status: update.status, counters: update.counters }, true);
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
