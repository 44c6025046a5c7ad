package dev.runboard.webhooks;

import dev.runboard.bus.Addresses;
import dev.runboard.bus.EventCodec;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunEvent;
import dev.runboard.store.Pools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Sends the projects' webhooks. One instance per node; with several nodes, each delivery is sent by one of them.
 *
 * <ul>
 *   <li>Listens on {@link Addresses#RUN_UPDATES} for run endings ({@code run-finished}, and {@code run-submitted}
 *       for one-shot runs). Every node hears each one; deciding its deliveries is idempotent (the run's row in
 *       {@code webhook_runs} and the unique (webhook, run, event) key), so the first node inserts them and the
 *       others change nothing.</li>
 *   <li>Claims due deliveries ({@code FOR UPDATE SKIP LOCKED}, leased for the attempt) right after inserting some,
 *       and every {@code webhooks.pollInterval} for retries; sends them through {@link Deliverer}.</li>
 *   <li>Every {@code webhooks.scanInterval}, decides the endings of the last {@code webhooks.retryFor} that no node
 *       decided (their message was missed, e.g. while every node was down).</li>
 * </ul>
 * Reads the {@code webhooks.*} keys, {@code http.publicUrl} (links) and {@code db.*}.
 */
public class WebhookVerticle extends VerticleBase {

  private static final Logger logger = LoggerFactory.getLogger(WebhookVerticle.class);
  /** Deliveries one node sends at once. */
  static final int BATCH = 10;
  /** Runs one scan decides at most. */
  static final int SCAN_LIMIT = 100;
  /** How long past the attempt's own timeout a claim is held before another node may take it over. */
  static final long LEASE_MARGIN_MS = 60_000;

  private AppConfig config;
  private WebhookStore store;
  private Sender sender;
  private Deliverer deliverer;
  private MessageConsumer<JsonObject> consumer;
  private long leaseMs;
  private boolean sending;
  private boolean sendAgain;
  private boolean scanning;
  private volatile boolean stopping;

  @Override
  public Future<?> start() {
    config = AppConfig.from(config());
    leaseMs = leaseMs(config);
    return WebhookStore.load(vertx, Pools.shared(vertx, config)).compose(loaded -> {
      store = loaded;
      sender = new Sender(vertx, config);
      deliverer = new Deliverer(store, sender, config);
      vertx.setPeriodic(config.webhookPollIntervalMs(), t -> sendDue());
      vertx.setPeriodic(config.webhookScanIntervalMs(), t -> scan());
      consumer = vertx.eventBus().consumer(Addresses.RUN_UPDATES, this::onRunUpdate);
      return consumer.completion();
    });
  }

  static long leaseMs(AppConfig config) {
    return config.webhookTimeoutMs() + LEASE_MARGIN_MS;
  }

  private void onRunUpdate(Message<JsonObject> message) {
    // Most messages are run-progress (one per ingested batch): skip them before decoding.
    String type = message.body().getString("type");
    if (!RunEvent.RunUpdate.FINISHED.equals(type) && !RunEvent.RunUpdate.SUBMITTED.equals(type)) {
      return;
    }
    RunEvent.RunUpdate update = EventCodec.decodeUpdate(message.body());
    store.decide(update.runId())
      .onSuccess(inserted -> {
        if (inserted > 0) {
          logger.debug("Run {} ended ({}): {} webhook deliveries queued", update.runId(), update.status(), inserted);
          sendDue();
        }
      })
      .onFailure(e -> warn("Could not queue the webhook deliveries of run {} (the scan retries): {}",
        update.runId(), e.toString()));
  }

  /** Claims and sends due deliveries until none is left; a call while sending makes it look once more. */
  private void sendDue() {
    if (sending) {
      sendAgain = true;
      return;
    }
    sending = true;
    sendAgain = false;
    store.claim(BATCH, leaseMs)
      .compose(claims -> Future.join(claims.stream().map(deliverer::deliver).toList()).map(done -> claims.size()))
      .onComplete(done -> {
        sending = false;
        if (done.failed()) {
          warn("Webhook deliveries could not be claimed or recorded (claims left over are retried when their lease "
            + "ends): {}", done.cause().toString());
        } else if (done.result() == BATCH || sendAgain) {
          sendDue();
        }
      });
  }

  private void scan() {
    if (scanning) {
      return;
    }
    scanning = true;
    store.missedRuns(config.webhookRetryForMs(), SCAN_LIMIT)
      .compose(this::decideAll)
      .onSuccess(inserted -> {
        if (inserted > 0) {
          logger.info("Scan: {} webhook deliveries queued for run endings no node had handled", inserted);
          sendDue();
        }
      })
      .onFailure(e -> warn("Webhook scan for missed run endings failed: {}", e.toString()))
      .onComplete(v -> scanning = false);
  }

  private Future<Integer> decideAll(List<Long> runIds) {
    Future<Integer> total = Future.succeededFuture(0);
    for (long runId : runIds) {
      total = total.compose(sum -> store.decide(runId).map(n -> sum + n));
    }
    return total;
  }

  /** A warning, unless the node is stopping (then work in flight fails as the pool closes, which is expected). */
  private void warn(String format, Object... args) {
    if (stopping) {
      logger.debug(format, args);
    } else {
      logger.warn(format, args);
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return sender == null ? Future.succeededFuture() : sender.close();
  }
}
