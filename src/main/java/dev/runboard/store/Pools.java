package dev.runboard.store;

import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * The reactive PostgreSQL pool. It is a named shared pool: every verticle instance that asks for it gets the
 * same connections ({@code db.poolSize} in all), and it closes when the last of them is undeployed.
 * Built with {@code PgBuilder.pool()}, which spreads work over its connections (the pipelined client would not).
 */
public final class Pools {

  static final String POOL_NAME = "runboard";

  private Pools() {
  }

  public static Pool shared(Vertx vertx, AppConfig config) {
    return build(vertx, config, new PoolOptions().setMaxSize(config.dbPoolSize()).setShared(true).setName(POOL_NAME)
      .setMaxWaitQueueSize(10_000));
  }

  /** A pool of one connection of its own, for a start step; the caller closes it. */
  public static Pool single(Vertx vertx, AppConfig config) {
    return build(vertx, config, new PoolOptions().setMaxSize(1));
  }

  private static Pool build(Vertx vertx, AppConfig config, PoolOptions options) {
    DatabaseUrl url = DatabaseUrl.parse(config.dbUrl()).withCredentials(config.dbUser(), config.dbPassword());
    return PgBuilder.pool()
      .with(options)
      .connectingTo(url.connectOptions().setCachePreparedStatements(true))
      .using(vertx)
      .build();
  }
}
