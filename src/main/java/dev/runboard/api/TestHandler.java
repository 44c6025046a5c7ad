package dev.runboard.api;

import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** One test: its identity, and its history across runs (newest first); a project's tests found by file or title. */
final class TestHandler {

  private final Pool pool;
  private final Sql<ApiQuery> sql;

  private final ProjectHandler projects;

  TestHandler(Pool pool, Sql<ApiQuery> sql, ProjectHandler projects) {
    this.pool = pool;
    this.sql = sql;
    this.projects = projects;
  }

  /** {@code q} (1–200 characters, optional): tests whose file or title path contains it, ignoring case. */
  void searchTests(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    QueryParams params = QueryParams.of(ctx, "q", "limit", Cursor.PARAM);
    String q = params.text("q", 200);
    if (q != null && q.isBlank()) {
      throw ApiException.validation("q", "q must not be blank.");
    }
    int limit = params.limit();
    List<Object> after = params.cursor(Cursor.Part.TEXT, Cursor.Part.LONG);
    Tuple args = Tuple.of(projectId, q == null ? null : Like.contains(q.strip()), after == null ? null : after.get(0),
      after == null ? null : after.get(1), limit + 1);
    projects.findProject(projectId)
      .compose(project -> pool.preparedQuery(sql.get(ApiQuery.PROJECT_TESTS_SEARCH)).execute(args))
      .onSuccess(rows -> {
        List<JsonObject> tests = new ArrayList<>();
        rows.forEach(row -> tests.add(ApiRows.foundTest(row)));
        Responses.sendJson(ctx, 200, Page.of("tests", tests, limit,
          last -> Cursor.encode(last.getString("file"), last.getLong("testId"))).put("projectId", projectId));
      })
      .onFailure(ctx::fail);
  }

  void getTest(RoutingContext ctx) {
    long testId = Long.parseLong(ctx.pathParam("testId"));
    QueryParams.of(ctx);
    findTest(testId).onSuccess(test -> Responses.sendJson(ctx, 200, test)).onFailure(ctx::fail);
  }

  void history(RoutingContext ctx) {
    long testId = Long.parseLong(ctx.pathParam("testId"));
    QueryParams params = QueryParams.of(ctx, "limit", Cursor.PARAM);
    int limit = params.limit();
    List<Object> after = params.cursor(Cursor.Part.LONG);
    Future<RowSet<Row>> history = pool.preparedQuery(sql.get(ApiQuery.TEST_HISTORY))
      .execute(Tuple.of(testId, after == null ? null : after.get(0), limit + 1));
    Future.all(findTest(testId), history).onSuccess(all -> {
      List<JsonObject> entries = new ArrayList<>();
      history.result().forEach(row -> entries.add(ApiRows.historyEntry(row)));
      Responses.sendJson(ctx, 200, Page.of("history", entries, limit, last -> Cursor.encode(last.getLong("runId")))
        .put("test", all.<JsonObject>resultAt(0)));
    }).onFailure(ctx::fail);
  }

  private Future<JsonObject> findTest(long testId) {
    return pool.preparedQuery(sql.get(ApiQuery.TEST)).execute(Tuple.of(testId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        throw ApiException.notFound("No test " + testId + ".");
      }
      return ApiRows.test(rows.iterator().next());
    });
  }
}
