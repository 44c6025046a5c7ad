package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * The store's services over one pool, sharing the store's SQL (read once): the write side of runs, the event
 * log that live streams replay, stored artifacts, and the schema check of the readiness probe.
 */
public record Stores(RunStore runs, EventLog eventLog, ArtifactStore artifacts, Schema schema) {

  public static Future<Stores> load(Vertx vertx, Pool pool) {
    return Sql.load(vertx, StoreQuery.class).map(sql -> new Stores(new RunStore(pool, sql), new EventLog(pool, sql),
      new ArtifactStore(pool, sql), new Schema(vertx, pool, sql)));
  }
}
