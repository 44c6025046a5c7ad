'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { resolveOptions } = require('../../lib/options');
const { Log } = require('../../lib/log');

const env = { RUNBOARD_URL: 'http://rb.example:3000/', RUNBOARD_API_KEY: 'rb_secret', RUNBOARD_PROJECT: 'shop' };

test('server URL, API key and project come from the environment; defaults fill the rest', () => {
  const { options, errors, warnings } = resolveOptions({}, env);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  assert.equal(options.serverUrl, 'http://rb.example:3000');
  assert.equal(options.apiKey, 'rb_secret');
  assert.equal(options.projectName, 'shop');
  assert.deepEqual([options.batchSize, options.flushInterval, options.timeBudget, options.streaming],
    [50, 250, 60000, true]);
});

test('options in playwright.config win over the environment', () => {
  const { options } = resolveOptions({ projectName: 'web', batchSize: 10 }, env);
  assert.equal(options.projectName, 'web');
  assert.equal(options.batchSize, 10);
});

test('missing or bad values are errors naming the option and its variable', () => {
  const { errors } = resolveOptions({ serverUrl: 'ftp://x', batchSize: 5000, streaming: 'maybe', tags: 'a,,b' }, {});
  assert.equal(errors.length, 5, errors.join('\n'));
  assert.match(errors.join('\n'), /serverUrl must be an http\(s\) URL/);
  assert.match(errors.join('\n'), /API key is missing \(option apiKey or env RUNBOARD_API_KEY\)/);
  assert.match(errors.join('\n'), /project name is missing \(option projectName or env RUNBOARD_PROJECT\)/);
  assert.match(errors.join('\n'), /batchSize must be an integer from 1 to 1000, got 5000/);
  assert.match(errors.join('\n'), /streaming must be true or false/);
});

test('errors never contain the API key', () => {
  const { errors } = resolveOptions({ apiKey: 'rb_has space', serverUrl: 'http://u:p@x' }, {});
  assert.doesNotMatch(errors.join('\n'), /rb_has|u:p/);
});

test('unknown options are a warning; the keys Playwright adds are not', () => {
  const { errors, warnings } = resolveOptions({ servrUrl: 'x', configDir: '/x', _mode: 'test' }, env);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, ['unknown option servrUrl (ignored)']);
});

test('tags from RUNBOARD_TAGS are split on commas', () => {
  assert.deepEqual(resolveOptions({}, { ...env, RUNBOARD_TAGS: 'nightly, smoke' }).options.tags, ['nightly', 'smoke']);
});

test('the log masks secrets and says each thing once', () => {
  const lines = [];
  const log = new Log((line) => lines.push(line));
  log.addSecret('rb_secret');
  assert.equal(log.once('a', 'key rb_secret refused'), true);
  assert.equal(log.once('a', 'again'), false);
  assert.deepEqual(lines, ['[runboard] key *** refused']);
});
