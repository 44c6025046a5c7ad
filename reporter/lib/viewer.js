'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { packFolder } = require('./archive');
const { send, describeResponse } = require('./client');

/**
 * The trace viewer that ships in the user's own `playwright-core` (`lib/vite/traceViewer`), so that the server can
 * open traces of runs without an HTML report. Found from the project's folder (`rootDir`) first, then from the
 * reporter's own; undefined when there is none (an older Playwright, another layout).
 */
function localTraceViewer(rootDir) {
  for (const from of [rootDir, process.cwd(), __dirname].filter(Boolean)) {
    let manifest;
    try {
      manifest = require.resolve('playwright-core/package.json', { paths: [from] });
    } catch {
      continue;
    }
    const folder = path.join(path.dirname(manifest), 'lib', 'vite', 'traceViewer');
    let version;
    try {
      version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
    } catch {
      continue;
    }
    if (typeof version === 'string' && fs.existsSync(path.join(folder, 'index.html'))
      && fs.existsSync(path.join(folder, 'sw.bundle.js'))) {
      return { version, folder };
    }
  }
  return undefined;
}

/**
 * Makes sure the server has the trace viewer of this Playwright version: asks first
 * (`GET /api/trace-viewers/<version>`), and only when it has none sends the folder as a Playwright-dashboard
 * archive (`PUT`, `application/gzip`). Best effort: a failure is logged once and changes nothing else.
 * Resolves `'present'`, `'uploaded'`, `'none'` (no local viewer) or `'failed'`.
 */
async function ensureTraceViewer({ serverUrl, apiKey, rootDir, timeoutMs, log, viewer = localTraceViewer(rootDir) }) {
  if (!viewer) return 'none';
  const url = `${serverUrl}/api/trace-viewers/${encodeURIComponent(viewer.version)}`;
  const headers = { Authorization: `Bearer ${apiKey}` };
  const asked = await send(url, { method: 'GET', headers, timeoutMs });
  if (asked.status === 200) return 'present';
  if (asked.status !== 404) {
    log.once('trace-viewer', `could not ask for the trace viewer of Playwright ${viewer.version} (`
      + `${describeResponse(asked)}); traces of runs without an HTML report open as .zip downloads`);
    return 'failed';
  }
  let body;
  try {
    body = packFolder(viewer.folder);
  } catch (error) {
    log.once('trace-viewer', `cannot read the trace viewer in ${viewer.folder} (${error.message})`);
    return 'failed';
  }
  const sent = await send(url, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/gzip' }, body,
    timeoutMs });
  if (sent.status === 200) return 'uploaded';
  log.once('trace-viewer', `could not upload the trace viewer of Playwright ${viewer.version} (`
    + `${describeResponse(sent)}); traces of runs without an HTML report open as .zip downloads`);
  return 'failed';
}

module.exports = { localTraceViewer, ensureTraceViewer };
