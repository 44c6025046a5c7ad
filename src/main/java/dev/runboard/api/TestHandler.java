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

/** One test: its identity, and its history across runs (newest first). */
final class TestHandler {

  private final Pool pool;
  private final Sql<ApiQuery> sql;

  TestHandler(Pool pool, Sql<ApiQuery> sql) {
    this.pool = pool;
    this.sql = sql;
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
