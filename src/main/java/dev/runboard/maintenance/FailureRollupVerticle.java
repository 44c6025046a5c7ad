package dev.runboard.maintenance;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Pools;
import dev.runboard.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the project failure groups' rollup (V15__failure_days.sql): every {@link #INTERVAL_MS}, moves the queued
 * fingerprinted attempts into it, {@link #BATCH} at a time until the queue is empty. The statement takes the
 * rollup's lock row with SKIP LOCKED, so with several nodes one moves and the others find nothing to do. Reads add
 * what is still queued, so how often this runs changes how much they add, not what they answer.
 */
public class FailureRollupVerticle extends VerticleBase {

  static final long INTERVAL_MS = 1_000;
  static final int BATCH = 10_000;

  private static final Logger logger = LoggerFactory.getLogger(FailureRollupVerticle.class);

  private Pool pool;
  private Sql<FailureRollupQuery> sql;
  private boolean rolling;

  @Override
  public Future<?> start() {
    pool = Pools.shared(vertx, AppConfig.from(config()));
    return Sql.load(vertx, FailureRollupQuery.class).onSuccess(loaded -> {
      sql = loaded;
      vertx.setPeriodic(INTERVAL_MS, t -> rollUp());
    });
  }

  private void rollUp() {
    if (rolling) {
      return;
    }
    rolling = true;
    moveAll().onFailure(e -> logger.warn("Failure rollup failed: {}", e.toString())).onComplete(v -> rolling = false);
  }

  private Future<Void> moveAll() {
    return pool.preparedQuery(sql.get(FailureRollupQuery.ROLL_UP_FAILURES)).execute(Tuple.of(BATCH))
      .compose(rows -> rows.iterator().next().getInteger("moved") == BATCH ? moveAll() : Future.succeededFuture());
  }
}
