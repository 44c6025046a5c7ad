'use strict';

const path = require('node:path');

const MAX_TITLE = 1000;
const MAX_TITLE_PATH = 100;
const MAX_ERROR = 60 * 1024; // the server takes 64 KiB; leave room for the truncation mark
const MAX_STEPS = 500;
const MAX_ITEMS = 100;

/**
 * A test's title path as the protocol names it: the describe blocks plus the title, without the root, project and
 * file entries that `test.titlePath()` starts with. Anonymous describes are left out, as Playwright does.
 */
function titlePathOf(test) {
  const titles = [test.title];
  let suite = test.parent;
  if (suite && typeof suite.type === 'string') {
    for (; suite; suite = suite.parent) {
      if (suite.type === 'describe' && suite.title) {
        titles.unshift(suite.title);
      }
    }
    return titles.map(limitTitle).slice(-MAX_TITLE_PATH);
  }
  // Older Playwright: titlePath() is [root, project, file, ...describes, title].
  return test.titlePath().slice(3).map(limitTitle).slice(-MAX_TITLE_PATH);
}

function limitTitle(title) {
  const text = String(title ?? '').replace(/\0/g, '');
  return text.length > MAX_TITLE ? text.slice(0, MAX_TITLE - 1) + '…' : text;
}

/** `file` relative to `rootDir`, with `/` separators; a file outside rootDir keeps its absolute path. */
function relativeFile(rootDir, file) {
  if (!file) {
    return '';
  }
  const normalised = String(file).replace(/\\/g, '/');
  if (!rootDir) {
    return normalised;
  }
  const root = String(rootDir).replace(/\\/g, '/').replace(/\/+$/, '');
  if (normalised === root) {
    return path.posix.basename(normalised);
  }
  if (normalised.startsWith(root + '/')) {
    return normalised.slice(root.length + 1);
  }
  const relative = path.relative(rootDir, file).replace(/\\/g, '/');
  return relative.startsWith('../') || path.isAbsolute(relative) ? normalised : relative;
}

/** `"<file>:<line>:<column>"` with the file relative to rootDir. */
function locationOf(rootDir, location) {
  if (!location) {
    return 'unknown';
  }
  const file = relativeFile(rootDir, location.file) || 'unknown';
  let text = file;
  if (Number.isInteger(location.line)) {
    text += ':' + location.line;
    if (Number.isInteger(location.column)) {
      text += ':' + location.column;
    }
  }
  return text;
}

/** The Playwright project name of a test ('' when there is none). */
function projectOf(test) {
  try {
    const project = test.parent && typeof test.parent.project === 'function' ? test.parent.project() : undefined;
    return project && typeof project.name === 'string' ? project.name : '';
  } catch {
    return '';
  }
}

/** The identity fields every event of a test carries. */
function identityOf(rootDir, test) {
  return {
    title: limitTitle(test.title),
    titlePath: titlePathOf(test),
    playwrightProject: projectOf(test),
    location: locationOf(rootDir, test.location),
  };
}

function beginEvent(rootDir, test, result) {
  return {
    type: 'begin',
    ...identityOf(rootDir, test),
    retry: result.retry,
    expectedStatus: test.expectedStatus,
    startTime: isoTime(result.startTime),
  };
}

function completeEvent(rootDir, test, result) {
  const event = {
    type: 'complete',
    ...identityOf(rootDir, test),
    retry: result.retry,
    status: result.status,
    expectedStatus: test.expectedStatus,
    duration: Math.max(0, Math.round(Number(result.duration) || 0)),
    startTime: isoTime(result.startTime),
  };
  const error = errorOf(rootDir, result);
  if (error) {
    event.error = error;
  }
  const steps = stepsOf(result.steps);
  if (steps.length) {
    event.steps = steps;
  }
  const annotations = (test.annotations || []).slice(0, MAX_ITEMS).map((a) => ({
    type: limitTitle(a.type),
    ...(a.description !== undefined ? { description: limitText(String(a.description), 4000) } : {}),
  }));
  if (annotations.length) {
    event.annotations = annotations;
  }
  const attachments = (result.attachments || []).slice(0, MAX_ITEMS).map((a) => ({
    name: limitTitle(a.name),
    contentType: a.contentType,
  }));
  if (attachments.length) {
    event.attachments = attachments;
  }
  return event;
}

/** The first error of an attempt; further errors are appended to its message. */
function errorOf(rootDir, result) {
  const errors = result.errors && result.errors.length ? result.errors : result.error ? [result.error] : [];
  if (!errors.length) {
    return undefined;
  }
  const first = errors[0];
  let message = first.message ?? first.value ?? 'Error';
  if (errors.length > 1) {
    message += errors.slice(1).map((e, i) => `\n\n[error ${i + 2} of ${errors.length}] ${e.message ?? e.value ?? ''}`)
      .join('');
  }
  const error = { message: limitText(message, MAX_ERROR) };
  if (first.stack) {
    error.stack = limitText(first.stack, MAX_ERROR);
  }
  if (first.location && first.location.file) {
    error.location = {
      file: relativeFile(rootDir, first.location.file),
      line: first.location.line,
      column: first.location.column,
    };
  }
  return error;
}

/** Steps depth-first, each `{title, duration, category}` plus its depth, at most {@link MAX_STEPS}. */
function stepsOf(steps, depth = 0, out = []) {
  for (const step of steps || []) {
    if (out.length >= MAX_STEPS) {
      break;
    }
    out.push({
      title: limitTitle(step.title),
      duration: Math.max(0, Math.round(Number(step.duration) || 0)),
      category: step.category,
      ...(depth ? { depth } : {}),
      ...(step.error ? { error: true } : {}),
    });
    stepsOf(step.steps, depth + 1, out);
  }
  return out;
}

function limitText(text, max) {
  const value = String(text).replace(/\0/g, '');
  return value.length > max ? value.slice(0, max) + '\n… (truncated by runboard-reporter)' : value;
}

function isoTime(value) {
  if (!value) {
    return undefined;
  }
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

module.exports = {
  titlePathOf, relativeFile, locationOf, projectOf, identityOf, beginEvent, completeEvent, errorOf, stepsOf,
  limitText,
};
