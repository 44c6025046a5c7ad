package dev.runboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Projects: the list with each project's latest run and pass rate, one project, its trends, flaky and slowest
 * tests, and the administrators' rename / describe / tag.
 */
final class ProjectHandler {

  static final int DEFAULT_WINDOW = 20;
  static final int DEFAULT_TREND_RUNS = 50;
  static final int MAX_WINDOW = 500;
  static final int MAX_TAGS = 20;
  private static final Set<String> PATCH_FIELDS = Set.of("name", "description", "tags");

  private final Pool pool;
  private final Sql<ApiQuery> sql;
  private final SlowestTests slowest;

  ProjectHandler(Pool pool, Sql<ApiQuery> sql, SlowestTests slowest) {
    this.pool = pool;
    this.sql = sql;
    this.slowest = slowest;
  }

  void listProjects(RoutingContext ctx) {
    QueryParams params = QueryParams.of(ctx, "limit", Cursor.PARAM);
    int limit = params.limit();
    List<Object> after = params.cursor(Cursor.Part.TEXT);
    pool.preparedQuery(sql.get(ApiQuery.PROJECTS_PAGE))
      .execute(Tuple.of(after == null ? null : after.get(0), limit + 1))
      .compose(this::withLatestRuns)
      .onSuccess(projects -> Responses.sendJson(ctx, 200,
        Page.of("projects", projects, limit, last -> Cursor.encode(last.getString("name")))))
      .onFailure(ctx::fail);
  }

  void getProject(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams.of(ctx);
    findProject(projectId)
      .onSuccess(project -> Responses.sendJson(ctx, 200, project))
      .onFailure(ctx::fail);
  }

  /** The project as JSON; fails with 404 when there is none. */
  Future<JsonObject> findProject(long projectId) {
    return pool.preparedQuery(sql.get(ApiQuery.PROJECT)).execute(Tuple.of(projectId))
      .compose(this::withLatestRuns)
      .map(projects -> {
        if (projects.isEmpty()) {
          throw ApiException.notFound("No project " + projectId + ".");
        }
        return projects.get(0);
      });
  }

  private Future<List<JsonObject>> withLatestRuns(RowSet<Row> rows) {
    List<Row> projects = new ArrayList<>();
    rows.forEach(projects::add);
    Long[] runIds = projects.stream().map(r -> r.getLong("latest_run_id")).filter(id -> id != null)
      .toArray(Long[]::new);
    Future<Map<Long, JsonObject>> latest = runIds.length == 0 ? Future.succeededFuture(Map.of())
      : pool.preparedQuery(sql.get(ApiQuery.RUN_SUMMARIES)).execute(Tuple.tuple().addArrayOfLong(runIds)).map(runs -> {
        Map<Long, JsonObject> byId = new HashMap<>();
        runs.forEach(run -> byId.put(run.getLong("id"), ApiRows.run(run)));
        return byId;
      });
    return latest.map(byId -> projects.stream()
      .map(p -> ApiRows.project(p, byId.get(p.getLong("latest_run_id")))).toList());
  }

  void trends(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams params = QueryParams.of(ctx, "runs", "branch");
    int runs = params.integer("runs", 1, MAX_WINDOW, DEFAULT_TREND_RUNS);
    String branch = params.text("branch", 500);
    findProject(projectId)
      .compose(project -> pool.preparedQuery(sql.get(ApiQuery.PROJECT_TRENDS))
        .execute(Tuple.of(projectId, runs, branch)))
      .onSuccess(rows -> {
        JsonArray points = new JsonArray();
        rows.forEach(row -> points.add(ApiRows.trendPoint(row)));
        Responses.sendJson(ctx, 200, new JsonObject().put("projectId", projectId).put("runs", points));
      })
      .onFailure(ctx::fail);
  }

  void flakyTests(RoutingContext ctx) {
    // flaky_runs is an integer in the query: the cursor's first part goes back as one.
    rankedTests(ctx, "flakyRuns", (projectId, window, branch, afterRank, afterTest, count) ->
      pool.preparedQuery(sql.get(ApiQuery.FLAKY_TESTS))
        .execute(Tuple.of(projectId, window, afterRank == null ? null : afterRank.intValue(), afterTest, count, branch))
        .map(rows -> {
          List<JsonObject> tests = new ArrayList<>();
          rows.forEach(row -> tests.add(ApiRows.flakyTest(row)));
          return tests;
        }));
  }

  void slowestTests(RoutingContext ctx) {
    rankedTests(ctx, "meanDuration", slowest::page);
  }

  /** One page of a project's tests ranked over a window of its runs, after (rank, test id) when given. */
  @FunctionalInterface
  private interface Ranking {
    Future<List<JsonObject>> page(long projectId, int window, String branch, Long afterRank, Long afterTest,
                                  int count);
  }

  /**
   * A project's tests ranked over its last {@code runs} runs, paged by (rank key, test id): the shape shared by
   * the flaky and the slowest tests.
   */
  private void rankedTests(RoutingContext ctx, String rankField, Ranking ranking) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams params = QueryParams.of(ctx, "runs", "branch", "limit", Cursor.PARAM);
    int window = params.integer("runs", 1, MAX_WINDOW, DEFAULT_WINDOW);
    String branch = params.text("branch", 500);
    int limit = params.limit();
    List<Object> after = params.cursor(Cursor.Part.LONG, Cursor.Part.LONG);
    findProject(projectId)
      .compose(project -> ranking.page(projectId, window, branch, after == null ? null : (Long) after.get(0),
        after == null ? null : (Long) after.get(1), limit + 1))
      .onSuccess(tests -> Responses.sendJson(ctx, 200, Page.of("tests", tests, limit,
        last -> Cursor.encode(last.getLong(rankField), last.getLong("testId"))).put("runs", window)))
      .onFailure(ctx::fail);
  }

  /** Body {@code {name?, description?, tags?}}: at least one; a null description clears it. */
  void updateProject(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams.of(ctx);
    findProject(projectId).compose(existing -> update(ctx, projectId))
      .onSuccess(project -> Responses.sendJson(ctx, 200, project))
      .onFailure(ctx::fail);
  }

  private Future<JsonObject> update(RoutingContext ctx, long projectId) {
    ObjectNode body = JsonInput.body(ctx);
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!PATCH_FIELDS.contains(name)) {
        throw ApiException.validation(name, "Unknown field '" + name + "'; a project takes name, description, tags.");
      }
    }
    if (body.isEmpty()) {
      throw ApiException.validation(null, "Name at least one of name, description, tags.");
    }
    String name = JsonInput.string(body, "name", "name", false, 100);
    if (name != null && (name.isBlank() || !name.equals(name.strip()))) {
      throw ApiException.validation("name", "name must not be blank or start or end with spaces.");
    }
    boolean clearDescription = body.has("description") && body.get("description").isNull();
    String description = JsonInput.string(body, "description", "description", false, 2_000);
    String[] tags = tags(body.get("tags"));
    return pool.withTransaction(tx -> tx.preparedQuery(sql.get(ApiQuery.UPDATE_PROJECT))
        .execute(Tuple.of(projectId, name, description, clearDescription))
        .compose(updated -> {
          if (updated.rowCount() == 0) {
            throw ApiException.notFound("No project " + projectId + ".");
          }
          if (tags == null) {
            return Future.succeededFuture();
          }
          return tx.preparedQuery(sql.get(ApiQuery.DELETE_PROJECT_TAGS)).execute(Tuple.of(projectId))
            .compose(v -> tx.preparedQuery(sql.get(ApiQuery.INSERT_PROJECT_TAGS)).execute(Tuple.tuple().addLong(projectId).addArrayOfString(tags)))
            .mapEmpty();
        }))
      .recover(e -> Future.failedFuture(e instanceof PgException pg && "23505".equals(pg.getSqlState())
        ? ApiException.conflict("Another project is already named '" + name + "'.") : e))
      .compose(v -> findProject(projectId));
  }

  private static String[] tags(JsonNode node) {
    if (node == null) {
      return null;
    }
    if (!node.isArray()) {
      throw ApiException.validation("tags", "tags must be an array of strings, got " + JsonInput.kind(node) + ".");
    }
    if (node.size() > MAX_TAGS) {
      throw ApiException.validation("tags", "tags holds at most " + MAX_TAGS + " tags.");
    }
    Set<String> tags = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode tag = node.get(i);
      String path = "tags[" + i + "]";
      if (!tag.isTextual()) {
        throw ApiException.validation(path, path + " must be a string, got " + JsonInput.kind(tag) + ".");
      }
      String text = tag.textValue().strip();
      if (text.isEmpty() || text.codePointCount(0, text.length()) > 50 || text.chars().anyMatch(Character::isISOControl)
        || JsonInput.unstorable(text) != null) {
        throw ApiException.validation(path, path + " must be 1 to 50 characters without control characters.");
      }
      tags.add(text);
    }
    return tags.toArray(String[]::new);
  }
}
