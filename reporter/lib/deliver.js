'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { packFolder } = require('./archive');
const { StreamClient, send, describeResponse, sleep } = require('./client');
const { backoffDelay } = require('./backoff');
const { readSpool } = require('./spool');

const MAX_REPORT_BYTES = 200 * 1024 * 1024;
const MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024;
const ATTACHMENTS_PER_REQUEST = 20;
const BYTES_PER_REQUEST = 100 * 1024 * 1024;

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

function reportForm(archive) {
  const form = new FormData();
  form.append('report_html', new Blob([archive], { type: 'application/gzip' }), 'playwright-report.gz');
  form.append('report_label_html', 'Playwright HTML report');
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
 * The end of a streamed run: send what is queued, attach the report and the attempt files, then `finish`.
 * Resolves `{delivered}`: true when every result and the finish reached the server (files are best effort).
 */
async function deliverEnd(client, { reportFolder, attachments = [], finishBody, log }) {
  if (client.down) client.probeNow();
  if (!(await client.flush())) {
    return { delivered: false };
  }
  const archive = reportFolder ? packReport(reportFolder, log) : undefined;
  if (archive) {
    const res = await client.attach(() => reportForm(archive), 'the HTML report');
    if (!res.ok && res.status === undefined) return { delivered: false };
  }
  for (const group of attachmentGroups(attachments, log)) {
    const res = await client.attach(() => attachmentsForm(group), 'traces, screenshots and videos');
    if (!res.ok && res.status === undefined) return { delivered: false };
    if (!res.ok) break; // a refusal is logged once; the other groups would be refused the same way
  }
  const finished = await client.finish(finishBody);
  return { delivered: finished.ok && client.delivered };
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
 * of its own: a fresh runKey, and no buildId or shard. Resolves `{delivered, runId, stats, …}`.
 */
async function flushSpool(file, { serverUrl, apiKey, newRun = false, timeBudget = 120000, log, requestTimeout }) {
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
  for (const event of spool.events) client.add(event);
  const files = spool.files[spool.files.length - 1] || {};
  const finishBody = spool.finish || { status: 'interrupted', endTime: new Date().toISOString() };
  const attachments = (files.attachments || []).filter((a) => fs.existsSync(a.path));
  const { delivered } = await deliverEnd(client, {
    reportFolder: files.reportFolder && fs.existsSync(files.reportFolder) ? files.reportFolder : undefined,
    attachments, finishBody, log,
  });
  client.close();
  return { delivered, runId: client.runId, runKey: client.runKey, stats: client.stats, events: spool.events.length,
    finished: client.finished, fatal: client.fatal, conflict: Boolean(client.conflict), status: finishBody.status,
    buildId: startBody.buildId, shard: startBody.shard };
}

module.exports = {
  htmlReportFolder, packReport, deliverEnd, deliverOneShot, flushSpool, attachmentGroups, reportForm,
  attachmentsForm,
};
