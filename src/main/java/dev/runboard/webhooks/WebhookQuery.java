package dev.runboard.webhooks;

import dev.runboard.store.Sql;

/** Queries of the webhooks area, in {@code sql/webhooks/}. */
enum WebhookQuery implements Sql.Query {
  FIND_PROJECT,
  LIST_WEBHOOKS,
  FIND_WEBHOOK,
  INSERT_WEBHOOK,
  UPDATE_WEBHOOK,
  DELETE_WEBHOOK,
  MARK_RUN,
  INSERT_DELIVERIES,
  SCAN_MISSED_RUNS,
  CLAIM_DELIVERIES,
  INSERT_TEST_DELIVERY,
  RECORD_DELIVERED,
  RECORD_FAILED_ATTEMPT,
  LIST_DELIVERIES,
  FIND_DELIVERY,
  RUN_SUMMARY,
  NEW_FAILURES;

  @Override
  public String area() {
    return "webhooks";
  }
}
