'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { detectCi, deriveRunKey, ciBuildId } = require('../../lib/ci');

test('no CI variables: no provider, a random runKey per process', () => {
  assert.equal(detectCi({}), null);
  const a = deriveRunKey(null);
  assert.match(a, /^local-[0-9a-f-]{36}$/);
  assert.notEqual(a, deriveRunKey(null));
});

test('GitHub Actions: build URL from server, repository and run id; key stable across re-run attempts', () => {
  const env = { GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'e2e', GITHUB_REF_NAME: 'main', GITHUB_SHA: 'abc',
    GITHUB_REF: 'refs/pull/7/merge', GITHUB_HEAD_REF: 'feature' };
  const ci = detectCi(env);
  assert.equal(ci.provider, 'github-actions');
  assert.equal(ci.buildUrl, 'https://github.com/acme/shop/actions/runs/42');
  assert.equal(ci.branch, 'feature');
  assert.equal(ci.commit, 'abc');
  assert.equal(ci.pullRequest, '7');
  const argv = ['test', '--project=desktop'];
  const first = deriveRunKey(ci, { argv });
  assert.equal(first, deriveRunKey(detectCi({ ...env, GITHUB_RUN_ATTEMPT: '2' }), { argv }));
  assert.match(first, /^gh-42-e2e-[0-9a-f]{8}$/);
  assert.notEqual(first, deriveRunKey(ci, { argv: ['test', '--project=narrow'] }), 'another command: another run');
  assert.notEqual(deriveRunKey(ci, { argv, shard: { current: 1, total: 2 } }),
    deriveRunKey(ci, { argv, shard: { current: 2, total: 2 } }), 'shards are separate runs');
});

test('GitLab CI', () => {
  const ci = detectCi({ GITLAB_CI: 'true', CI: 'true', CI_JOB_URL: 'https://gitlab.example/j/9', CI_JOB_ID: '9',
    CI_PIPELINE_ID: '5', CI_JOB_NAME: 'e2e', CI_COMMIT_REF_NAME: 'main', CI_COMMIT_SHA: 'def' });
  assert.deepEqual([ci.provider, ci.buildUrl, ci.branch, ci.commit], ['gitlab', 'https://gitlab.example/j/9', 'main', 'def']);
  assert.match(deriveRunKey(ci, { argv: [] }), /^gl-5-e2e-/);
});

test('Jenkins', () => {
  const ci = detectCi({ JENKINS_URL: 'https://ci.example/', BUILD_URL: 'https://ci.example/job/shop/12/',
    BUILD_NUMBER: '12', JOB_NAME: 'shop', GIT_BRANCH: 'origin/main', GIT_COMMIT: 'aaa', BUILD_TAG: 'jenkins-shop-12' });
  assert.deepEqual([ci.provider, ci.buildUrl, ci.branch, ci.buildId], ['jenkins', 'https://ci.example/job/shop/12/', 'main', '12']);
  assert.match(deriveRunKey(ci, { argv: [] }), /^jenkins-jenkins-shop-12-/);
});

test('CircleCI', () => {
  const ci = detectCi({ CIRCLECI: 'true', CIRCLE_BUILD_URL: 'https://circleci.com/gh/a/b/3', CIRCLE_BUILD_NUM: '3',
    CIRCLE_JOB: 'e2e', CIRCLE_WORKFLOW_ID: 'wf', CIRCLE_BRANCH: 'dev', CIRCLE_SHA1: 'bbb', CIRCLE_NODE_INDEX: '1' });
  assert.deepEqual([ci.provider, ci.buildUrl, ci.branch], ['circleci', 'https://circleci.com/gh/a/b/3', 'dev']);
  assert.match(deriveRunKey(ci, { argv: [] }), /^circle-wf-e2e-1-/);
});

test('Azure Pipelines', () => {
  const ci = detectCi({ TF_BUILD: 'True', SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/acme/',
    SYSTEM_TEAMPROJECT: 'Shop App', BUILD_BUILDID: '77', BUILD_SOURCEBRANCHNAME: 'main', BUILD_SOURCEVERSION: 'ccc',
    SYSTEM_JOBID: 'job-1' });
  assert.equal(ci.provider, 'azure-pipelines');
  assert.equal(ci.buildUrl, 'https://dev.azure.com/acme/Shop%20App/_build/results?buildId=77');
  assert.match(deriveRunKey(ci, { argv: [] }), /^azure-77-job-1-/);
});

test('Travis CI', () => {
  const ci = detectCi({ TRAVIS: 'true', CI: 'true', TRAVIS_JOB_WEB_URL: 'https://travis.example/j/1', TRAVIS_JOB_ID: '1',
    TRAVIS_BRANCH: 'main', TRAVIS_COMMIT: 'ddd', TRAVIS_PULL_REQUEST: 'false' });
  assert.deepEqual([ci.provider, ci.buildUrl, ci.branch, ci.pullRequest], ['travis', 'https://travis.example/j/1', 'main', undefined]);
});

test('Buildkite', () => {
  const ci = detectCi({ BUILDKITE: 'true', CI: 'true', BUILDKITE_BUILD_URL: 'https://buildkite.com/a/b/builds/4',
    BUILDKITE_BUILD_NUMBER: '4', BUILDKITE_BUILD_ID: 'uuid', BUILDKITE_STEP_ID: 'step', BUILDKITE_BRANCH: 'main',
    BUILDKITE_COMMIT: 'eee', BUILDKITE_PULL_REQUEST: '12' });
  assert.deepEqual([ci.provider, ci.buildUrl, ci.pullRequest], ['buildkite', 'https://buildkite.com/a/b/builds/4', '12']);
  assert.match(deriveRunKey(ci, { argv: [] }), /^bk-uuid-step-/);
});

test('generic CI=true: provider generic; a key only when it names a build', () => {
  assert.deepEqual(detectCi({ CI: 'true' }), { provider: 'generic' });
  assert.match(deriveRunKey(detectCi({ CI: 'true' })), /^local-/);
  const ci = detectCi({ CI: '1', BUILD_ID: '99', BUILD_URL: 'https://ci.example/99' });
  assert.equal(ci.buildUrl, 'https://ci.example/99');
  assert.match(deriveRunKey(ci, { argv: [] }), /^ci-99-/);
  assert.equal(detectCi({ CI: 'false' }), null);
});

test('a runKey is at most 100 characters', () => {
  const ci = { keyParts: ['gh', '1'.repeat(80), 'j'.repeat(80)] };
  const key = deriveRunKey(ci, { argv: [] });
  assert.ok(key.length <= 100, key);
  assert.equal(key, deriveRunKey(ci, { argv: [] }));
});

test('the CI build id: shared by every job (shard) of a build, per provider', () => {
  const cases = [
    [{ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'e2e' }, '9876543210-2'],
    [{ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '9876543210' }, '9876543210'],
    [{ GITLAB_CI: 'true', CI: 'true', CI_PIPELINE_ID: '5', CI_JOB_ID: '9', CI_NODE_INDEX: '2' }, '5'],
    [{ CIRCLECI: 'true', CIRCLE_WORKFLOW_ID: 'wf-uuid', CIRCLE_BUILD_NUM: '3', CIRCLE_NODE_INDEX: '1' }, 'wf-uuid'],
    [{ JENKINS_URL: 'https://ci.example/', BUILD_TAG: 'jenkins-shop-12', BUILD_NUMBER: '12' }, 'jenkins-shop-12'],
    [{ TF_BUILD: 'True', BUILD_BUILDID: '77', SYSTEM_JOBID: 'job-1' }, '77'],
    [{ BUILDKITE: 'true', CI: 'true', BUILDKITE_BUILD_ID: 'bk-uuid', BUILDKITE_BUILD_NUMBER: '4',
      BUILDKITE_PARALLEL_JOB: '0' }, 'bk-uuid'],
    [{ TRAVIS: 'true', CI: 'true', TRAVIS_BUILD_ID: '314', TRAVIS_JOB_ID: '315' }, '314'],
  ];
  for (const [env, expected] of cases) {
    assert.equal(ciBuildId(env), expected, detectCi(env).provider);
  }
});

test('no CI build id outside CI, for a generic CI, or when the provider leaves its build id blank', () => {
  assert.equal(ciBuildId({}), undefined);
  assert.equal(ciBuildId({ CI: 'true', BUILD_ID: '99' }), undefined);
  assert.equal(ciBuildId({ GITLAB_CI: 'true', CI_PIPELINE_ID: ' ' }), undefined);
  assert.equal(ciBuildId({ GITHUB_ACTIONS: 'true' }), undefined);
});
