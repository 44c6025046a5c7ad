'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { packFolder } = require('./archive');
const { StreamClient, send, describeResponse, sleep } = require('./client');
const { backoffDelay, isRetryable } = require('./backoff');
const { Spool, readSpool, attachmentKey } = require('./spool');

const MAX_REPORT_BYTES = 200 * 1024 * 1024;
const MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024;
const ATTACHMENTS_PER_REQUEST = 20;
const BYTES_PER_REQUEST = 100 * 1024 * 1024;
/** What the files of a run's end may leave of the time budget for its `finish`, at most. */
const FINISH_RESERVE_MS = 15000;
/** How long `flush` tries before it gives up (the spool is kept). */
const FLUSH_TIME_LIMIT_MS = 120000;

/**
 * The HTML reporter's output folder from the resolved config: its `outputFolder` option (relative to the config
 * file), PLAYWRIGHT_HTML_OUTPUT_DIR / PLAYWRIGHT_HTML_REPORT, else `playwright-report` beside the nearest
 * package.json. Undefined when the html reporter is not configured.
 */
function htmlReportFolder(config, env = process.env) {
  const entries = Array.isArray(config.reporter) ? config.reporter : [];
  const html = entries.find((entry) => (Array.isArray(entry) ? entry[0] : entry) === 'html');
  if (!html) {
    return undefined;
  }
  const options = Array.isArray(html) && html[1] && typeof html[1] === 'object' ? html[1] : {};
  const fromEnv = env.PLAYWRIGHT_HTML_OUTPUT_DIR || env.PLAYWRIGHT_HTML_REPORT;
  if (fromEnv) {
    return path.resolve(fromEnv);
  }
  const configDir = config.configFile ? path.dirname(config.configFile) : config.rootDir || process.cwd();
  if (options.outputFolder) {
    return path.resolve(configDir, options.outputFolder);
  }
  let dir = configDir;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      return path.join(dir, 'playwright-report');
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return path.resolve(process.cwd(), 'playwright-report');
    }
    dir = parent;
  }
}

/** The size of the regular files under `folder`, stopping early past `limit`. */
function folderSize(folder, limit) {
  let total = 0;
  const walk = (dir) => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (total > limit) return;
      const full = path.join(dir, dirent.name);
      if (dirent.isDirectory()) walk(full);
      else if (dirent.isFile()) total += fs.statSync(full).size;
    }
  };
  walk(folder);
  return total;
}

/**
 * The HTML report's form. `type` is `html`; a `flush` of a shard's late files, sent with the API key rather than
 * the shard's token, names the shard's own type (`html-shard-<n>`) as the server stores it for the token.
 */
function reportForm(archive, type = 'html', label = 'Playwright HTML report') {
  const form = new FormData();
  form.append(`report_${type}`, new Blob([archive], { type: 'application/gzip' }), 'playwright-report.gz');
  form.append(`report_label_${type}`, label);
  return form;
}

function attachmentsForm(items) {
  const form = new FormData();
  form.append('attachments', JSON.stringify(items.map((item, i) => ({
    part: `attachment_${i}`, titlePath: item.titlePath, file: item.file, playwrightProject: item.playwrightProject,
    retry: item.retry, name: item.name, contentType: item.contentType,
  }))));
  items.forEach((item, i) => {
    form.append(`attachment_${i}`, new Blob([fs.readFileSync(item.path)], { type: item.contentType }),
      path.basename(item.path));
  });
  return form;
}

/** Attachments whose file still exists and is not too large, in groups of a bounded count and size. */
function attachmentGroups(attachments, log) {
  const groups = [];
  let group = [];
  let bytes = 0;
  for (const item of attachments) {
    let size;
    try {
      size = fs.statSync(item.path).size;
    } catch {
      continue; // removed since (e.g. Playwright's outputDir was cleaned)
    }
    if (size > MAX_ATTACHMENT_BYTES) {
      log.once('attachment-size', `${item.path} is larger than ${MAX_ATTACHMENT_BYTES} bytes; not uploaded`);
      continue;
    }
    if (group.length && (group.length >= ATTACHMENTS_PER_REQUEST || bytes + size > BYTES_PER_REQUEST)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += size;
  }
  if (group.length) groups.push(group);
  return groups;
}

/** Packs the HTML report folder as a `.gz` archive, or undefined (with one log line) when it cannot. */
function packReport(folder, log) {
  try {
    if (!folder || !fs.existsSync(path.join(folder, 'index.html'))) {
      return undefined;
    }
    if (folderSize(folder, MAX_REPORT_BYTES) > MAX_REPORT_BYTES) {
      log.once('report-size', `the HTML report in ${folder} is larger than ${MAX_REPORT_BYTES} bytes; not uploaded`);
      return undefined;
    }
    return packFolder(folder);
  } catch (error) {
    log.once('report-pack', `cannot pack the HTML report in ${folder} (${error.message}); not uploaded`);
    return undefined;
  }
}

/**
 * Attaches the report and the attempts' files, skipping what `sent` says the server already confirmed, and records
 * each confirmed upload in `spool` (`attached`). Files are best effort: a refusal (4xx) is logged once and not
 * retried later (the other groups would be refused the same way); a failure that may pass (no answer, 5xx after
 * the retries, the time limit) stops the uploads, and what was not confirmed is `pending`, kept for `flush`.
 * Resolves `{pending, refused, reason}`.
 */
async function attachFiles(client, { reportFolder, attachments = [], log, spool, sent, report = {} }) {
  const done = sent || { report: false, keys: new Set() };
  const jobs = [];
  const archive = reportFolder && !done.report ? packReport(reportFolder, log) : undefined;
  if (archive) {
    jobs.push({ what: 'the HTML report', count: 1, report: true,
      makeForm: () => reportForm(archive, report.type, report.label) });
  }
  const waiting = attachments.filter((item) => !done.keys.has(attachmentKey(item)));
  for (const group of attachmentGroups(waiting, log)) {
    jobs.push({ what: 'traces, screenshots and videos', count: group.length, group,
      makeForm: () => attachmentsForm(group) });
  }
  let pending = 0;
  let refused = 0;
  let reason;
  let stop;
  for (const job of jobs) {
    if (stop) {
      if (stop === 'failed') pending += job.count;
      else refused += job.count;
      continue;
    }
    const res = await client.attach(job.makeForm, job.what);
    if (res.ok) {
      if (spool) {
        spool.append(job.report ? { kind: 'attached', report: true }
          : { kind: 'attached', keys: job.group.map(attachmentKey) });
      }
    } else if (res.status !== undefined && !isRetryable(res.status)) {
      refused += job.count;
      reason = reason || describeResponse(res);
      if (!job.report) stop = 'refused';
    } else {
      pending += job.count;
      reason = res.error || describeResponse(res);
      stop = 'failed';
    }
  }
  return { pending, refused, reason };
}

/**
 * The end of a streamed run: send what is queued, attach the report and the attempt files, then `finish`. The
 * finish is sent whenever the results are delivered, whatever became of the files (they are best effort, and get at
 * most the time budget less a reserve for the finish); files not delivered stay in the spool for `flush`, which the
 * server accepts for `runs.filesGrace` after the finish. Resolves `{delivered, finished, filesPending,
 * filesReason}`: `delivered` when every result, every file that was not refused and the finish reached the server.
 */
async function deliverEnd(client, { reportFolder, attachments = [], finishBody, log, spool = client.spool, sent }) {
  if (client.down) client.probeNow();
  if (!(await client.flush())) {
    return { delivered: false, finished: false, filesPending: 0 };
  }
  const deadline = client.deadline;
  const reserve = Math.max(0, Math.min(FINISH_RESERVE_MS, Math.floor((deadline - Date.now()) / 4)));
  client.deadline = deadline - reserve;
  let files;
  try {
    files = await attachFiles(client, { reportFolder, attachments, log, spool, sent });
  } finally {
    client.deadline = deadline;
  }
  if (client.down) client.probeNow(); // the files' failure must not keep the finish from being tried
  const finished = await client.finish(finishBody);
  if (finished.ok && spool) spool.append({ kind: 'finished', runId: client.runId });
  return { delivered: finished.ok && client.delivered && files.pending === 0, finished: finished.ok,
    filesPending: files.pending, filesReason: files.reason };
}

/**
 * One-shot delivery (`streaming: false`): `submit`, or `upload` when there are files. A one-shot request makes a
 * new run each time, so it is resent only when it surely did not arrive (connection refused, 429, 503).
 */
async function deliverOneShot({ serverUrl, apiKey, projectName, projectDescription, startBody, events, finishBody,
  reportFolder, attachments = [], deadline, requestTimeout, retries, log }) {
  const testCases = events.map((e) => ({
    title: e.title, titlePath: e.titlePath, playwrightProject: e.playwrightProject, location: e.location,
    status: e.status, duration: e.duration, error: e.error, retries: e.retry, expectedStatus: e.expectedStatus,
    steps: e.steps, annotations: e.annotations, attachments: e.attachments,
  }));
  const finals = new Map();
  for (const e of events) {
    const key = JSON.stringify([e.location.replace(/:\d+(:\d+)?$/, ''), e.titlePath, e.playwrightProject]);
    if (!finals.has(key) || finals.get(key).retry <= e.retry) finals.set(key, e);
  }
  const last = [...finals.values()];
  const testRun = {
    status: finishBody.status, startTime: startBody.startTime, duration: finishBody.duration,
    totalTests: last.length, passedTests: last.filter((e) => e.status === 'passed').length,
    failedTests: last.filter((e) => e.status === 'failed' || e.status === 'timedOut').length,
    skippedTests: last.filter((e) => e.status === 'skipped').length, metadata: startBody.metadata,
    ...(projectDescription ? { projectDescription } : {}),
  };
  const archive = reportFolder ? packReport(reportFolder, log) : undefined;
  const traces = [];
  events.forEach((e, index) => {
    for (const a of attachments) {
      if (a.name === 'trace' && a.eventIndex === index && fs.existsSync(a.path)) traces.push({ index, path: a.path });
    }
  });
  const useUpload = Boolean(archive) || traces.length > 0;
  const makeBody = () => {
    if (!useUpload) {
      return JSON.stringify({ projectName, ...testRun, testCases });
    }
    const form = new FormData();
    form.append('projectName', projectName);
    form.append('testRun', JSON.stringify(testRun));
    form.append('testCases', JSON.stringify(testCases));
    if (archive) form.append('report_html', new Blob([archive], { type: 'application/gzip' }), 'playwright-report.gz');
    for (const t of traces) {
      form.append(`trace_${t.index}`, new Blob([fs.readFileSync(t.path)], { type: 'application/zip' }), 'trace.zip');
    }
    return form;
  };
  const url = `${serverUrl}/api/test-runs/${useUpload ? 'upload' : 'submit'}`;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { delivered: false };
    const headers = { Authorization: `Bearer ${apiKey}` };
    if (!useUpload) headers['Content-Type'] = 'application/json';
    const res = await send(url, { headers, body: makeBody(), timeoutMs: Math.min(remaining, useUpload
      ? remaining : requestTimeout) });
    if (res.status === 201 || res.status === 200) {
      return { delivered: true, runId: res.json && res.json.testRunId };
    }
    const surelyNotArrived = (res.status === undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(res.error || ''))
      || res.status === 429 || res.status === 503;
    if (!surelyNotArrived || attempt >= retries) {
      log.once('oneshot', `could not send the run to ${serverUrl} (${describeResponse(res)})`);
      return { delivered: false };
    }
    const delay = backoffDelay(attempt);
    if (Date.now() + delay >= deadline) return { delivered: false };
    await sleep(delay);
  }
}

/**
 * Delivers a spool file (the `flush` command): starts (or resumes, by its runKey, or by buildId + shard for a
 * shard of a build) the run, replays every result (the server keeps each attempt once), attaches the files that
 * still exist and finishes the run as recorded (`interrupted` if the spool has no end). `newRun` sends it as a run
 * of its own: a fresh runKey, and no buildId or shard. When the spool says the server confirmed the finish (only
 * files were missing), only the files the server has not confirmed are sent, with the API key, to that run. Its
 * progress is appended to the spool, so a second `flush` sends only what is still missing. Gives up after
 * `timeBudget` (2 minutes). Resolves `{delivered, runId, stats, …, reason}`.
 */
async function flushSpool(file, { serverUrl, apiKey, newRun = false, timeBudget = FLUSH_TIME_LIMIT_MS, log,
  requestTimeout }) {
  const spool = readSpool(file);
  const header = spool.header;
  const url = serverUrl || header.serverUrl;
  if (!url) throw new Error('no server URL: set RUNBOARD_URL or pass --server');
  if (!apiKey) throw new Error('no API key: set RUNBOARD_API_KEY');
  log.addSecret(apiKey);
  const startBody = { ...(header.start || {}), ...(spool.start || {}) };
  if (newRun) {
    delete startBody.buildId;
    delete startBody.shard;
  }
  const client = new StreamClient({
    serverUrl: url, apiKey, projectName: header.projectName, startBody,
    runKey: newRun ? `${spool.runKey.slice(0, 70)}-flush-${Date.now().toString(36)}` : spool.runKey,
    log, batchSize: 1000, maxQueue: Infinity, keepAliveInterval: 0, requestTimeout: requestTimeout ?? 30000, retries: 5,
    newKeyWhenFinished: false, autoProbe: false,
  });
  client.deadline = Date.now() + timeBudget;
  const progress = new Spool(file);
  progress.reopen();
  const files = spool.files[spool.files.length - 1] || {};
  const finishBody = spool.finish || { status: 'interrupted', endTime: new Date().toISOString() };
  const reportFolder = files.reportFolder && fs.existsSync(files.reportFolder) ? files.reportFolder : undefined;
  const attachments = (files.attachments || []).filter((a) => fs.existsSync(a.path));
  const lateFiles = Boolean(spool.finished) && !newRun;
  let outcome;
  try {
    if (lateFiles) {
      // The run is finished on the server: only files were missing. They go to that run with the API key.
      client.runId = spool.finished.runId;
      client.lateFiles = true;
      const shard = startBody.shard;
      const sent = await attachFiles(client, {
        reportFolder, attachments, log, spool: progress, sent: spool.attached,
        report: shard ? { type: `html-shard-${shard.current}`,
          label: `Playwright HTML report (shard ${shard.current}/${shard.total})` } : {},
      });
      outcome = { delivered: sent.pending === 0 && sent.refused === 0, filesPending: sent.pending,
        filesRefused: sent.refused, filesReason: sent.reason };
    } else {
      for (const event of spool.events) client.add(event);
      outcome = await deliverEnd(client, { reportFolder, attachments, finishBody, log, spool: progress,
        sent: spool.attached });
    }
  } finally {
    client.close();
    progress.close();
  }
  return { ...outcome, lateFiles, runId: client.runId, runKey: client.runKey, stats: client.stats,
    events: spool.events.length, finished: client.finished, fatal: client.fatal, conflict: Boolean(client.conflict),
    status: finishBody.status, buildId: startBody.buildId, shard: startBody.shard,
    reason: client.fatal
      || unreachable(client, timeBudget, outcome.filesPending ? outcome.filesReason : undefined) };
}

/**
 * Why a flush did not get through, in words: a refused connection (nothing listens on that port), no answer, or the
 * time limit.
 */
function unreachable(client, timeBudget, failure) {
  const why = client.down ? client.downReason : failure;
  if (why && /ECONNREFUSED/.test(why)) {
    return `connection refused by ${client.serverUrl} (${why}): is the server running on that port?`;
  }
  if (why) {
    return `${client.serverUrl} did not answer (${why})`;
  }
  if (Date.now() >= client.deadline) {
    return `the time limit of ${Math.round(timeBudget / 1000)} s ran out`;
  }
  return undefined;
}

module.exports = {
  htmlReportFolder, packReport, deliverEnd, deliverOneShot, flushSpool, attachFiles, attachmentGroups, reportForm,
  attachmentsForm, FLUSH_TIME_LIMIT_MS,
};
