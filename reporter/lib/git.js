'use strict';

const { execFile } = require('node:child_process');

/**
 * Git facts of `cwd` (commit, branch, author, subject, remote) from the `git` command with short timeouts.
 * Never rejects: a missing git, a folder that is no repository or a slow command leaves fields out.
 */
async function gitInfo(cwd, { timeoutMs = 1500, exec = runGit } = {}) {
  const git = (...args) => exec(args, cwd, timeoutMs).catch(() => undefined);
  const commit = await git('rev-parse', 'HEAD');
  if (!commit) {
    return {};
  }
  const [branch, log, remote] = await Promise.all([
    git('rev-parse', '--abbrev-ref', 'HEAD'),
    git('log', '-1', '--format=%an%x00%s'),
    git('config', '--get', 'remote.origin.url'),
  ]);
  const info = { commit };
  if (branch && branch !== 'HEAD') {
    info.branch = branch;
  }
  if (log) {
    const [author, subject] = log.split('\u0000');
    if (author) info.author = author;
    if (subject) info.message = subject.slice(0, 2000);
  }
  if (remote) {
    info.remote = stripCredentials(remote);
  }
  return info;
}

function runGit(args, cwd, timeoutMs) {
  return new Promise((resolve) => {
    try {
      execFile('git', args, {
        cwd, timeout: timeoutMs, encoding: 'utf8', windowsHide: true, maxBuffer: 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      }, (error, stdout) => resolve(error ? undefined : String(stdout).trim() || undefined));
    } catch {
      resolve(undefined);
    }
  });
}

/** Removes `user:password@` from a remote URL, so a token in it never reaches the server. */
function stripCredentials(url) {
  return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

module.exports = { gitInfo, stripCredentials };
