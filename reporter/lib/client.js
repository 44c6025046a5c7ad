'use strict';

const crypto = require('node:crypto');
const { backoffDelay, isRetryable } = require('./backoff');

const MAX_BATCH_ITEMS = 1000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** One HTTP request with a timeout. Resolves `{status, json, text}` or `{error}`; never rejects. */
async function send(url, { method = 'POST', headers = {}, body, timeoutMs }) {
  const controller = new AbortController();
  // A referenced timer: while the end of a run waits for an answer, it must keep Node running (an unreferenced
  // one would let the process exit with code 0 before Playwright sets its own).
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method, headers, body, signal: controller.signal });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { error: controller.signal.aborted ? `no answer within ${timeoutMs} ms` : describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error) {
  const cause = error && error.cause;
  if (cause && cause.code) {
    return `${cause.code}${cause.address ? ` ${cause.address}${cause.port ? ':' + cause.port : ''}` : ''}`;
  }
  return (cause && cause.message) || (error && error.message) || String(error);
}

function describeResponse(res) {
  if (res.status === undefined) {
    return res.error;
  }
  const body = res.json && typeof res.json === 'object'
    ? [res.json.error, res.json.message].filter(Boolean).join(': ') : (res.text || '').slice(0, 200);
  return `HTTP ${res.status}${body ? ' ' + body : ''}`;
}

/**
 * Why the server refused (409) to start a shard of a build: the shard has finished in that build, or the build's
 * other shards were started with another shard total. The server's message tells which, when it names either.
 */
function startConflictMessage(res, { buildId, shard }) {
  const what = shard ? `shard ${shard.current}/${shard.total} of build ${buildId}` : `build ${buildId}`;
  const text = res.json && typeof res.json.message === 'string' ? res.json.message : res.text || '';
  const total = shard ? `${shard.total}` : '1 (an unsharded run)';
  let why;
  if (/total/i.test(text)) {
    why = `the build's other shards were started with another shard total than ${total} (two sharded jobs of one `
      + 'CI build sending to one project need different build ids)';
  } else if (/finish/i.test(text)) {
    why = `${shard ? 'this shard' : 'this run'} of the build has already finished (e.g. a retried CI job)`;
  } else {
    why = `either ${shard ? 'this shard' : 'this run'} of the build has already finished, or the build's other shards `
      + `were started with another shard total than ${total}`;
  }
  return `the server refused to start ${what} (${describeResponse(res)}): ${why}; nothing more is sent`;
}

/** A referenced wait (see {@link send}): a retry that is awaited keeps the process alive until it is done. */
const sleep = (ms) => new Promise((resolve) => {
  setTimeout(resolve, ms);
});

/**
 * Delivers one streamed run: `start`, then batches of events with one request in flight, file uploads (attach
 * mode) and `finish`. Failed requests are retried with backoff on network errors, timeouts, 5xx, 408 and 429;
 * after `retries` failed attempts the server counts as unreachable ("down") and is probed again every
 * `probeInterval` while results wait (in memory up to `maxQueue`, and always in the spool). Nothing here throws
 * or waits past `deadline`.
 */
class StreamClient {
  constructor(options) {
    this.serverUrl = options.serverUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.projectName = options.projectName;
    this.startBody = options.startBody; // an object or a promise of one
    this.runKey = options.runKey;
    this.spool = options.spool || null;
    this.log = options.log;
    this.batchSize = options.batchSize ?? 50;
    this.flushInterval = options.flushInterval ?? 250;
    this.keepAliveInterval = options.keepAliveInterval ?? 30000;
    this.requestTimeout = options.requestTimeout ?? 15000;
    this.retries = options.retries ?? 5;
    this.maxQueue = options.maxQueue ?? 10000;
    this.probeInterval = options.probeInterval ?? 10000;
    this.backoff = { base: options.backoffBase ?? 250, max: options.backoffMax ?? 5000 };
    this.newKeyWhenFinished = options.newKeyWhenFinished ?? true;
    this.readSpooledEvents = options.readSpooledEvents || null;
    this.autoProbe = options.autoProbe ?? true;
    this._chain = Promise.resolve();
    this.deadline = Infinity;

    this.runId = undefined;
    this.token = undefined;
    this.pending = [];
    this.overflowed = false;
    this.down = false;
    this.nextProbe = 0;
    this.fatal = null;
    this.finished = null;
    this.inflight = null;
    this.timer = null;
    this.keepAliveTimer = null;
    this.keepAliveDue = false;
    this.lastActivity = Date.now();
    this.restarts = 0;
    this.closed = false;
    this.stats = { requests: 0, retries: 0, stored: 0, duplicates: 0, events: 0, files: 0, filesStored: 0,
      filesDuplicates: 0, dropped: 0 };
  }

  /** Starts the run in the background and keeps it alive while idle. */
  begin() {
    this.pump();
    if (this.keepAliveInterval > 0) {
      this.keepAliveTimer = setInterval(() => {
        if (this.token && !this.fatal && Date.now() - this.lastActivity >= this.keepAliveInterval) {
          this.keepAliveDue = true;
          this.pump();
        }
      }, Math.max(1000, Math.floor(this.keepAliveInterval / 2)));
      if (this.keepAliveTimer.unref) this.keepAliveTimer.unref();
    }
  }

  /** Queues an event; `complete` events also go to the spool. */
  add(event) {
    if (this.closed) return;
    if (event.type === 'complete') {
      this.stats.events++;
      if (this.spool) this.spool.append({ kind: 'event', event });
    }
    if (this.fatal) return;
    if (this.overflowed) return; // the spool holds them; they are replayed from it
    if (event.type === 'begin' && (this.down || this.pending.length >= this.batchSize * 4)) {
      return; // begin events are live hints only: not worth keeping while behind
    }
    this.pending.push({ event, size: Buffer.byteLength(JSON.stringify(event)) });
    if (this.pending.length > this.maxQueue) {
      if (this.spool && this.readSpooledEvents) {
        this.overflowed = true;
        this.pending = [];
        this.log.once('overflow', `more than ${this.maxQueue} results are waiting; they are kept in the spool `
          + `(${this.spool.file}) and resent from there`);
      } else {
        const dropped = this.pending.splice(0, this.pending.length - this.maxQueue);
        this.stats.dropped += dropped.length;
        this.log.once('dropped', `more than ${this.maxQueue} results are waiting and there is no spool: the oldest `
          + 'are dropped');
      }
    }
    this._schedule();
  }

  _schedule() {
    if (this.fatal || this.closed) return;
    if (this.pending.length >= this.batchSize) {
      this.pump();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.flushInterval);
      if (this.timer.unref) this.timer.unref();
    }
  }

  /** Runs the sender unless it is running; resolves when it stops (all sent, server down, or deadline). */
  pump() {
    if (!this.inflight) {
      this.inflight = this._drain()
        .catch((error) => {
          this.log.once('internal', `internal error while sending (${error && error.message}); the run goes on`);
          return false;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  /** Sends everything queued; resolves true when nothing is left (or false when it could not). */
  async flush() {
    for (let i = 0; i < 1000; i++) {
      if (this.inflight) await this.inflight;
      const ok = await this.pump();
      if (!ok || this.fatal) return false;
      if (this.pending.length === 0 && !this.overflowed) return true;
    }
    return false;
  }

  get delivered() {
    return this.pending.every((p) => p.event.type === 'begin') && !this.overflowed && !this.fatal;
  }

  async _drain() {
    for (;;) {
      if (this.fatal || this.closed) return false;
      if (!(await this._ensureStarted())) return false;
      if (this.overflowed) {
        if (!(await this._replaySpool())) return false;
        continue;
      }
      if (this.pending.length === 0) {
        if (this.keepAliveDue) {
          this.keepAliveDue = false;
          const res = await this._streamCall('events', { testCases: [] });
          if (!res.ok) return false;
        }
        return true;
      }
      const count = this._batchCount();
      const batch = this.pending.slice(0, count).map((p) => p.event);
      const outcome = await this._sendEvents(batch);
      if (outcome === 'retry-smaller') continue;
      if (!outcome) return false;
      this.pending.splice(0, count);
    }
  }

  _batchCount() {
    let bytes = 0;
    let count = 0;
    const max = Math.min(MAX_BATCH_ITEMS, Math.max(this.batchSize, this.pending.length > this.batchSize * 4
      ? MAX_BATCH_ITEMS : this.batchSize));
    for (const item of this.pending) {
      if (count >= max || (count > 0 && bytes + item.size > this.maxBatchBytes())) break;
      bytes += item.size;
      count++;
    }
    return Math.max(1, count);
  }

  maxBatchBytes() {
    return this._maxBatchBytes ?? MAX_BATCH_BYTES;
  }

  /** Sends one batch; true when accepted, 'retry-smaller' after dropping or splitting, false to stop. */
  async _sendEvents(batch) {
    const res = await this._streamCall('events', { testCases: batch });
    if (res.ok) {
      const stored = res.json && Number.isInteger(res.json.stored) ? res.json.stored : 0;
      this.stats.stored += stored;
      this.stats.duplicates += res.json && Number.isInteger(res.json.duplicates) ? res.json.duplicates : 0;
      return true;
    }
    if (res.status === 400 && res.json && typeof res.json.field === 'string') {
      const match = /^testCases\[(\d+)\]/.exec(res.json.field);
      if (match && Number(match[1]) < batch.length) {
        const index = Number(match[1]);
        this.pending.splice(index, 1);
        this.stats.dropped++;
        this.log.once('bad-event:' + res.json.field.replace(/\[\d+\]/, '[]'), `the server refused a result `
          + `(${describeResponse(res)}); it is left out and the others are sent`);
        return 'retry-smaller';
      }
    }
    if (res.status === 413) {
      if (batch.length > 1) {
        this._maxBatchBytes = Math.max(1024, Math.floor(this.maxBatchBytes() / 4));
        this.batchSize = Math.max(1, Math.floor(batch.length / 2));
        return 'retry-smaller';
      }
      this.pending.splice(0, 1);
      this.stats.dropped++;
      this.log.once('too-large', `a result is larger than the server accepts (${describeResponse(res)}); it is left out`);
      return 'retry-smaller';
    }
    if (res.status !== undefined && !isRetryable(res.status)) {
      this._fail(`the server refused results for run ${this.runId}: ${describeResponse(res)}`);
    }
    return false;
  }

  async _replaySpool() {
    let events;
    try {
      events = this.readSpooledEvents();
    } catch (error) {
      this._fail(`cannot read the spool back (${error.message})`);
      return false;
    }
    const replay = new StreamClient({ ...this._options(), spool: null });
    replay.runId = this.runId;
    replay.token = this.token;
    replay.deadline = this.deadline;
    this.overflowed = false;
    for (const event of events) {
      replay.pending.push({ event, size: Buffer.byteLength(JSON.stringify(event)) });
    }
    const ok = await replay._drain();
    this.stats.stored += replay.stats.stored;
    this.stats.duplicates += replay.stats.duplicates;
    if (!ok) {
      this.overflowed = true;
      if (replay.fatal) this.fatal = replay.fatal;
      this.down = replay.down || this.down;
      this.nextProbe = replay.nextProbe;
    }
    return ok;
  }

  _options() {
    return {
      serverUrl: this.serverUrl, apiKey: this.apiKey, projectName: this.projectName, startBody: this.startBody,
      runKey: this.runKey, log: this.log, batchSize: MAX_BATCH_ITEMS, flushInterval: this.flushInterval,
      keepAliveInterval: 0, requestTimeout: this.requestTimeout, retries: this.retries, maxQueue: Infinity,
      probeInterval: this.probeInterval, autoProbe: false, backoffBase: this.backoff.base, backoffMax: this.backoff.max,
    };
  }

  /**
   * `start` once. A retried start resumes the same run: by runKey, or for a build (body with `buildId`) by
   * buildId + shard, which the body keeps unchanged; a refused shard is never restarted under another key.
   */
  async _ensureStarted() {
    if (this.token) return true;
    const body = { ...(await this.startBody), projectName: this.projectName, runKey: this.runKey };
    let res = await this._call('/api/test-runs/start', body, { Authorization: `Bearer ${this.apiKey}` });
    if (res.status === 409 && body.buildId) {
      this.conflict = true;
      this._fail(startConflictMessage(res, body));
      return false;
    }
    if (res.status === 409 && this.newKeyWhenFinished && !this.keyChanged && !this.runId) {
      this.keyChanged = true;
      const old = this.runKey;
      this.runKey = `${old.slice(0, 70)}-${crypto.randomBytes(6).toString('hex')}`;
      this.log.once('runkey', `runKey ${old} names a run that has finished; this run is started as ${this.runKey}`);
      if (this.spool) this.spool.append({ kind: 'run', runKey: this.runKey });
      res = await this._call('/api/test-runs/start', { ...body, runKey: this.runKey },
        { Authorization: `Bearer ${this.apiKey}` });
    }
    if (res.ok && res.json && res.json.runId && res.json.streamToken) {
      this.runId = res.json.runId;
      this.token = res.json.streamToken;
      this.log.addSecret(this.token);
      if (this.spool) this.spool.append({ kind: 'run', runId: this.runId, runKey: this.runKey });
      return true;
    }
    if (res.ok) {
      this._fail(`the server's answer to start has no runId/streamToken (${describeResponse(res)})`);
    } else if (res.status !== undefined && !isRetryable(res.status)) {
      this._fail(`the server refused to start the run: ${describeResponse(res)}`);
    }
    return false;
  }

  /** A stream-token request; on 403 (the token was replaced) the run is started again for a fresh token. */
  async _streamCall(route, body) {
    for (;;) {
      const res = await this._call(`/api/test-runs/${this.runId}/${route}`, body,
        { 'X-Stream-Token': this.token });
      if (res.ok) return res;
      if (res.status === 403 && this.restarts < 3) {
        this.restarts++;
        this.token = undefined;
        if (!(await this._ensureStarted())) return res;
        continue;
      }
      if (res.status !== undefined && !isRetryable(res.status) && !(route === 'events' && [400, 413].includes(res.status))) {
        this._fail(`the server refused ${route} for run ${this.runId}: ${describeResponse(res)}`);
      }
      return res;
    }
  }

  /**
   * Uploads files to the run (attach mode): with the stream token, or, for a run that has finished (`lateFiles`, a
   * `flush` after the finish was delivered), through `upload` with `testRunId` and the API key. Uploads are
   * idempotent on the server (by content), so a resend after a lost answer stores nothing twice. Never marks the run
   * failed: files are best effort.
   */
  async attach(makeForm, what) {
    if (this.fatal) return { ok: false };
    let res;
    if (this.token) {
      res = await this._call(`/api/test-runs/${this.runId}/files`, makeForm, { 'X-Stream-Token': this.token },
        { form: true });
    } else if (this.lateFiles && this.runId) {
      res = await this._call('/api/test-runs/upload', () => {
        const form = makeForm();
        form.append('testRunId', String(this.runId));
        return form;
      }, { Authorization: `Bearer ${this.apiKey}` }, { form: true });
    } else {
      return { ok: false };
    }
    if (res.ok) {
      const count = res.json && Array.isArray(res.json.files) ? res.json.files.length : 0;
      this.stats.files += count;
      this.stats.filesStored += res.json && Number.isInteger(res.json.stored) ? res.json.stored : count;
      this.stats.filesDuplicates += res.json && Number.isInteger(res.json.duplicates) ? res.json.duplicates : 0;
    } else if (res.status !== undefined && !isRetryable(res.status)) {
      this.log.once('files:' + res.status, `could not attach ${what} to run ${this.runId}: ${describeResponse(res)}; `
        + 'the results are kept, the files are not');
    }
    return res;
  }

  /** `finish`; a repeated finish answers the stored summary, so retrying it is safe. */
  async finish(body) {
    if (!(await this._ensureStarted())) return { ok: false };
    const res = await this._streamCall('finish', body);
    if (res.ok) this.finished = res.json;
    return res;
  }

  /**
   * One request with retries. `body` is an object (sent as JSON) or, with `form`, a function that makes a
   * FormData (made anew for each attempt).
   */
  async _call(pathname, body, headers, options) {
    const release = await this._lock();
    try {
      return await this._callUnlocked(pathname, body, headers, options);
    } finally {
      release();
    }
  }

  /** One request (with its retries) at a time per run. */
  _lock() {
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    const previous = this._chain;
    this._chain = previous.then(() => held);
    return previous.then(() => release);
  }

  async _callUnlocked(pathname, body, headers, { form = false } = {}) {
    let attempt = 0;
    for (;;) {
      if (this.closed) return { ok: false, error: 'closed' };
      const now = Date.now();
      if (this.down && now < this.nextProbe) return { ok: false, skipped: true, error: this.downReason };
      const remaining = this.deadline - now;
      if (remaining <= 0) return { ok: false, budget: true, error: 'time budget used up' };
      attempt++;
      this.stats.requests++;
      const res = await send(this.serverUrl + pathname, {
        method: 'POST',
        headers: form ? headers : { ...headers, 'Content-Type': 'application/json' },
        body: form ? body() : JSON.stringify(body),
        // Files may be large: they get the rest of the budget (at most 5 minutes) rather than requestTimeout.
        timeoutMs: Math.max(1, Math.min(form ? Math.max(this.requestTimeout, 300000) : this.requestTimeout, remaining)),
      });
      this.lastActivity = Date.now();
      if (res.status >= 200 && res.status < 300) {
        if (this.down) {
          this.down = false;
          this.log.once('back:' + this.downCount, `${this.serverUrl} answers again; sending what waited`);
        }
        return { ok: true, ...res };
      }
      if (res.status !== undefined && !isRetryable(res.status)) {
        return { ok: false, ...res };
      }
      const reason = describeResponse(res);
      if (this.down || attempt >= this.retries) {
        // Files that fail do not make the server "unreachable": the run's finish is still tried at once.
        if (!form) this._markDown(reason);
        return { ok: false, retryable: true, ...res };
      }
      this.stats.retries++;
      let delay = backoffDelay(attempt, this.backoff);
      const retryAfter = Number(res.retryAfter);
      if (res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
        delay = Math.max(delay, Math.min(retryAfter * 1000, this.backoff.max * 4));
      }
      if (Date.now() + delay >= this.deadline) return { ok: false, budget: true, ...res };
      await sleep(delay);
    }
  }

  _markDown(reason) {
    if (!this.down) {
      this.downCount = (this.downCount || 0) + 1;
      this.down = true;
      this.downReason = reason;
      const where = this.spool ? `; results are kept in ${this.spool.file} and sent when it answers` : '';
      this.log.once('down', `cannot reach ${this.serverUrl} (${reason})${where}`);
    }
    this.nextProbe = Date.now() + this.probeInterval;
    if (!this.closed && this.autoProbe && this.probeInterval > 0 && !Number.isFinite(this.deadline)) {
      const timer = setTimeout(() => this.pump(), this.probeInterval + 10);
      if (timer.unref) timer.unref();
    }
  }

  _fail(reason) {
    if (!this.fatal) {
      this.fatal = reason;
      this.log.once('fatal', reason + (this.spool ? `; results are kept in ${this.spool.file}` : ''));
    }
  }

  /** Lets the next request try the server at once, even if it was down. */
  probeNow() {
    this.nextProbe = 0;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.keepAliveTimer);
  }
}

module.exports = { StreamClient, send, describeResponse, startConflictMessage, sleep };
