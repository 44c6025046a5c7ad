package dev.runboard.maintenance;

import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunSummary;
import dev.runboard.store.Pools;
import dev.runboard.store.RunStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts stuck runs: every {@code runs.sweepInterval}, running runs that received nothing for
 * {@code runs.idleTimeout} become {@code interrupted}. The claim is one atomic statement (SKIP LOCKED plus the
 * status condition), so with several nodes each run is interrupted exactly once. Publishes {@code run-finished}
 * on the run's address and on {@link Addresses#RUN_UPDATES} after the commit.
 */
public class SweeperVerticle extends VerticleBase {

  private static final Logger logger = LoggerFactory.getLogger(SweeperVerticle.class);

  private RunStore store;
  private long idleTimeoutMs;
  private boolean sweeping;

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    idleTimeoutMs = config.runIdleTimeoutMs();
    return RunStore.create(vertx, Pools.shared(vertx, config)).onSuccess(created -> {
      store = created;
      vertx.setPeriodic(config.sweepIntervalMs(), t -> sweep());
    });
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.interruptStuckRuns(idleTimeoutMs)
      .onSuccess(finished -> finished.forEach(f -> {
        RunSummary run = f.run();
        logger.info("Run {} of project {} interrupted: no activity for {} ms", run.id(), run.projectName(),
          idleTimeoutMs);
        vertx.eventBus().publish(Addresses.runEvents(run.id()), new JsonObject().put("runId", run.id())
          .put("events", new JsonArray().add(f.event())));
        vertx.eventBus().publish(Addresses.RUN_UPDATES, new JsonObject().put("type", "run-finished")
          .put("runId", run.id()).put("projectId", run.projectId()).put("status", run.status())
          .put("counters", JsonObject.mapFrom(run.counters())));
      }))
      .onFailure(e -> logger.warn("Stuck-run sweep failed: {}", e.toString()))
      .onComplete(v -> sweeping = false);
  }
}
