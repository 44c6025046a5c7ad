package dev.runboard.store;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Counters;
import dev.runboard.model.Outcome;
import dev.runboard.model.RunFile;
import dev.runboard.model.RunStatus;
import dev.runboard.model.RunSummary;
import dev.runboard.model.Shards;
import dev.runboard.model.TestResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The one place rows (and validated attempts) become records. */
final class RowMappers {

  private RowMappers() {
  }

  /** A row of {@code run-summary.sql} (its {@code shard_total} and {@code shards} columns are optional). */
  static RunSummary runSummary(Row row) {
    JsonObject metadata = row.getJsonObject("metadata");
    return new RunSummary(row.getLong("id"), row.getLong("project_id"), row.getString("project_name"),
      RunStatus.fromWire(row.getString("status")), time(row.getOffsetDateTime("start_time")),
      time(row.getOffsetDateTime("end_time")), row.getLong("duration_ms"), counters(row),
      metadata == null ? Map.of() : metadata.getMap(), shards(row));
  }

  /** The columns {@code shard_total} and {@code shards} ({@code run_shards_json}), or null for unsharded runs. */
  private static Shards shards(Row row) {
    int total = row.getColumnIndex("shard_total");
    if (total < 0 || row.getValue(total) == null) {
      return null;
    }
    int shardTotal = row.getInteger(total);
    Object json = row.getValue("shards");
    JsonArray items = json instanceof JsonArray array ? array : new JsonArray();
    List<Shards.Shard> list = new ArrayList<>(items.size());
    Set<Integer> started = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      started.add(item.getInteger("current"));
      list.add(new Shards.Shard(item.getInteger("current"), RunStatus.fromWire(item.getString("status")),
        epochTime(item.getLong("startTime")), epochTime(item.getLong("endTime")),
        item.getJsonObject("counters").mapTo(Counters.class)));
    }
    List<Integer> missing = new ArrayList<>();
    for (int current = 1; current <= shardTotal; current++) {
      if (!started.contains(current)) {
        missing.add(current);
      }
    }
    return new Shards(shardTotal, list, missing);
  }

  private static String epochTime(Long millis) {
    return millis == null ? null : DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis));
  }

  /** A row of {@code run-results.sql}. */
  static TestResult result(Row row) {
    List<String> titlePath = Arrays.asList(row.getArrayOfStrings("title_path"));
    TestKey key = new TestKey(row.getString("file"), titlePath, row.getString("playwright_project"),
      row.getInteger("variant"));
    NewAttempt attempt = new NewAttempt(key, row.getInteger("retry"), AttemptStatus.fromWire(row.getString("status")),
      AttemptStatus.fromWire(row.getString("expected_status")), row.getLong("duration_ms"), row.getInteger("line"),
      row.getInteger("col"), row.getString("error_message"), row.getString("error_stack"),
      row.getJsonObject("error_location"), (JsonArray) row.getValue("steps"), (JsonArray) row.getValue("annotations"),
      (JsonArray) row.getValue("attachments"), row.getJsonObject("extra"));
    int fingerprint = row.getColumnIndex("fingerprint");
    return result(row.getLong("test_id"), attempt, Outcome.fromWire(row.getString("outcome")),
      fingerprint < 0 ? null : row.getString(fingerprint));
  }

  /** A stored attempt as its wire result: the same code for live events and for rows. */
  static TestResult result(long testId, NewAttempt attempt, Outcome outcome, String fingerprint) {
    TestKey test = attempt.test();
    TestResult.Error error = attempt.errorMessage() == null && attempt.errorStack() == null ? null
      : new TestResult.Error(attempt.errorMessage(), attempt.errorStack(), attempt.errorLocation());
    return new TestResult(testId, test.title(), test.titlePath(), test.file(), test.playwrightProject(),
      new TestResult.Location(test.file(), attempt.line(), attempt.column()), attempt.retry(), attempt.status(),
      attempt.expectedStatus(), outcome, attempt.durationMs(), error, orEmpty(attempt.steps()),
      orEmpty(attempt.annotations()), orEmpty(attempt.attachments()), attempt.extra(), fingerprint);
  }

  /** A row of {@code find-artifact.sql} or {@code run-artifacts.sql}. */
  static StoredArtifact artifact(Row row) {
    String storagePath = row.getString("storage_path");
    Integer entryCount = row.getInteger("entry_count");
    RunFile.Attempt attempt = row.getValue("file") == null ? null : new RunFile.Attempt(
      Arrays.asList(row.getArrayOfStrings("title_path")), row.getString("file"), row.getString("playwright_project"),
      row.getInteger("retry"));
    String fileName = entryCount != null ? null : Path.of(storagePath).getFileName().toString();
    return new StoredArtifact(row.getLong("id"), row.getLong("run_id"), row.getString("kind"),
      row.getString("report_type"), row.getString("label"), row.getString("name"), fileName,
      row.getString("content_type"), row.getLong("size_bytes"), storagePath, entryCount, attempt);
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

  private static JsonArray orEmpty(JsonArray array) {
    return array == null ? new JsonArray() : array;
  }
}
