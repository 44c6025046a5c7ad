'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { send, describeResponse } = require('./client');
const { detectCi } = require('./ci');
const { gitInfo } = require('./git');

const USAGE = `Usage: runboard-reporter import <file…> --project <name> [options]

Imports finished runs from report files into Runboard, one request (and one run) per file:
Playwright's JSON report (--reporter=json) or JUnit XML (Playwright's junit reporter, Maven Surefire,
jest-junit, pytest --junitxml, …). The format is told from each file's first character.
  --project <name>      the Runboard project (default: RUNBOARD_PROJECT)
  --server <url>        the server (default: RUNBOARD_URL)
  --branch <name>       the branch (default: from CI, else git)
  --commit <sha>        the commit (default: from CI, else git)
  --tags <a,b>          tags for the runs (default: RUNBOARD_TAGS)
  --root-dir <dir>      JUnit files' absolute paths are made relative to it (default: the working directory)
  --description <text>  the project's description, if this import creates it
  --timeout <ms>        time limit of one request (default 120000)
The API key comes from RUNBOARD_API_KEY. Files are not retried: a repeated import makes another run.
Exit code: 0 every file imported, 1 a file was not, 2 wrong usage.`;

const OPTIONS = {
  '--project': 'project', '--server': 'server', '--branch': 'branch', '--commit': 'commit', '--tags': 'tags',
  '--root-dir': 'rootDir', '--description': 'description', '--timeout': 'timeout',
};

/** `{files, options…}` from the arguments after `import`, or `{error}` saying what is wrong. */
function parseImportArgs(argv, env = process.env) {
  const parsed = {
    files: [], project: env.RUNBOARD_PROJECT || undefined, server: env.RUNBOARD_URL || undefined,
    tags: env.RUNBOARD_TAGS || undefined, apiKey: env.RUNBOARD_API_KEY || undefined, timeout: 120000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (OPTIONS[name]) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') {
        return { error: `${name} needs a value` };
      }
      parsed[OPTIONS[name]] = value;
    } else if (arg.startsWith('--')) {
      return { error: `unknown option ${arg}` };
    } else {
      parsed.files.push(arg);
    }
  }
  if (!parsed.files.length) {
    return { error: 'no file to import' };
  }
  if (!parsed.project) {
    return { error: 'the project is missing (--project or RUNBOARD_PROJECT)' };
  }
  if (!parsed.server || !/^https?:\/\/[^/\s]+/i.test(parsed.server)) {
    return { error: parsed.server ? `--server must be an http(s) URL, got ${parsed.server}`
      : 'the server is missing (--server or RUNBOARD_URL)' };
  }
  if (!parsed.apiKey) {
    return { error: 'the API key is missing (RUNBOARD_API_KEY)' };
  }
  const timeout = Number(parsed.timeout);
  if (!Number.isInteger(timeout) || timeout < 100) {
    return { error: `--timeout must be a whole number of milliseconds (at least 100), got ${parsed.timeout}` };
  }
  parsed.timeout = timeout;
  parsed.server = parsed.server.replace(/\/+$/, '');
  return parsed;
}

/** 'json' (Playwright's JSON report), 'xml' (JUnit) or undefined, from the first character after a BOM. */
function detectFormat(bytes) {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) {
    i++;
  }
  if (bytes[i] === 0x7b) return 'json';
  if (bytes[i] === 0x3c) return 'xml';
  return undefined;
}

/** Servers refuse request lines much over 4 KiB: metadata that would not fit is shortened, then left out. */
const MAX_URL = 3500;

/** The import URL with its query: project, branch, commit, tags, rootDir, description and metadata. */
function importUrl(options, metadata) {
  const url = queryUrl(options, metadata);
  if (url.toString().length <= MAX_URL || !metadata) {
    return url;
  }
  const { scm, ci } = metadata;
  const shorter = { ...(scm ? { scm: { branch: scm.branch, commit: scm.commit } } : {}),
    ...(ci ? { ci: { provider: ci.provider, buildId: ci.buildId, buildUrl: ci.buildUrl } } : {}) };
  const second = queryUrl(options, shorter);
  return second.toString().length <= MAX_URL ? second : queryUrl(options, undefined);
}

function queryUrl(options, metadata) {
  const url = new URL(options.server + '/api/test-runs/import');
  url.searchParams.set('projectName', options.project);
  if (options.description) url.searchParams.set('projectDescription', options.description);
  if (options.branch) url.searchParams.set('branch', options.branch);
  if (options.commit) url.searchParams.set('commit', options.commit);
  if (options.tags) url.searchParams.set('tags', options.tags);
  if (options.rootDir) url.searchParams.set('rootDir', options.rootDir);
  if (metadata && Object.keys(metadata).length) url.searchParams.set('metadata', JSON.stringify(metadata));
  return url;
}

/** What Runboard records about where the files come from: the CI build and git, as the reporter does. */
async function sourceMetadata(env, cwd) {
  const ci = detectCi(env);
  const git = await gitInfo(cwd);
  const scm = { ...git };
  delete scm.message;
  if (ci && ci.branch) scm.branch = ci.branch;
  if (ci && ci.commit) scm.commit = ci.commit;
  const metadata = {};
  if (Object.keys(scm).length) metadata.scm = scm;
  if (ci) {
    const { keyParts, ...rest } = ci;
    metadata.ci = rest;
  }
  return metadata;
}

/**
 * Imports every file, one request each; prints one line per file on stdout (imported) or stderr (not).
 * Returns the exit code: 0 all imported, 1 some were not, 2 wrong usage.
 */
async function runImport(argv, { env = process.env, cwd = process.cwd(), out, err, sendRequest = send } = {}) {
  const print = out || ((line) => process.stdout.write(line + '\n'));
  const complain = err || ((line) => process.stderr.write(line + '\n'));
  const options = parseImportArgs(argv, env);
  if (options.error) {
    complain(`[runboard] ${options.error}\n${USAGE}`);
    return 2;
  }
  const metadata = await sourceMetadata(env, cwd);
  const redact = (text) => String(text).split(options.apiKey).join('***');
  const rootDir = options.rootDir || cwd;
  let failed = 0;
  for (const file of options.files) {
    let bytes;
    try {
      bytes = fs.readFileSync(path.resolve(cwd, file));
    } catch (error) {
      complain(`[runboard] ${file} was not imported: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      failed++;
      continue;
    }
    const format = detectFormat(bytes);
    if (!format) {
      complain(`[runboard] ${file} was not imported: it is neither JSON (Playwright's JSON report) nor XML (JUnit)`);
      failed++;
      continue;
    }
    const res = await sendRequest(importUrl({ ...options, rootDir }, metadata).toString(), {
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': format === 'json' ? 'application/json' : 'application/xml',
      },
      body: bytes,
      timeoutMs: options.timeout,
    });
    if (res.status === 201 && res.json && res.json.testRunId) {
      const j = res.json;
      print(`[runboard] imported ${file} (${j.format}): run ${j.testRunId} of project ${options.project}, `
        + `${j.tests} tests, ${j.attempts} attempts: ${options.server}/runs/${j.testRunId}`);
    } else {
      complain(redact(`[runboard] ${file} was not imported: ${describeResponse(res)}`));
      failed++;
    }
  }
  return failed ? 1 : 0;
}

module.exports = { USAGE, parseImportArgs, detectFormat, importUrl, sourceMetadata, runImport };
