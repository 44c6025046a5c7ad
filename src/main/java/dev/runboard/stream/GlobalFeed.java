package dev.runboard.stream;

import dev.runboard.bus.Addresses;
import dev.runboard.bus.EventCodec;
import dev.runboard.model.RunEvent.RunUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/stream} for the connections of one HTTP verticle instance: one bus consumer on
 * {@link Addresses#RUN_UPDATES} for all of them. {@code run-progress} is coalesced to at most one per run per
 * {@code window} (default 1 s) and the latest state is always delivered (trailing edge); other events pass at
 * once and make a pending progress of their run obsolete.
 */
final class GlobalFeed {

  /** One client, with its optional project filter. */
  record Client(SseConnection connection, Long projectId) {
  }

  private final Vertx vertx;
  private final long windowMs;
  private final Set<Client> clients = new LinkedHashSet<>();
  private final Map<Long, Long> lastProgressAt = new HashMap<>();
  private final Map<Long, RunUpdate> pendingProgress = new HashMap<>();
  private MessageConsumer<JsonObject> consumer;

  GlobalFeed(Vertx vertx, long windowMs) {
    this.vertx = vertx;
    this.windowMs = windowMs;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.RUN_UPDATES,
      message -> onUpdate(EventCodec.decodeUpdate(message.body())));
    return consumer.completion();
  }

  void add(Client client) {
    clients.add(client);
  }

  void remove(Client client) {
    clients.remove(client);
  }

  Set<Client> clients() {
    return clients;
  }

  private void onUpdate(RunUpdate update) {
    long runId = update.runId();
    if (!update.progress()) {
      pendingProgress.remove(runId);
      lastProgressAt.remove(runId);
      deliver(update);
      return;
    }
    long now = System.currentTimeMillis();
    Long last = lastProgressAt.get(runId);
    if (last == null || now - last >= windowMs) {
      lastProgressAt.put(runId, now);
      deliver(update);
      return;
    }
    boolean scheduled = pendingProgress.containsKey(runId);
    pendingProgress.put(runId, update);
    if (!scheduled) {
      vertx.setTimer(Math.max(1, last + windowMs - now), t -> {
        RunUpdate latest = pendingProgress.remove(runId);
        if (latest != null) {
          lastProgressAt.put(runId, System.currentTimeMillis());
          deliver(latest);
        }
      });
    }
  }

  private void deliver(RunUpdate update) {
    if (clients.isEmpty()) {
      return;
    }
    Buffer frame = Buffer.buffer();
    SseConnection.frame(frame, null, update.type(), EventCodec.data(update).encode());
    long projectId = update.projectId();
    for (Client client : clients.toArray(Client[]::new)) {
      if (client.projectId() == null || client.projectId() == projectId) {
        client.connection().send(frame.copy());
      }
    }
  }
}
