package dev.runboard.store;

import dev.runboard.model.Counters;
import dev.runboard.model.RunSummary;
import dev.runboard.model.TestResult;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;

/**
 * The store's row mappers for other areas' read queries (the read API): a query that selects the columns of
 * {@code run-summary.sql}, {@code run-results.sql} or {@code find-artifact.sql} maps its rows here, so every wire
 * shape keeps one mapping.
 */
public final class StoreRows {

  private StoreRows() {
  }

  /** A row with the columns of {@code run-summary.sql}. */
  public static RunSummary runSummary(Row row) {
    return RowMappers.runSummary(row);
  }

  /** A row with the columns of {@code run-results.sql}. */
  public static TestResult result(Row row) {
    return RowMappers.result(row);
  }

  /** A row with the columns of {@code find-artifact.sql}. */
  public static StoredArtifact artifact(Row row) {
    return RowMappers.artifact(row);
  }

  /** A row with the counter columns of {@code runs}. */
  public static Counters counters(Row row) {
    return RowMappers.counters(row);
  }

  /** ISO-8601 in UTC with a {@code Z}, or null. */
  public static String time(OffsetDateTime time) {
    return RowMappers.time(time);
  }
}
