package dev.runboard.maintenance;

import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunSummary;
import dev.runboard.store.Pools;
import dev.runboard.store.RunStore;
import dev.runboard.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts stuck runs: every {@code runs.sweepInterval}, running runs that received nothing for
 * {@code runs.idleTimeout} become {@code interrupted}. The claim is one atomic statement (SKIP LOCKED plus the
 * status condition), so with several nodes each run is interrupted exactly once. Publishes each run's
 * {@code run-finished} (and the run-list change) after the commit.
 */
public class SweeperVerticle extends VerticleBase {

  private static final Logger logger = LoggerFactory.getLogger(SweeperVerticle.class);

  private RunStore store;
  private EventPublisher events;
  private long idleTimeoutMs;
  private boolean sweeping;

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    idleTimeoutMs = config.runIdleTimeoutMs();
    events = new EventPublisher(vertx.eventBus());
    return Stores.load(vertx, Pools.shared(vertx, config)).onSuccess(stores -> {
      store = stores.runs();
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
        events.publishFinished(f.event());
      }))
      .onFailure(e -> logger.warn("Stuck-run sweep failed: {}", e.toString()))
      .onComplete(v -> sweeping = false);
  }
}
