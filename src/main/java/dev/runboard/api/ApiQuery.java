package dev.runboard.api;

import dev.runboard.store.Sql;

/** Queries of the read API, in {@code sql/api/}. */
enum ApiQuery implements Sql.Query {
  PROJECTS_PAGE,
  PROJECT,
  UPDATE_PROJECT,
  DELETE_PROJECT_TAGS,
  INSERT_PROJECT_TAGS,
  RUN_SUMMARIES,
  RUNS_PAGE,
  PROJECT_RUNS_PAGE,
  RUN_DETAIL,
  RUN_ARTIFACTS,
  RUN_RESULTS_PAGE,
  EARLIER_ATTEMPTS,
  DELETE_RUN,
  TEST,
  TEST_HISTORY,
  FLAKY_TESTS,
  SLOWEST_TESTS,
  PROJECT_TRENDS,
  RUN_FAILURE_GROUPS,
  PROJECT_FAILURE_GROUPS,
  PROJECT_RETENTION,
  UPSERT_PROJECT_RETENTION,
  PIN_RUN,
  USAGE;

  @Override
  public String area() {
    return "api";
  }
}
