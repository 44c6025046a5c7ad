package dev.runboard.maintenance;

import dev.runboard.store.Sql;

/** Queries of the retention job, in {@code sql/maintenance/}. */
enum RetentionQuery implements Sql.Query {
  RETENTION_BOUNDS,
  PURGE_RUNS_OLDER,
  PURGE_RUNS_BEYOND,
  EXPIRE_RUN_FILES;

  @Override
  public String area() {
    return "maintenance";
  }
}
