package dev.runboard.store;

import dev.runboard.model.RunSummary;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The read side that live streams need: a run's snapshot (summary, its last seq, the attempts up to it) and the
 * stored events after a seq, in order. Replay reads only PostgreSQL, so it does not matter which node serves it.
 */
public final class EventLog {

  private final Pool pool;
  private final Sql<StoreQuery> sql;

  private EventLog(Pool pool, Sql<StoreQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  public static Future<EventLog> create(Vertx vertx, Pool pool) {
    return Sql.load(vertx, StoreQuery.class).map(sql -> new EventLog(pool, sql));
  }

  /** A run's state at one seq: its summary and stored attempts as of {@code lastSeq}. */
  public record Snapshot(RunSummary run, long lastSeq, JsonArray results) {
  }

  /** The run's summary and last seq (read together from its row), or null when there is no such run. */
  public Future<Snapshot> head(long runId) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_SUMMARY)).execute(Tuple.of(runId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        return null;
      }
      Row row = rows.iterator().next();
      return new Snapshot(RowMappers.runSummary(row), row.getLong("last_seq"), null);
    });
  }

  /**
   * The head plus the attempts whose events have a seq up to {@code lastSeq}. Attempts are written in the same
   * transaction as the seq that covers them, so reading them after the head gives exactly that state.
   */
  public Future<Snapshot> snapshot(Snapshot head, long upToSeq) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_RESULTS)).execute(Tuple.of(head.run().id(), upToSeq))
      .map(rows -> {
        JsonArray results = new JsonArray();
        rows.forEach(row -> results.add(RowMappers.result(row)));
        return new Snapshot(head.run(), upToSeq, results);
      });
  }

  /** Up to {@code limit} stored events after {@code afterSeq}, each {@code {"type", "data"}}, in seq order. */
  public Future<List<JsonObject>> eventsAfter(long runId, long afterSeq, int limit) {
    return pool.preparedQuery(sql.get(StoreQuery.EVENTS_AFTER)).execute(Tuple.of(runId, afterSeq, limit))
      .map(rows -> {
        List<JsonObject> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
          String type = row.getString("type");
          JsonObject data = "test-completed".equals(type)
            ? new JsonObject().put("seq", row.getLong("seq")).put("result", RowMappers.result(row))
            : row.getJsonObject("data");
          events.add(new JsonObject().put("type", type).put("data", data));
        }
        return events;
      });
  }

  /** The run's last seq and status, or null: a cheap check that a live stream has missed nothing. */
  public Future<Row> lastSeq(long runId) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_LAST_SEQ)).execute(Tuple.of(runId))
      .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
  }
}
