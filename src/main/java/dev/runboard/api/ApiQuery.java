package dev.runboard.api;

import dev.runboard.store.Sql;

/** Queries of the read API, in {@code sql/api/}. */
enum ApiQuery implements Sql.Query {
  PROJECTS_PAGE("projects-page"),
  PROJECT("project"),
  UPDATE_PROJECT("update-project"),
  DELETE_PROJECT_TAGS("delete-project-tags"),
  INSERT_PROJECT_TAGS("insert-project-tags"),
  RUN_SUMMARIES("run-summaries"),
  RUNS_PAGE("runs-page"),
  PROJECT_RUNS_PAGE("project-runs-page"),
  RUN_DETAIL("run-detail"),
  RUN_ARTIFACTS("run-artifacts"),
  RUN_RESULTS_PAGE("run-results-page"),
  EARLIER_ATTEMPTS("earlier-attempts"),
  DELETE_RUN("delete-run"),
  TEST("test"),
  TEST_HISTORY("test-history"),
  FLAKY_TESTS("flaky-tests"),
  SLOWEST_TESTS("slowest-tests"),
  PROJECT_TRENDS("project-trends");

  private final String path;

  ApiQuery(String name) {
    this.path = "api/" + name;
  }

  @Override
  public String path() {
    return path;
  }
}
