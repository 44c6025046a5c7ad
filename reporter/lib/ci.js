'use strict';

const crypto = require('node:crypto');

/**
 * The CI provider of this process from its environment: `{provider, buildUrl, buildId, job, …, keyParts}` or
 * `null` outside CI. `keyParts` identify the CI job and stay the same when that job is retried, so that every
 * process of one job (a retried request, a restarted reporter, a later `flush`) names the same run.
 */
function detectCi(env = process.env) {
  const e = (name) => (env[name] === undefined || env[name] === '' ? undefined : String(env[name]));
  if (e('GITHUB_ACTIONS') === 'true') {
    const server = e('GITHUB_SERVER_URL') || 'https://github.com';
    const runUrl = e('GITHUB_REPOSITORY') && e('GITHUB_RUN_ID')
      ? `${server}/${e('GITHUB_REPOSITORY')}/actions/runs/${e('GITHUB_RUN_ID')}` : undefined;
    return clean({
      provider: 'github-actions', buildUrl: runUrl, buildId: e('GITHUB_RUN_ID'), attempt: e('GITHUB_RUN_ATTEMPT'),
      job: e('GITHUB_JOB'), workflow: e('GITHUB_WORKFLOW'), repository: e('GITHUB_REPOSITORY'),
      branch: e('GITHUB_HEAD_REF') || e('GITHUB_REF_NAME'), commit: e('GITHUB_SHA'),
      pullRequest: pullRequestFromRef(e('GITHUB_REF')), actor: e('GITHUB_ACTOR'),
      keyParts: e('GITHUB_RUN_ID') ? ['gh', e('GITHUB_RUN_ID'), e('GITHUB_JOB')] : undefined,
    });
  }
  if (e('GITLAB_CI') === 'true') {
    return clean({
      provider: 'gitlab', buildUrl: e('CI_JOB_URL') || e('CI_PIPELINE_URL'), buildId: e('CI_JOB_ID'),
      pipelineId: e('CI_PIPELINE_ID'), job: e('CI_JOB_NAME'), repository: e('CI_PROJECT_PATH'),
      branch: e('CI_COMMIT_REF_NAME') || e('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME'), commit: e('CI_COMMIT_SHA'),
      pullRequest: e('CI_MERGE_REQUEST_IID'), actor: e('GITLAB_USER_LOGIN'),
      keyParts: e('CI_PIPELINE_ID') ? ['gl', e('CI_PIPELINE_ID'), e('CI_JOB_NAME'), e('CI_NODE_INDEX')] : undefined,
    });
  }
  if (e('JENKINS_URL') || e('JENKINS_HOME')) {
    return clean({
      provider: 'jenkins', buildUrl: e('BUILD_URL'), buildId: e('BUILD_NUMBER') || e('BUILD_ID'), job: e('JOB_NAME'),
      branch: e('CHANGE_BRANCH') || e('BRANCH_NAME') || stripOrigin(e('GIT_BRANCH')), commit: e('GIT_COMMIT'),
      pullRequest: e('CHANGE_ID'),
      keyParts: e('BUILD_NUMBER') || e('BUILD_TAG')
        ? ['jenkins', e('BUILD_TAG') || `${e('JOB_NAME')}-${e('BUILD_NUMBER')}`, e('STAGE_NAME')] : undefined,
    });
  }
  if (e('CIRCLECI') === 'true') {
    return clean({
      provider: 'circleci', buildUrl: e('CIRCLE_BUILD_URL'), buildId: e('CIRCLE_BUILD_NUM'), job: e('CIRCLE_JOB'),
      workflowId: e('CIRCLE_WORKFLOW_ID'), repository: e('CIRCLE_PROJECT_REPONAME'), branch: e('CIRCLE_BRANCH'),
      commit: e('CIRCLE_SHA1'), pullRequest: e('CIRCLE_PR_NUMBER') || lastSegment(e('CIRCLE_PULL_REQUEST')),
      keyParts: e('CIRCLE_WORKFLOW_ID') || e('CIRCLE_BUILD_NUM')
        ? ['circle', e('CIRCLE_WORKFLOW_ID') || e('CIRCLE_BUILD_NUM'), e('CIRCLE_JOB'), e('CIRCLE_NODE_INDEX')]
        : undefined,
    });
  }
  if ((e('TF_BUILD') || '').toLowerCase() === 'true') {
    const collection = e('SYSTEM_TEAMFOUNDATIONCOLLECTIONURI') || e('SYSTEM_COLLECTIONURI');
    const buildUrl = collection && e('SYSTEM_TEAMPROJECT') && e('BUILD_BUILDID')
      ? `${collection.replace(/\/?$/, '/')}${encodeURIComponent(e('SYSTEM_TEAMPROJECT'))}/_build/results?buildId=${e('BUILD_BUILDID')}`
      : undefined;
    return clean({
      provider: 'azure-pipelines', buildUrl, buildId: e('BUILD_BUILDID'), buildNumber: e('BUILD_BUILDNUMBER'),
      job: e('SYSTEM_JOBDISPLAYNAME') || e('AGENT_JOBNAME'), repository: e('BUILD_REPOSITORY_NAME'),
      branch: e('SYSTEM_PULLREQUEST_SOURCEBRANCH') ? stripRefsHeads(e('SYSTEM_PULLREQUEST_SOURCEBRANCH'))
        : e('BUILD_SOURCEBRANCHNAME'),
      commit: e('BUILD_SOURCEVERSION'), pullRequest: e('SYSTEM_PULLREQUEST_PULLREQUESTNUMBER')
        || e('SYSTEM_PULLREQUEST_PULLREQUESTID'),
      keyParts: e('BUILD_BUILDID') ? ['azure', e('BUILD_BUILDID'), e('SYSTEM_JOBID') || e('AGENT_JOBNAME')]
        : undefined,
    });
  }
  if (e('TRAVIS') === 'true') {
    return clean({
      provider: 'travis', buildUrl: e('TRAVIS_JOB_WEB_URL') || e('TRAVIS_BUILD_WEB_URL'), buildId: e('TRAVIS_BUILD_ID'),
      job: e('TRAVIS_JOB_NUMBER'), repository: e('TRAVIS_REPO_SLUG'),
      branch: e('TRAVIS_PULL_REQUEST_BRANCH') || e('TRAVIS_BRANCH'), commit: e('TRAVIS_COMMIT'),
      pullRequest: e('TRAVIS_PULL_REQUEST') !== 'false' ? e('TRAVIS_PULL_REQUEST') : undefined,
      keyParts: e('TRAVIS_JOB_ID') ? ['travis', e('TRAVIS_JOB_ID')] : undefined,
    });
  }
  if (e('BUILDKITE') === 'true') {
    return clean({
      provider: 'buildkite', buildUrl: e('BUILDKITE_BUILD_URL'), buildId: e('BUILDKITE_BUILD_NUMBER'),
      job: e('BUILDKITE_LABEL') || e('BUILDKITE_STEP_KEY'), repository: e('BUILDKITE_PIPELINE_SLUG'),
      branch: e('BUILDKITE_BRANCH'), commit: e('BUILDKITE_COMMIT'),
      pullRequest: e('BUILDKITE_PULL_REQUEST') !== 'false' ? e('BUILDKITE_PULL_REQUEST') : undefined,
      keyParts: e('BUILDKITE_BUILD_ID')
        ? ['bk', e('BUILDKITE_BUILD_ID'), e('BUILDKITE_STEP_ID') || e('BUILDKITE_JOB_ID'), e('BUILDKITE_PARALLEL_JOB')]
        : undefined,
    });
  }
  const ci = e('CI');
  if (ci && ci !== 'false' && ci !== '0') {
    const id = e('BUILD_ID') || e('CI_BUILD_ID') || e('BUILD_NUMBER') || e('CI_JOB_ID');
    return clean({
      provider: 'generic', buildUrl: e('BUILD_URL') || e('CI_BUILD_URL') || e('CI_JOB_URL'), buildId: id,
      branch: e('BRANCH_NAME') || e('GIT_BRANCH') || e('CI_BRANCH'), commit: e('GIT_COMMIT') || e('CI_COMMIT'),
      keyParts: id ? ['ci', id] : undefined,
    });
  }
  return null;
}

/**
 * The id of the CI build this process belongs to: the same in every job of that build (so in every shard), and
 * new for each build (GitHub Actions: for each re-run attempt). Undefined outside CI and for CI providers that
 * do not name their builds (generic `CI=true`).
 */
function ciBuildId(env = process.env) {
  const e = (name) => (env[name] === undefined || String(env[name]).trim() === '' ? undefined : String(env[name]).trim());
  const ci = detectCi(env);
  switch (ci && ci.provider) {
    case 'github-actions':
      return e('GITHUB_RUN_ID') && (e('GITHUB_RUN_ATTEMPT') ? `${e('GITHUB_RUN_ID')}-${e('GITHUB_RUN_ATTEMPT')}`
        : e('GITHUB_RUN_ID'));
    case 'gitlab':
      return e('CI_PIPELINE_ID');
    case 'jenkins':
      return e('BUILD_TAG');
    case 'circleci':
      return e('CIRCLE_WORKFLOW_ID');
    case 'azure-pipelines':
      return e('BUILD_BUILDID');
    case 'travis':
      return e('TRAVIS_BUILD_ID');
    case 'buildkite':
      return e('BUILDKITE_BUILD_ID');
    default:
      return undefined;
  }
}

/**
 * The run key: from the CI job's ids plus the shard and the command line (so that two `playwright test` commands
 * in one job are two runs), else random for this process. At most 100 characters.
 */
function deriveRunKey(ci, { shard, argv = process.argv.slice(2), random = () => crypto.randomUUID() } = {}) {
  if (!ci || !ci.keyParts) {
    return 'local-' + random();
  }
  const parts = ci.keyParts.filter((p) => p !== undefined && p !== '');
  if (shard && shard.total > 1) {
    parts.push(`shard${shard.current}of${shard.total}`);
  }
  parts.push(crypto.createHash('sha256').update(argv.join('\u0000')).digest('hex').slice(0, 8));
  const key = parts.join('-').replace(/[^\w.:/@+-]/g, '_');
  if (key.length <= 100) {
    return key;
  }
  return key.slice(0, 60) + '-' + crypto.createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function pullRequestFromRef(ref) {
  const match = /^refs\/pull\/(\d+)\//.exec(ref || '');
  return match ? match[1] : undefined;
}

function stripOrigin(branch) {
  return branch ? branch.replace(/^origin\//, '') : undefined;
}

function stripRefsHeads(ref) {
  return ref ? ref.replace(/^refs\/heads\//, '') : undefined;
}

function lastSegment(url) {
  return url ? url.split('/').filter(Boolean).pop() : undefined;
}

function clean(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined && value !== '') {
      out[key] = value;
    }
  }
  return out;
}

module.exports = { detectCi, deriveRunKey, ciBuildId };
