package dev.runboard.store;

/** Queries of the store package, in {@code sql/store/}. */
enum StoreQuery implements Sql.Query {
  SCHEMA_VERSION,
  LOCK_RUN,
  RUN_SUMMARY,
  UPSERT_PROJECT,
  FIND_KEYED_RUN,
  ROTATE_STREAM_TOKEN,
  INSERT_RUN,
  FIND_TESTS,
  INSERT_TESTS,
  RUN_ATTEMPTS_OF_TESTS,
  WRITE_BATCH,
  TOUCH_RUN,
  FINISH_RUN,
  INSERT_EVENT,
  INTERRUPT_STUCK_RUNS,
  RUN_RESULTS,
  EVENTS_AFTER,
  RUN_LAST_SEQ,
  RESERVE_ARTIFACT_IDS,
  INSERT_ARTIFACTS,
  ADVANCE_SEQ,
  SET_RUN_PERCENTILES,
  FIND_ARTIFACT;

  @Override
  public String area() {
    return "store";
  }
}
