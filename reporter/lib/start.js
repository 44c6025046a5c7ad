'use strict';

const crypto = require('node:crypto');
const { detectCi, ciBuildId } = require('./ci');

const MAX_BUILD_ID = 200;
const MAX_SHARDS = 1000;

/**
 * A build id as the server takes it (1–200 characters): trimmed; a longer one is shortened to its first 167
 * characters, `-` and 32 hex digits of its SHA-256, so that every shard of a build makes the same id and two
 * different long ids stay different. Returns `{buildId, shortened}`, or undefined for an empty value.
 */
function normaliseBuildId(value) {
  const id = value === undefined || value === null ? '' : String(value).trim();
  if (!id) {
    return undefined;
  }
  if (id.length <= MAX_BUILD_ID) {
    return { buildId: id, shortened: false };
  }
  const hash = crypto.createHash('sha256').update(id).digest('hex').slice(0, 32);
  return { buildId: `${id.slice(0, MAX_BUILD_ID - hash.length - 1)}-${hash}`, shortened: true };
}

function validShard(shard) {
  return Boolean(shard) && Number.isInteger(shard.current) && Number.isInteger(shard.total)
    && shard.current >= 1 && shard.current <= shard.total;
}

/**
 * Which build this Playwright process belongs to, for `start`: `{buildId?, shard?, source?, warnings}`.
 * - `buildId`: the `buildId` option (or RUNBOARD_BUILD_ID, merged by resolveOptions) for any run; else, for a
 *   sharded run (`config.shard` with total > 1), the CI build's id. An unsharded run gets no id from CI, so two
 *   `playwright test` commands of one CI build stay two runs, as before.
 * - `shard`: Playwright's `config.shard`, only with a buildId (the server refuses a shard without one). A sharded
 *   run without a buildId sends neither, with a warning: its shards become separate runs.
 */
function resolveBuild({ shard, buildId, env = process.env } = {}) {
  const warnings = [];
  const hasShard = validShard(shard);
  if (hasShard && shard.total > MAX_SHARDS) {
    warnings.push(`this is shard ${shard.current}/${shard.total}; Runboard joins at most ${MAX_SHARDS} shards into `
      + 'one run, so this shard is sent as a run of its own');
    return { warnings };
  }
  const sharded = hasShard && shard.total > 1;
  let raw = normaliseBuildId(buildId);
  let source = raw ? 'option' : undefined;
  if (!raw && sharded) {
    raw = normaliseBuildId(ciBuildId(env));
    const ci = raw && detectCi(env);
    source = ci ? ci.provider : undefined;
  }
  if (!raw) {
    if (sharded) {
      warnings.push(`this is shard ${shard.current}/${shard.total}, but no build id is known (no buildId option, no `
        + 'RUNBOARD_BUILD_ID, and no CI build id found), so each shard appears as a separate run. To see the '
        + 'shards of a build as one run, set RUNBOARD_BUILD_ID to the same value in every shard of the build, '
        + 'e.g. your CI\'s pipeline id');
    }
    return { warnings };
  }
  if (raw.shortened) {
    warnings.push(`the build id is longer than ${MAX_BUILD_ID} characters; it is sent as ${raw.buildId}`);
  }
  return {
    buildId: raw.buildId, source, warnings,
    ...(hasShard ? { shard: { current: shard.current, total: shard.total } } : {}),
  };
}

/**
 * The body of `POST /api/test-runs/start` without `projectName` and `runKey` (the client adds them). `build` is
 * from {@link resolveBuild}; `metadata` is left out of the first spool record, written before git answers.
 */
function startBody({ startTime, expectedTests, projectDescription, build = {}, metadata, reporterVersion,
  playwrightVersion }) {
  return {
    startTime,
    ...(Number.isInteger(expectedTests) ? { expectedTests } : {}),
    ...(projectDescription ? { projectDescription } : {}),
    ...(build.buildId ? { buildId: build.buildId } : {}),
    ...(build.buildId && build.shard ? { shard: { current: build.shard.current, total: build.shard.total } } : {}),
    ...(metadata ? { metadata } : {}),
    ...(reporterVersion ? { reporterVersion } : {}),
    ...(playwrightVersion ? { playwrightVersion: String(playwrightVersion).slice(0, 100) } : {}),
  };
}

module.exports = { resolveBuild, normaliseBuildId, startBody, MAX_BUILD_ID, MAX_SHARDS };
