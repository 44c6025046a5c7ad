package dev.runboard.store;

import dev.runboard.model.RunSummary;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/**
 * The store's row mappers for other areas' read queries (the read API): a query that selects the columns of
 * {@code run-summary.sql} or {@code run-results.sql} maps its rows here, so every wire shape keeps one mapping.
 */
public final class StoreRows {

  private StoreRows() {
  }

  /** A row with the columns of {@code run-summary.sql}. */
  public static RunSummary runSummary(Row row) {
    return RowMappers.runSummary(row);
  }

  /** A row with the columns of {@code run-results.sql}, as the wire {@code result}. */
  public static JsonObject result(Row row) {
    return RowMappers.result(row);
  }

  /** ISO-8601 in UTC with a {@code Z}, or null. */
  public static String time(java.time.OffsetDateTime time) {
    return RowMappers.time(time);
  }
}
