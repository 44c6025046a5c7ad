// The runs feed's filters applied to one run in the browser, as the server applies them to a list
// (GET /api/test-runs: project, branchPrefix, status, q): live runs from /api/stream pass the same test.

/** The text `q` searches, lower case: branch, commit, CI build, job, workflow, pull request, commit message. */
export function searchText(run) {
  const meta = run.metadata || {};
  const scm = meta.scm && typeof meta.scm === 'object' ? meta.scm : {};
  const ci = meta.ci && typeof meta.ci === 'object' ? meta.ci : {};
  return [scm.branch, scm.commit, ci.buildId, ci.buildNumber, ci.job, ci.workflow, ci.pullRequest,
    String(scm.message ?? '').slice(0, 500)].map((v) => (v == null ? '' : String(v))).join(' ').toLowerCase();
}

/** A predicate over runs (a summary or a detail) for `{project, branchPrefix, status, q}`; empty values filter nothing. */
export function runFilter({ project, branchPrefix, status, q }) {
  const text = (q || '').trim().toLowerCase();
  const number = /^#?(\d{1,18})$/.exec(text);
  return (run) => {
    if (project && String(run.projectId) !== String(project)) return false;
    if (branchPrefix && !String(run.branch || '').startsWith(branchPrefix)) return false;
    if (status && run.status !== status) return false;
    if (text && !searchText(run).includes(text) && !(number && String(run.id) === number[1])) return false;
    return true;
  };
}
