#!/usr/bin/env node
'use strict';

const path = require('node:path');
const { Log } = require('./lib/log');
const { flushSpool } = require('./lib/deliver');
const { USAGE: IMPORT_USAGE, runImport } = require('./lib/import');

const FLUSH_USAGE = `Usage: runboard-reporter flush <spool-file> [--server <url>] [--new-run]

Sends a run that runboard-reporter could not deliver (its spool file) to a Runboard server.
  --server <url>  the server (default: RUNBOARD_URL, else the URL the run was meant for)
  --new-run       send it as a new run of its own: even if a run with its runKey has finished on the
                  server, or the server refused its shard of a build
The API key comes from RUNBOARD_API_KEY. On success the spool file is deleted. It gives up after 2 minutes.
Exit code: 0 delivered, 1 not delivered (the file is kept), 2 wrong usage.`;

const USAGE = `${FLUSH_USAGE}\n\n${IMPORT_USAGE}`;

async function main(argv) {
  const log = new Log((line) => process.stderr.write(line + '\n'));
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (command === 'import') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(IMPORT_USAGE + '\n');
      return 0;
    }
    return runImport(rest);
  }
  if (command !== 'flush') {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  let file;
  let server = process.env.RUNBOARD_URL || undefined;
  let newRun = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--server') {
      server = rest[++i];
    } else if (rest[i] === '--new-run') {
      newRun = true;
    } else if (!file && !rest[i].startsWith('--')) {
      file = rest[i];
    } else {
      process.stderr.write(`Unknown argument ${rest[i]}\n${FLUSH_USAGE}\n`);
      return 2;
    }
  }
  if (!file || (server !== undefined && !/^https?:\/\//.test(server))) {
    process.stderr.write(FLUSH_USAGE + '\n');
    return 2;
  }
  const relative = path.relative(process.cwd(), path.resolve(file));
  const shown = relative && !relative.startsWith('..') ? relative : path.resolve(file);
  try {
    const outcome = await flushSpool(path.resolve(file), {
      serverUrl: server && server.replace(/\/+$/, ''), apiKey: process.env.RUNBOARD_API_KEY, newRun, log,
    });
    const s = outcome.stats;
    const files = `${s.files} files (${s.filesStored} new, ${s.filesDuplicates} already there)`;
    if (outcome.delivered) {
      require('node:fs').rmSync(path.resolve(file), { force: true });
      log.info(outcome.lateFiles
        ? `delivered ${shown}: run ${outcome.runId} had already finished; ${files}; the spool file is deleted`
        : `delivered ${shown}: run ${outcome.runId} (${outcome.status}), ${outcome.events} results `
          + `(${s.stored} new, ${s.duplicates} already there), ${files}; the spool file is deleted`);
      return 0;
    }
    let reason = outcome.fatal || outcome.reason;
    if (outcome.conflict) {
      log.info('Use --new-run to send it as a run of its own, outside that build.');
    } else if (outcome.fatal && /HTTP 409/.test(outcome.fatal) && !newRun) {
      log.info(`a run with runKey ${outcome.runKey} has already finished on the server (delivered before, or `
        + 'ended by the server); nothing more was sent. Use --new-run to send it as a new run.');
    } else if (outcome.filesRefused) {
      reason = `the server refused files for run ${outcome.runId}: ${outcome.filesReason}`;
    } else if (outcome.filesPending) {
      reason = `${outcome.finished || outcome.lateFiles ? `run ${outcome.runId} is finished, but ` : ''}`
        + `${outcome.filesPending} files were not attached: ${reason || 'no answer'}`;
    }
    log.info(`${shown} was not delivered (${reason || 'the server did not answer in time'}); the file is kept`);
    return 1;
  } catch (error) {
    log.info(`cannot flush ${shown}: ${error.message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error) => {
  process.stderr.write(`[runboard] ${error && error.stack}\n`);
  process.exitCode = 1;
});
