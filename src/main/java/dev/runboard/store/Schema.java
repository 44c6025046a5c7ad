package dev.runboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/** What the readiness check needs to know about the schema: the version migrations brought it to. */
public final class Schema {

  static final String LOCAL_MAP = "runboard.schema";
  private static final String VERSION = "version";

  private final Vertx vertx;
  private final Pool pool;
  private final Sql<StoreQuery> sql;

  Schema(Vertx vertx, Pool pool, Sql<StoreQuery> sql) {
    this.vertx = vertx;
    this.pool = pool;
    this.sql = sql;
  }

  static void rememberVersion(Vertx vertx, String version) {
    vertx.sharedData().getLocalMap(LOCAL_MAP).put(VERSION, version);
  }

  /** Succeeds when the database answers and its newest successful migration is the one this node applied. */
  public Future<String> checkReady() {
    Object expected = vertx.sharedData().getLocalMap(LOCAL_MAP).get(VERSION);
    if (expected == null) {
      return Future.failedFuture("migrations have not run");
    }
    return pool.query(sql.get(StoreQuery.SCHEMA_VERSION)).execute().compose(rows -> {
      String current = rows.iterator().hasNext() ? rows.iterator().next().getString(0) : null;
      return expected.equals(current) ? Future.succeededFuture(current)
        : Future.failedFuture("schema version " + current + ", expected " + expected);
    });
  }
}
