package dev.runboard.store;

/** Queries of the store package, in {@code sql/store/}. */
enum StoreQuery implements Sql.Query {
  SCHEMA_VERSION("schema-version"),
  LOCK_RUN("lock-run"),
  RUN_SUMMARY("run-summary"),
  UPSERT_PROJECT("upsert-project"),
  FIND_KEYED_RUN("find-keyed-run"),
  ROTATE_STREAM_TOKEN("rotate-stream-token"),
  INSERT_RUN("insert-run"),
  FIND_TESTS("find-tests"),
  INSERT_TESTS("insert-tests"),
  RUN_ATTEMPTS_OF_TESTS("run-attempts-of-tests"),
  WRITE_BATCH("write-batch"),
  TOUCH_RUN("touch-run"),
  FINISH_RUN("finish-run"),
  INSERT_EVENT("insert-event"),
  INTERRUPT_STUCK_RUNS("interrupt-stuck-runs"),
  RUN_RESULTS("run-results"),
  EVENTS_AFTER("events-after"),
  RUN_LAST_SEQ("run-last-seq"),
  RESERVE_ARTIFACT_IDS("reserve-artifact-ids"),
  INSERT_ARTIFACTS("insert-artifacts"),
  ADVANCE_SEQ("advance-seq"),
  SET_RUN_PERCENTILES("set-run-percentiles");

  private final String path;

  StoreQuery(String name) {
    this.path = "store/" + name;
  }

  @Override
  public String path() {
    return path;
  }
}
