package dev.runboard.stream;

import dev.runboard.bus.Addresses;
import dev.runboard.bus.EventCodec;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RunEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The run streams of one HTTP verticle instance, grouped by run: one bus consumer per watched run (registered on
 * the first client, unregistered with the last), whose messages are decoded once and encoded once per files origin
 * among that run's clients (the files' URLs name it; usually all clients share one), then offered to every client.
 * Everything here runs on the instance's event loop.
 */
final class RunHub {

  private final Vertx vertx;
  private final Map<Long, Channel> channels = new HashMap<>();

  private static final class Channel {
    final Set<RunStream> streams = new LinkedHashSet<>();
    MessageConsumer<JsonObject> consumer;
  }

  RunHub(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Adds a client; the future completes once the run's consumer is registered (cluster-wide). */
  Future<Void> join(RunStream stream) {
    Channel channel = channels.computeIfAbsent(stream.runId(), runId -> {
      Channel created = new Channel();
      created.consumer = vertx.eventBus().consumer(Addresses.runEvents(runId), message -> {
        List<RunEvent> events = EventCodec.decodeRunEvents(message.body());
        // Files' URLs name each client's files origin: only a batch with files is encoded once per origin.
        boolean withFiles = events.stream().anyMatch(RunEvent.RunFiles.class::isInstance);
        Map<FileLinks, Batch> batches = new HashMap<>();
        for (RunStream s : created.streams.toArray(RunStream[]::new)) {
          s.offer(batches.computeIfAbsent(withFiles ? s.links() : null, origin -> Batch.of(events, s.links())));
        }
      });
      return created;
    });
    channel.streams.add(stream);
    return channel.consumer.completion();
  }

  void leave(RunStream stream) {
    Channel channel = channels.get(stream.runId());
    if (channel != null && channel.streams.remove(stream) && channel.streams.isEmpty()) {
      channels.remove(stream.runId());
      channel.consumer.unregister();
    }
  }

  Set<Long> runs() {
    return channels.keySet();
  }

  Set<RunStream> streams(long runId) {
    Channel channel = channels.get(runId);
    return channel == null ? Set.of() : channel.streams;
  }
}
