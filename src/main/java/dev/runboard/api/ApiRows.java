package dev.runboard.api;

import dev.runboard.model.RunSummary;
import dev.runboard.store.StoreRows;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.Arrays;

/**
 * The one place the read API's own rows become JSON. Run summaries and results go through {@link StoreRows}, so
 * that they have the same shape as in ingest responses and live events.
 */
final class ApiRows {

  private ApiRows() {
  }

  /**
   * A run summary ({@code run-summaries.sql}, {@code runs-page.sql}) plus its branch and commit, and whether it is
   * pinned (kept by retention).
   */
  static JsonObject run(Row row) {
    RunSummary summary = StoreRows.runSummary(row);
    JsonObject json = JsonObject.mapFrom(summary);
    JsonObject scm = json.getJsonObject("metadata", new JsonObject()).getValue("scm") instanceof JsonObject s
      ? s : new JsonObject();
    return json.put("branch", row.getString("branch")).put("commit", scm.getValue("commit"))
      .put("pinned", row.getBoolean("pinned"));
  }

  /** A row of {@code project.sql} / {@code projects-page.sql} with its latest run (or null). */
  static JsonObject project(Row row, JsonObject latestRun) {
    Long passed = row.getLong("passed");
    Long executed = row.getLong("executed");
    Double passRate = passed == null || executed == null || executed == 0 ? null
      : Math.round(10_000.0 * passed / executed) / 10_000.0;
    return new JsonObject()
      .put("id", row.getLong("id"))
      .put("name", row.getString("name"))
      .put("description", row.getString("description"))
      .put("tags", new JsonArray(Arrays.asList(row.getArrayOfStrings("tags"))))
      .put("createdAt", StoreRows.time(row.getOffsetDateTime("created_at")))
      .put("latestRun", latestRun)
      .put("passRate", passRate)
      .put("passRateRuns", row.getInteger("runs") == null ? 0 : row.getInteger("runs"));
  }

  /** The extra fields of {@code run-detail.sql}. */
  static JsonObject runDetail(Row row, JsonArray files) {
    return run(row)
      .put("source", row.getString("source"))
      .put("reporterVersion", row.getString("reporter_version"))
      .put("playwrightVersion", row.getString("playwright_version"))
      .put("reportedCounts", row.getJsonObject("reported_counts"))
      .put("lastSeq", row.getLong("last_seq"))
      .put("filesExpiredAt", StoreRows.time(row.getOffsetDateTime("files_expired_at")))
      .put("files", files);
  }

  /** Retention settings of a row: {@code runs_days}, {@code keep_runs}, {@code files_days} (null: not set). */
  static JsonObject retention(Row row) {
    return new JsonObject()
      .put("runsDays", row.getInteger("runs_days"))
      .put("keepRuns", row.getInteger("keep_runs"))
      .put("filesDays", row.getInteger("files_days"));
  }

  /** A row of {@code usage.sql}, without its retention columns. */
  static JsonObject usage(Row row) {
    return new JsonObject()
      .put("projectId", row.getLong("id"))
      .put("projectName", row.getString("name"))
      .put("runs", row.getLong("runs"))
      .put("pinnedRuns", row.getLong("pinned_runs"))
      .put("results", row.getLong("results"))
      .put("attempts", row.getLong("attempts"))
      .put("files", row.getLong("files"))
      .put("filesBytes", row.getLong("bytes"))
      .put("oldestRunStart", StoreRows.time(row.getOffsetDateTime("oldest_start")));
  }

  /** A row of {@code run-results-page.sql}: the final attempt, whether flaky, and how many attempts it took. */
  static JsonObject result(Row row) {
    return JsonObject.mapFrom(StoreRows.result(row)).put("flaky", row.getBoolean("flaky"))
      .put("attempts", row.getInteger("attempt_count"));
  }

  /** A row of {@code test.sql}. */
  static JsonObject test(Row row) {
    return new JsonObject()
      .put("id", row.getLong("id"))
      .put("projectId", row.getLong("project_id"))
      .put("projectName", row.getString("project_name"))
      .put("title", row.getString("title"))
      .put("titlePath", titlePath(row))
      .put("file", row.getString("file"))
      .put("playwrightProject", row.getString("playwright_project"))
      .put("variant", row.getInteger("variant"));
  }

  /** A row of {@code test-history.sql}. */
  static JsonObject historyEntry(Row row) {
    return new JsonObject()
      .put("runId", row.getLong("run_id"))
      .put("startTime", StoreRows.time(row.getOffsetDateTime("start_time")))
      .put("runStatus", row.getString("run_status"))
      .put("branch", row.getString("branch"))
      .put("commit", row.getString("commit_sha"))
      .put("status", row.getString("status"))
      .put("expectedStatus", row.getString("expected_status"))
      .put("outcome", row.getString("outcome"))
      .put("duration", row.getLong("duration_ms"))
      .put("retries", row.getInteger("final_retry"))
      .put("attempts", row.getInteger("attempt_count"))
      .put("flaky", row.getBoolean("flaky"))
      .put("errorMessage", row.getString("error_message"));
  }

  /** The identity columns of a test in an aggregate row ({@code flaky-tests.sql}, {@code tests-by-id.sql}). */
  private static JsonObject testRef(Row row) {
    return new JsonObject()
      .put("testId", row.getLong("test_id"))
      .put("title", row.getString("title"))
      .put("titlePath", titlePath(row))
      .put("file", row.getString("file"))
      .put("playwrightProject", row.getString("playwright_project"));
  }

  /** A row of {@code project-tests-search.sql}: the test and its last results, newest first. */
  static JsonObject foundTest(Row row) {
    JsonArray recent = new JsonArray();
    Long[] runIds = row.getArrayOfLongs("run_ids");
    String[] statuses = row.getArrayOfStrings("statuses");
    String[] outcomes = row.getArrayOfStrings("outcomes");
    for (int i = 0; runIds != null && i < runIds.length; i++) {
      recent.add(new JsonObject().put("runId", runIds[i]).put("status", statuses[i]).put("outcome", outcomes[i]));
    }
    return testRef(row)
      .put("lastRunAt", StoreRows.time(row.getOffsetDateTime("last_run_at")))
      .put("recent", recent);
  }

  /** A row of {@code flaky-tests.sql}. */
  static JsonObject flakyTest(Row row) {
    int flaky = row.getInteger("flaky_runs");
    int runs = row.getInteger("runs");
    return testRef(row)
      .put("flakyRuns", flaky)
      .put("runs", runs)
      .put("flakeRate", runs == 0 ? null : Math.round(10_000.0 * flaky / runs) / 10_000.0)
      .put("lastFlakyRunId", row.getLong("last_flaky_run_id"))
      .put("lastFlakyAt", StoreRows.time(row.getOffsetDateTime("last_flaky_at")));
  }

  /** A ranked slowest test ({@link SlowestTests}) with its identity, a row of {@code tests-by-id.sql}. */
  static JsonObject slowTest(Row identity, SlowestTests.Ranked test) {
    JsonArray trend = new JsonArray();
    for (int i = 0; i < test.runIds().length; i++) {
      trend.add(new JsonObject().put("runId", test.runIds()[i]).put("duration", test.durations()[i]));
    }
    return testRef(identity)
      .put("meanDuration", test.mean())
      .put("p90Duration", test.p90())
      .put("maxDuration", test.max())
      .put("runs", test.runs())
      .put("trend", trend);
  }

  /** A row of {@code project-trends.sql}. */
  static JsonObject trendPoint(Row row) {
    int total = row.getInteger("total");
    int skipped = row.getInteger("skipped");
    int executed = total - skipped;
    return new JsonObject()
      .put("runId", row.getLong("id"))
      .put("startTime", StoreRows.time(row.getOffsetDateTime("start_time")))
      .put("status", row.getString("status"))
      .put("branch", row.getString("branch"))
      .put("duration", row.getLong("duration_ms"))
      .put("passRate", executed == 0 ? null : Math.round(10_000.0 * row.getInteger("passed") / executed) / 10_000.0)
      .put("testDurationP50", row.getLong("p50_ms"))
      .put("testDurationP90", row.getLong("p90_ms"))
      .put("counts", new JsonObject()
        .put("total", total).put("passed", row.getInteger("passed")).put("failed", row.getInteger("failed"))
        .put("timedOut", row.getInteger("timed_out")).put("skipped", skipped)
        .put("interrupted", row.getInteger("interrupted")).put("flaky", row.getInteger("flaky")));
  }

  private static JsonArray titlePath(Row row) {
    return new JsonArray(Arrays.asList(row.getArrayOfStrings("title_path")));
  }
}
