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
