'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { resolveBuild, normaliseBuildId, startBody } = require('../../lib/start');
const { resolveOptions } = require('../../lib/options');

const required = { RUNBOARD_URL: 'http://rb.example', RUNBOARD_API_KEY: 'rb_k', RUNBOARD_PROJECT: 'shop' };
const github = { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '3', GITHUB_JOB: 'e2e' };
const shard = { current: 2, total: 4 };

/** What the reporter does in onBegin: options (config over env), then the build. */
function buildFor(given, env, playwrightShard = shard) {
  const { options, errors } = resolveOptions(given, { ...required, ...env });
  assert.deepEqual(errors, []);
  return resolveBuild({ shard: playwrightShard, buildId: options.buildId, env: { ...required, ...env } });
}

test('buildId precedence: the option, then RUNBOARD_BUILD_ID, then the CI build', () => {
  assert.equal(buildFor({ buildId: 'from-option' }, { ...github, RUNBOARD_BUILD_ID: 'from-env' }).buildId, 'from-option');
  assert.equal(buildFor({}, { ...github, RUNBOARD_BUILD_ID: 'from-env' }).buildId, 'from-env');
  assert.equal(buildFor({}, github).buildId, '42-3');
  assert.equal(buildFor({}, github).source, 'github-actions');
  assert.equal(buildFor({ buildId: '  ' }, { ...github, RUNBOARD_BUILD_ID: ' from-env ' }).buildId, 'from-env',
    'a blank option is not set; values are trimmed');
  assert.equal(buildFor({ buildId: 1234 }, {}).buildId, '1234', 'a number is taken as text');
});

test('a buildId that is not text is an option error', () => {
  assert.match(resolveOptions({ buildId: { id: 1 } }, required).errors.join('\n'), /buildId must be a string/);
});

test('a sharded run sends its build id and Playwright\'s shard', () => {
  const build = buildFor({}, github);
  assert.deepEqual(build, { buildId: '42-3', source: 'github-actions', warnings: [], shard: { current: 2, total: 4 } });
});

test('an unsharded run takes no build id from CI: it behaves as before', () => {
  assert.deepEqual(buildFor({}, github, null), { warnings: [] });
  assert.deepEqual(buildFor({}, github, { current: 1, total: 1 }), { warnings: [] }, '--shard=1/1 is not sharded');
});

test('an unsharded run with an explicit build id is a one-shard build', () => {
  assert.deepEqual(buildFor({}, { RUNBOARD_BUILD_ID: 'nightly-7' }, null),
    { buildId: 'nightly-7', source: 'option', warnings: [] });
});

test('a sharded run without any build id sends no shard, with one warning that says how to set one', () => {
  const build = buildFor({}, { CI: 'true', BUILD_ID: '99' });
  assert.equal(build.buildId, undefined);
  assert.equal(build.shard, undefined);
  assert.equal(build.warnings.length, 1);
  assert.match(build.warnings[0], /shard 2\/4/);
  assert.match(build.warnings[0], /each shard appears as a separate run/);
  assert.match(build.warnings[0], /set RUNBOARD_BUILD_ID to the same value in every shard/);
});

test('more shards than the server joins: sent as a run of its own, with a warning', () => {
  const build = buildFor({}, github, { current: 7, total: 1001 });
  assert.equal(build.buildId, undefined);
  assert.equal(build.shard, undefined);
  assert.match(build.warnings[0], /shard 7\/1001/);
});

test('a build id over 200 characters is shortened the same way in every shard, and stays distinct', () => {
  assert.deepEqual(normaliseBuildId(' abc '), { buildId: 'abc', shortened: false });
  assert.equal(normaliseBuildId(''), undefined);
  assert.equal(normaliseBuildId('x'.repeat(200)).buildId, 'x'.repeat(200));
  const a = normaliseBuildId('x'.repeat(250) + 'a');
  const b = normaliseBuildId('x'.repeat(250) + 'b');
  assert.equal(a.shortened, true);
  assert.equal(a.buildId.length, 200);
  assert.match(a.buildId, /^x{167}-[0-9a-f]{32}$/);
  assert.notEqual(a.buildId, b.buildId);
  assert.equal(a.buildId, normaliseBuildId('x'.repeat(250) + 'a').buildId);
  const build = buildFor({ buildId: 'y'.repeat(300) }, {});
  assert.equal(build.buildId.length, 200);
  assert.match(build.warnings[0], /longer than 200 characters; it is sent as y+-[0-9a-f]{32}$/);
});

test('the start body of a shard carries buildId and shard; without a build it has neither', () => {
  const fields = { startTime: '2026-01-01T00:00:00.000Z', expectedTests: 3, reporterVersion: '0.1.0',
    playwrightVersion: '1.65.1' };
  const sharded = startBody({ ...fields, build: buildFor({}, github), metadata: { tags: ['x'] } });
  assert.deepEqual(sharded, { startTime: '2026-01-01T00:00:00.000Z', expectedTests: 3, buildId: '42-3',
    shard: { current: 2, total: 4 }, metadata: { tags: ['x'] }, reporterVersion: '0.1.0', playwrightVersion: '1.65.1' });
  const plain = startBody({ ...fields, build: buildFor({}, {}, null), projectDescription: 'Shop' });
  assert.deepEqual(plain, { startTime: '2026-01-01T00:00:00.000Z', expectedTests: 3, projectDescription: 'Shop',
    reporterVersion: '0.1.0', playwrightVersion: '1.65.1' });
  assert.equal('shard' in startBody({ ...fields, build: { shard } }), false, 'never a shard without a buildId');
  assert.equal('expectedTests' in startBody({ ...fields, expectedTests: undefined }), false);
});
