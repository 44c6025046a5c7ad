package dev.runboard.store;

import dev.runboard.model.Counters;
import dev.runboard.model.RunSummary;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** The one place rows become records. */
final class RowMappers {

  private RowMappers() {
  }

  /** A row of {@code run-summary.sql}. */
  static RunSummary runSummary(Row row) {
    JsonObject metadata = row.getJsonObject("metadata");
    return new RunSummary(row.getLong("id"), row.getLong("project_id"), row.getString("project_name"),
      row.getString("status"), time(row.getOffsetDateTime("start_time")), time(row.getOffsetDateTime("end_time")),
      row.getLong("duration_ms"), counters(row), metadata == null ? java.util.Map.of() : metadata.getMap());
  }

  /** A row of {@code run-results.sql} as the wire {@code result}, through the same code as live events. */
  static JsonObject result(Row row) {
    java.util.List<String> titlePath = java.util.Arrays.asList(row.getArrayOfStrings("title_path"));
    TestKey key = new TestKey(row.getString("file"), titlePath, row.getString("playwright_project"),
      row.getInteger("variant"));
    NewAttempt attempt = new NewAttempt(key, row.getInteger("retry"), row.getString("status"),
      row.getString("expected_status"), row.getLong("duration_ms"), row.getInteger("line"), row.getInteger("col"),
      row.getString("error_message"), row.getString("error_stack"), row.getJsonObject("error_location"),
      (io.vertx.core.json.JsonArray) row.getValue("steps"), (io.vertx.core.json.JsonArray) row.getValue("annotations"),
      (io.vertx.core.json.JsonArray) row.getValue("attachments"), row.getJsonObject("extra"));
    return attempt.toResult(row.getLong("test_id"));
  }

  /** The counter columns of a runs row ({@code total … attempts, expected_tests}). */
  static Counters counters(Row row) {
    return new Counters(row.getInteger("total"), row.getInteger("passed"), row.getInteger("failed"),
      row.getInteger("timed_out"), row.getInteger("skipped"), row.getInteger("interrupted"),
      row.getInteger("flaky"), row.getInteger("attempts"), row.getInteger("expected_tests"));
  }

  /** ISO-8601 in UTC with a {@code Z}, or null. */
  static String time(OffsetDateTime time) {
    return time == null ? null : DateTimeFormatter.ISO_INSTANT.format(time.toInstant());
  }
}
