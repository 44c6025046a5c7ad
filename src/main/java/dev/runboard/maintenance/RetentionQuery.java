package dev.runboard.maintenance;

import dev.runboard.store.Sql;

/** Queries of the retention job, in {@code sql/maintenance/}. */
enum RetentionQuery implements Sql.Query {
  PURGE_RUNS,
  EXPIRE_RUN_FILES;

  @Override
  public String area() {
    return "maintenance";
  }
}
