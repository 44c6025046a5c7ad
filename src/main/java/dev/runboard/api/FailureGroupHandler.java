package dev.runboard.api;

import dev.runboard.store.Sql;
import dev.runboard.store.StoreRows;
import dev.runboard.web.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * Failure groups: a run's or a project's unexpected failures grouped by their error's fingerprint
 * ({@code model.ErrorFingerprint}), so that 24 identical connection errors read as one cause.
 */
final class FailureGroupHandler {

  static final int DEFAULT_GROUPS = 50;
  static final int MAX_GROUPS = 500;
  static final int DEFAULT_DAYS = 30;
  static final int MAX_DAYS = 365;

  private final Pool pool;
  private final Sql<ApiQuery> sql;
  private final ProjectHandler projects;
  private final RunHandler runs;

  FailureGroupHandler(Pool pool, Sql<ApiQuery> sql, ProjectHandler projects, RunHandler runs) {
    this.pool = pool;
    this.sql = sql;
    this.projects = projects;
    this.runs = runs;
  }

  /** {@code GET /api/test-runs/{runId}/failure-groups?limit=}. */
  void runGroups(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams params = QueryParams.of(ctx, "limit");
    int limit = params.integer("limit", 1, MAX_GROUPS, DEFAULT_GROUPS);
    runs.runExists(runId)
      .compose(v -> pool.preparedQuery(sql.get(ApiQuery.RUN_FAILURE_GROUPS)).execute(Tuple.of(runId, limit)))
      .onSuccess(rows -> {
        JsonArray groups = new JsonArray();
        rows.forEach(row -> groups.add(new JsonObject()
          .put("fingerprint", row.getString("fingerprint"))
          .put("signature", row.getString("signature"))
          .put("attempts", row.getInteger("attempts"))
          .put("tests", row.getInteger("tests"))
          .put("example", new JsonObject()
            .put("testId", row.getLong("test_id"))
            .put("title", row.getString("title"))
            .put("titlePath", new JsonArray(Arrays.asList(row.getArrayOfStrings("title_path"))))
            .put("file", row.getString("file"))
            .put("playwrightProject", row.getString("playwright_project"))
            .put("retry", row.getInteger("retry"))
            .put("status", row.getString("status"))
            .put("seq", row.getLong("seq"))
            .put("errorMessage", row.getString("error_message")))));
        Responses.sendJson(ctx, 200, new JsonObject().put("runId", runId).put("groups", groups));
      })
      .onFailure(ctx::fail);
  }

  /** {@code GET /api/projects/{projectId}/failure-groups?days=&limit=}. */
  void projectGroups(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams params = QueryParams.of(ctx, "days", "limit");
    int days = params.integer("days", 1, MAX_DAYS, DEFAULT_DAYS);
    int limit = params.integer("limit", 1, MAX_GROUPS, DEFAULT_GROUPS);
    // The window is whole UTC days, today and the days-1 before it: the rollup it reads is per day.
    LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).minusDays(days - 1L);
    projects.findProject(projectId)
      .compose(project -> pool.preparedQuery(sql.get(ApiQuery.PROJECT_FAILURE_GROUPS))
        .execute(Tuple.of(projectId, firstDay, limit)))
      .onSuccess(rows -> {
        JsonArray groups = new JsonArray();
        for (Row row : rows) {
          Object trend = row.getValue("trend");
          groups.add(new JsonObject()
            .put("fingerprint", row.getString("fingerprint"))
            .put("signature", row.getString("signature"))
            .put("firstSeen", StoreRows.time(row.getOffsetDateTime("first_seen")))
            .put("lastSeen", StoreRows.time(row.getOffsetDateTime("last_seen")))
            .put("runs", row.getInteger("runs"))
            .put("tests", row.getInteger("tests"))
            .put("attempts", row.getInteger("attempts"))
            .put("lastRunId", row.getLong("last_run_id"))
            .put("trend", trend instanceof JsonArray array ? array : new JsonArray()));
        }
        Responses.sendJson(ctx, 200, new JsonObject().put("projectId", projectId).put("days", days)
          .put("groups", groups));
      })
      .onFailure(ctx::fail);
  }
}
