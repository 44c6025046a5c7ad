'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Log } = require('./lib/log');
const { resolveOptions } = require('./lib/options');
const { detectCi, deriveRunKey } = require('./lib/ci');
const { gitInfo } = require('./lib/git');
const { beginEvent, completeEvent, identityOf, relativeFile } = require('./lib/identity');
const { Spool, readSpool } = require('./lib/spool');
const { resolveBuild, startBody } = require('./lib/start');
const { StreamClient } = require('./lib/client');
const { htmlReportFolder, deliverEnd, deliverOneShot } = require('./lib/deliver');
const { ensureTraceViewer } = require('./lib/viewer');
const { version: reporterVersion } = require('./package.json');

const RUN_STATUSES = new Set(['passed', 'failed', 'timedout', 'interrupted']);
const MAX_METADATA = 60 * 1024;

/**
 * Playwright reporter that streams every attempt to a Runboard server as it happens and finishes the run with
 * Playwright's status. It never fails or hangs the test run: each problem is logged once as `[runboard] …`,
 * results that cannot be sent are kept in a spool file, and the end is bounded by `timeBudget`.
 */
class RunboardReporter {
  constructor(options) {
    this._log = new Log();
    try {
      const { options: resolved, errors, warnings } = resolveOptions(options, process.env);
      this._options = resolved;
      this._errors = errors;
      this._warnings = warnings;
      if (typeof resolved.apiKey === 'string') this._log.addSecret(resolved.apiKey);
    } catch (error) {
      this._errors = [`cannot read the options (${error.message})`];
      this._warnings = [];
    }
  }

  printsToStdio() {
    return false;
  }

  onBegin(config, suite) {
    this._guard('onBegin', () => this._begin(config, suite));
  }

  onTestBegin(test, result) {
    if (!this._client) return;
    this._guard('onTestBegin', () => this._client.add(beginEvent(this._rootDir, test, result)));
  }

  onTestEnd(test, result) {
    if (!this._active) return;
    this._guard('onTestEnd', () => {
      const event = completeEvent(this._rootDir, test, result);
      if (this._client) {
        this._client.add(event);
      } else {
        if (this._spool) this._spool.append({ kind: 'event', event });
        this._events.push(event);
      }
      this._collectAttachments(test, result, this._client ? undefined : this._events.length - 1);
    });
  }

  async onEnd(result) {
    if (!this._active) return;
    await this._guardAsync('onEnd', async () => {
      this._deadline = Date.now() + this._options.timeBudget;
      this._result = result;
      if (this._client) {
        this._client.deadline = this._deadline;
        if (this._client.down) this._client.probeNow();
        await this._client.flush();
      }
      if (!this._htmlFolder) {
        await this._finishRun(); // no HTML report to wait for: no need to wait for onExit
      }
    });
  }

  async onExit() {
    if (!this._active) return;
    await this._guardAsync('onExit', () => this._finishRun());
  }

  // ----- internals ----------------------------------------------------------------------------------------------

  _begin(config, suite) {
    if (this._warnings.length) {
      this._log.info(`options: ${this._warnings.join('; ')}`);
    }
    if (this._errors.length) {
      this._log.info(`invalid options: ${this._errors.join('; ')}. Results are not sent to Runboard for this run; `
        + 'the tests run as usual.');
      return;
    }
    const o = this._options;
    this._config = config;
    this._rootDir = config.rootDir;
    this._startTime = new Date();
    this._attachments = [];
    this._events = [];
    this._htmlFolder = o.uploadReport ? (o.htmlReportFolder ? path.resolve(o.htmlReportFolder)
      : htmlReportFolder(config)) : undefined;
    const ci = detectCi(process.env);
    const runKey = o.runKey || deriveRunKey(ci, { shard: config.shard });
    // One-shot runs (submit/upload) have no build: every shard is a run of its own.
    const build = o.streaming ? resolveBuild({ shard: config.shard, buildId: o.buildId, env: process.env })
      : { warnings: [] };
    for (const warning of build.warnings) this._log.once('build:' + warning, warning);
    let expectedTests;
    try {
      expectedTests = suite.allTests().length; // this shard's tests: Playwright filters the suite per shard
    } catch {
      expectedTests = undefined;
    }
    const startFields = {
      startTime: this._startTime.toISOString(), expectedTests, projectDescription: o.projectDescription, build,
      reporterVersion, playwrightVersion: config.version,
    };

    const spoolFile = o.spoolFile ? path.resolve(o.spoolFile) : path.resolve('.runboard',
      `spool-${runKey.replace(/[^\w.-]/g, '_').slice(0, 48)}-${Date.now().toString(36)}.jsonl`);
    const spool = new Spool(spoolFile);
    if (spool.open({
      serverUrl: o.serverUrl, projectName: o.projectName, runKey, mode: o.streaming ? 'stream' : 'one-shot',
      start: startBody(startFields),
    })) {
      this._spool = spool;
    } else {
      this._log.once('spool', `cannot write the spool file ${spoolFile} (${spool.failed && spool.failed.message}); `
        + 'results that cannot be sent will be lost');
    }
    this._startBody = this._metadata(config, ci).then((metadata) => {
      const body = startBody({ ...startFields, metadata });
      if (this._spool) this._spool.append({ kind: 'start', body });
      return body;
    });
    this._active = true;
    if (!o.streaming) {
      return;
    }
    this._client = new StreamClient({
      serverUrl: o.serverUrl, apiKey: o.apiKey, projectName: o.projectName, startBody: this._startBody, runKey,
      spool: this._spool, log: this._log, batchSize: o.batchSize, flushInterval: o.flushInterval,
      keepAliveInterval: o.keepAliveInterval, requestTimeout: o.requestTimeout, retries: o.retries,
      maxQueue: o.maxQueue, readSpooledEvents: this._spool ? () => readSpool(spoolFile).events : undefined,
    });
    this._client.begin();
  }

  async _metadata(config, ci) {
    const o = this._options;
    const git = await gitInfo(config.rootDir || process.cwd());
    const scm = { ...git };
    if (ci && ci.branch) scm.branch = ci.branch;
    if (ci && ci.commit) scm.commit = ci.commit;
    const projects = (config.projects || []).map((p) => p.name);
    const metadata = {
      ...(Object.keys(scm).length ? { scm } : {}),
      ...(ci ? { ci: withoutKeyParts(ci) } : {}),
      playwright: {
        version: config.version, workers: config.workers, projects,
        ...(config.shard ? { shard: config.shard } : {}),
        retries: Math.max(0, ...(config.projects || []).map((p) => p.retries || 0)),
        ...(config.grep && String(config.grep) !== '/.*/' ? { grep: String(config.grep) } : {}),
      },
      ...(o.tags.length ? { tags: o.tags } : {}),
      ...(o.customData ? { customData: o.customData } : {}),
      host: { os: `${os.platform()} ${os.release()}`, node: process.version },
    };
    if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA) {
      delete metadata.customData;
      this._log.once('metadata', `the metadata is larger than ${MAX_METADATA} bytes: customData is left out`);
      if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA) {
        delete metadata.scm;
      }
    }
    return metadata;
  }

  _collectAttachments(test, result, eventIndex) {
    if (!this._options.uploadAttachments) return;
    const identity = identityOf(this._rootDir, test);
    for (const attachment of result.attachments || []) {
      if (!attachment.path) continue;
      this._attachments.push({
        path: attachment.path, name: attachment.name, contentType: attachment.contentType || 'application/octet-stream',
        titlePath: identity.titlePath, file: relativeFile(this._rootDir, test.location && test.location.file),
        playwrightProject: identity.playwrightProject, retry: result.retry, eventIndex,
      });
    }
  }

  async _finishRun() {
    if (this._done) return;
    this._done = true;
    const o = this._options;
    const result = this._result || {};
    const status = RUN_STATUSES.has(result.status) ? result.status : 'failed';
    const duration = Number.isFinite(result.duration) ? Math.max(0, Math.round(result.duration))
      : Date.now() - this._startTime.getTime();
    const finishBody = { status, duration, endTime: new Date().toISOString() };
    const reportFolder = this._htmlFolder && fs.existsSync(this._htmlFolder) ? this._htmlFolder : undefined;
    if (this._spool) {
      this._spool.append({
        kind: 'files', reportFolder,
        attachments: this._attachments.map(({ eventIndex, ...a }) => a),
      });
      this._spool.append({ kind: 'finish', body: finishBody });
    }
    const deadline = this._deadline || Date.now() + o.timeBudget;
    // Traces open in the trace viewer of this Playwright version: the server gets it once (asked first), while the
    // run is delivered.
    const viewer = this._attachments.some((a) => a.name === 'trace')
      ? ensureTraceViewer({ serverUrl: o.serverUrl, apiKey: o.apiKey, rootDir: this._rootDir, log: this._log,
        timeoutMs: Math.max(1000, Math.min(2 * o.requestTimeout, deadline - Date.now())) }).catch(() => 'failed')
      : Promise.resolve('none');
    let outcome;
    if (this._client) {
      this._client.deadline = deadline;
      outcome = await deliverEnd(this._client, { reportFolder, attachments: this._attachments, finishBody,
        log: this._log });
      this._client.close();
    } else {
      outcome = await deliverOneShot({
        serverUrl: o.serverUrl, apiKey: o.apiKey, projectName: o.projectName,
        projectDescription: o.projectDescription, startBody: await this._startBody, events: this._events,
        finishBody, reportFolder, attachments: this._attachments, deadline, requestTimeout: o.requestTimeout,
        retries: o.retries, log: this._log,
      });
    }
    await viewer;
    if (outcome.delivered) {
      if (this._spool) this._spool.remove();
      return;
    }
    if (outcome.finished) {
      // Results and finish arrived; only files are missing (best effort): the spool keeps them for flush.
      const missing = `run ${this._client.runId} is finished on ${o.serverUrl}, but ${outcome.filesPending} of its `
        + `files were not attached (${outcome.filesReason || 'no answer'})`;
      if (this._spool) {
        this._spool.close();
        const file = shortPath(this._spool.file);
        this._log.once('kept-files', `${missing}; they are listed in ${file}. Send them later (the server takes `
          + `them for a while after the finish, 24 h by default) with: npx runboard-reporter flush ${file}`);
      } else {
        this._log.once('lost-files', missing);
      }
      return;
    }
    if (this._spool) {
      this._spool.close();
      const file = shortPath(this._spool.file);
      this._log.once('kept', `this run was not delivered to ${o.serverUrl}; its results are kept in ${file}. `
        + (this._client && this._client.conflict
          ? `Send them as a run of their own with: npx runboard-reporter flush --new-run ${file}`
          : `Send them later with: npx runboard-reporter flush ${file}`));
    } else {
      this._log.once('lost', `this run was not delivered to ${o.serverUrl}`);
    }
  }

  _guard(where, fn) {
    try {
      fn();
    } catch (error) {
      this._log.once('internal:' + where, `internal error in ${where} (${error && error.message}); the tests go on`);
    }
  }

  async _guardAsync(where, fn) {
    try {
      await fn();
    } catch (error) {
      this._log.once('internal:' + where, `internal error in ${where} (${error && error.message}); the tests go on`);
    }
  }
}

/** `file` relative to the working folder when it is inside it, else absolute. */
function shortPath(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function withoutKeyParts(ci) {
  const { keyParts, ...rest } = ci;
  return rest;
}

module.exports = RunboardReporter;
module.exports.default = RunboardReporter;
module.exports.RunboardReporter = RunboardReporter;
