package dev.runboard.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.store.StoreRows;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Iterator;
import java.util.List;

/**
 * Retention, for administrators: a project's overrides of the configured defaults ({@code retention.runsDays},
 * {@code retention.keepRuns}, {@code retention.filesDays}), pinning runs so that retention never removes them, and
 * storage use per project. The purge itself is {@code maintenance.RetentionVerticle}'s.
 */
final class RetentionHandler {

  static final int MAX_DAYS = 36_500;
  static final int MAX_KEEP_RUNS = 1_000_000;
  private static final List<String> FIELDS = List.of("runsDays", "keepRuns", "filesDays");

  private final Pool pool;
  private final Sql<ApiQuery> sql;
  private final JsonObject defaults;

  RetentionHandler(Pool pool, Sql<ApiQuery> sql, AppConfig config) {
    this.pool = pool;
    this.sql = sql;
    this.defaults = new JsonObject()
      .put("runsDays", config.retentionRunsDays())
      .put("keepRuns", config.retentionKeepRuns())
      .put("filesDays", config.retentionFilesDays());
  }

  void getProjectRetention(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams.of(ctx);
    pool.preparedQuery(sql.get(ApiQuery.PROJECT_RETENTION)).execute(Tuple.of(projectId))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.notFound("No project " + projectId + ".");
        }
        return settings(projectId, rows.iterator().next());
      })
      .onSuccess(settings -> Responses.sendJson(ctx, 200, settings))
      .onFailure(ctx::fail);
  }

  /**
   * Replaces the project's overrides: each of runsDays, keepRuns, filesDays is a whole number (0: no limit) or
   * null/absent (the default applies). The project's existence (404) is checked before the body (400).
   */
  void putProjectRetention(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams.of(ctx);
    long adminId = Guard.principal(ctx).userId();
    pool.preparedQuery(sql.get(ApiQuery.PROJECT_RETENTION)).execute(Tuple.of(projectId))
      .compose(found -> {
        if (!found.iterator().hasNext()) {
          throw ApiException.notFound("No project " + projectId + ".");
        }
        ObjectNode body = JsonInput.body(ctx);
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (!FIELDS.contains(name)) {
            throw ApiException.validation(name, "Unknown field '" + name + "'; retention takes "
              + String.join(", ", FIELDS) + ".");
          }
        }
        Tuple args = Tuple.tuple().addLong(projectId)
          .addInteger(setting(body, "runsDays", MAX_DAYS))
          .addInteger(setting(body, "keepRuns", MAX_KEEP_RUNS))
          .addInteger(setting(body, "filesDays", MAX_DAYS))
          .addLong(adminId);
        return pool.preparedQuery(sql.get(ApiQuery.UPSERT_PROJECT_RETENTION)).execute(args);
      })
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.notFound("No project " + projectId + ".");
        }
        return settings(projectId, rows.iterator().next());
      })
      .onSuccess(settings -> Responses.sendJson(ctx, 200, settings))
      .onFailure(ctx::fail);
  }

  /** A whole number from 0 to max, or null when absent or null. */
  private static Integer setting(ObjectNode body, String field, int max) {
    Long value = JsonInput.integer(body, field, field, false, 0, max);
    return value == null ? null : value.intValue();
  }

  /** {@code {projectId, runsDays, keepRuns, filesDays, updatedAt, effective, defaults}}. */
  private JsonObject settings(long projectId, Row row) {
    JsonObject own = ApiRows.retention(row);
    return new JsonObject().put("projectId", projectId).mergeIn(own)
      .put("updatedAt", StoreRows.time(row.getOffsetDateTime("updated_at")))
      .put("effective", effective(own)).put("defaults", defaults.copy());
  }

  /** Each setting: the project's own value, else the configured default. */
  private JsonObject effective(JsonObject own) {
    JsonObject effective = new JsonObject();
    for (String field : FIELDS) {
      effective.put(field, own.getInteger(field) != null ? own.getInteger(field) : defaults.getInteger(field));
    }
    return effective;
  }

  /** Pins ({@code POST}) or unpins ({@code DELETE}) a run; 200 {@code {"id", "pinned"}}, the same when repeated. */
  void pinRun(RoutingContext ctx) {
    setPinned(ctx, true);
  }

  void unpinRun(RoutingContext ctx) {
    setPinned(ctx, false);
  }

  private void setPinned(RoutingContext ctx, boolean pinned) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams.of(ctx);
    pool.preparedQuery(sql.get(ApiQuery.PIN_RUN)).execute(Tuple.of(runId, pinned))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.notFound("No run " + runId + ".");
        }
        Row row = rows.iterator().next();
        return new JsonObject().put("id", row.getLong("id")).put("pinned", row.getBoolean("pinned"));
      })
      .onSuccess(run -> Responses.sendJson(ctx, 200, run))
      .onFailure(ctx::fail);
  }

  /** Storage use of every project (by name) with its retention settings, and the totals. */
  void usage(RoutingContext ctx) {
    QueryParams.of(ctx);
    pool.preparedQuery(sql.get(ApiQuery.USAGE)).execute()
      .map(rows -> {
        JsonArray projects = new JsonArray();
        long[] totals = new long[6];
        for (Row row : rows) {
          JsonObject project = ApiRows.usage(row);
          JsonObject own = ApiRows.retention(row);
          projects.add(project.put("retention", own).put("effective", effective(own)));
          totals[0] += project.getLong("runs");
          totals[1] += project.getLong("pinnedRuns");
          totals[2] += project.getLong("results");
          totals[3] += project.getLong("attempts");
          totals[4] += project.getLong("files");
          totals[5] += project.getLong("filesBytes");
        }
        return new JsonObject().put("defaults", defaults.copy()).put("projects", projects)
          .put("totals", new JsonObject().put("runs", totals[0]).put("pinnedRuns", totals[1])
            .put("results", totals[2]).put("attempts", totals[3]).put("files", totals[4])
            .put("filesBytes", totals[5]));
      })
      .onSuccess(usage -> Responses.sendJson(ctx, 200, usage))
      .onFailure(ctx::fail);
  }
}
