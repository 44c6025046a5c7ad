package dev.runboard.maintenance;

import dev.runboard.store.Sql;

/** Queries of the failure rollup job, in {@code sql/maintenance/}. */
enum FailureRollupQuery implements Sql.Query {
  ROLL_UP_FAILURES;

  @Override
  public String area() {
    return "maintenance";
  }
}
