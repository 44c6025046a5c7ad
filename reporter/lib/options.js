'use strict';

/** Every option with its default and the environment variable that can set it. */
const OPTIONS = {
  serverUrl: { env: 'RUNBOARD_URL' },
  apiKey: { env: 'RUNBOARD_API_KEY' },
  projectName: { env: 'RUNBOARD_PROJECT' },
  projectDescription: {},
  streaming: { default: true },
  batchSize: { default: 50 },
  flushInterval: { default: 250 },
  keepAliveInterval: { default: 30000 },
  requestTimeout: { default: 15000 },
  retries: { default: 5 },
  timeBudget: { default: 60000 },
  maxQueue: { default: 10000 },
  runKey: { env: 'RUNBOARD_RUN_KEY' },
  buildId: { env: 'RUNBOARD_BUILD_ID' },
  spoolFile: { env: 'RUNBOARD_SPOOL_FILE' },
  tags: { env: 'RUNBOARD_TAGS', default: [] },
  customData: {},
  uploadReport: { default: true },
  uploadAttachments: { default: true },
  htmlReportFolder: {},
};

/**
 * Options given in playwright.config win over the environment. Returns `{options, errors, warnings}`: errors
 * (a missing server URL, key or project, a value out of range) switch the reporter off for the run; warnings
 * (unknown options) do not.
 */
function resolveOptions(given, env = process.env) {
  const errors = [];
  const warnings = [];
  const input = given && typeof given === 'object' && !Array.isArray(given) ? given : {};
  if (given !== undefined && input !== given) {
    errors.push('the options must be an object');
  }
  // Playwright adds configDir and private `_…` keys to every reporter's options.
  const unknown = Object.keys(input).filter((key) => !(key in OPTIONS) && key !== 'configDir' && !key.startsWith('_'));
  if (unknown.length) {
    warnings.push(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (ignored)`);
  }
  const options = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    let value = input[name];
    if ((value === undefined || value === null || value === '') && spec.env && env[spec.env] !== undefined
      && env[spec.env] !== '') {
      value = env[spec.env];
    }
    options[name] = value === undefined || value === null ? spec.default : value;
  }

  const where = (name) => (OPTIONS[name].env ? `option ${name} or env ${OPTIONS[name].env}` : `option ${name}`);
  if (!options.serverUrl) {
    errors.push(`the server URL is missing (${where('serverUrl')})`);
  } else if (typeof options.serverUrl !== 'string' || !/^https?:\/\/[^/\s]+/i.test(options.serverUrl)) {
    errors.push(`serverUrl must be an http(s) URL such as http://runboard.example:3000, got ${JSON.stringify(String(options.serverUrl))}`);
  } else {
    try {
      const url = new URL(options.serverUrl);
      if (url.username || url.password) errors.push('serverUrl must not contain credentials: use apiKey');
      options.serverUrl = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      errors.push(`serverUrl is not a valid URL: ${JSON.stringify(options.serverUrl)}`);
    }
  }
  if (!options.apiKey) {
    errors.push(`the API key is missing (${where('apiKey')})`);
  } else if (typeof options.apiKey !== 'string' || /\s/.test(options.apiKey)) {
    errors.push('apiKey must be a string without spaces');
  }
  if (!options.projectName) {
    errors.push(`the project name is missing (${where('projectName')})`);
  } else if (typeof options.projectName !== 'string' || options.projectName.length > 100) {
    errors.push('projectName must be a string of 1 to 100 characters');
  }
  if (options.projectDescription !== undefined && (typeof options.projectDescription !== 'string'
    || options.projectDescription.length > 2000)) {
    errors.push('projectDescription must be a string of at most 2000 characters');
  }
  options.streaming = bool(options.streaming, 'streaming', errors);
  options.uploadReport = bool(options.uploadReport, 'uploadReport', errors);
  options.uploadAttachments = bool(options.uploadAttachments, 'uploadAttachments', errors);
  options.batchSize = int(options.batchSize, 'batchSize', 1, 1000, errors);
  options.flushInterval = int(options.flushInterval, 'flushInterval', 0, 60000, errors);
  options.keepAliveInterval = int(options.keepAliveInterval, 'keepAliveInterval', 0, 3600000, errors);
  options.requestTimeout = int(options.requestTimeout, 'requestTimeout', 100, 600000, errors);
  options.retries = int(options.retries, 'retries', 1, 50, errors);
  options.timeBudget = int(options.timeBudget, 'timeBudget', 0, 3600000, errors);
  options.maxQueue = int(options.maxQueue, 'maxQueue', 100, 10000000, errors);
  if (options.runKey !== undefined && (typeof options.runKey !== 'string' || !options.runKey
    || options.runKey.length > 100)) {
    errors.push('runKey must be a string of 1 to 100 characters');
  }
  if (typeof options.buildId === 'number' && Number.isFinite(options.buildId)) {
    options.buildId = String(options.buildId);
  }
  if (options.buildId !== undefined && typeof options.buildId !== 'string') {
    errors.push('buildId must be a string (1 to 200 characters; longer ones are shortened)');
  } else if (options.buildId !== undefined) {
    // A blank option counts as not set: RUNBOARD_BUILD_ID, then CI, decide.
    options.buildId = options.buildId.trim() || String(env.RUNBOARD_BUILD_ID ?? '').trim() || undefined;
  }
  if (options.spoolFile !== undefined && (typeof options.spoolFile !== 'string' || !options.spoolFile)) {
    errors.push('spoolFile must be a file path');
  }
  if (options.htmlReportFolder !== undefined && (typeof options.htmlReportFolder !== 'string'
    || !options.htmlReportFolder)) {
    errors.push('htmlReportFolder must be a folder path');
  }
  if (typeof options.tags === 'string') {
    options.tags = options.tags.split(',').map((t) => t.trim()).filter(Boolean);
  }
  if (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== 'string' || !t || t.length > 100)
    || options.tags.length > 100) {
    errors.push('tags must be an array of at most 100 strings of 1 to 100 characters');
  }
  if (options.customData !== undefined && (typeof options.customData !== 'object' || options.customData === null
    || Array.isArray(options.customData))) {
    errors.push('customData must be a plain object');
  }
  return { options, errors, warnings };
}

function bool(value, name, errors) {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  errors.push(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return undefined;
}

function int(value, name, min, max, errors) {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(number) || number < min || number > max) {
    errors.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return number;
}

module.exports = { resolveOptions, OPTIONS };
