package dev.runboard.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of one bus message (or one page of replay), each encoded once. When a connection is exactly at the
 * batch's start, it gets {@link #frames()}, built once and written to every such connection as is.
 */
final class Batch {

  /** One event: its type, its seq (null for live-only {@code test-begin}) and its data as one JSON line. */
  record Event(String type, Long seq, String json) {
  }

  private final List<Event> events;
  private Buffer frames;

  private Batch(List<Event> events) {
    this.events = events;
  }

  /** From {@code [{"type", "data": {"seq"?, …}}, …]}. */
  static Batch of(List<JsonObject> events) {
    List<Event> out = new ArrayList<>(events.size());
    for (JsonObject event : events) {
      JsonObject data = event.getJsonObject("data");
      out.add(new Event(event.getString("type"), data.getLong("seq"), data.encode()));
    }
    return new Batch(out);
  }

  static Batch of(JsonArray events) {
    return of(events.stream().map(JsonObject.class::cast).toList());
  }

  List<Event> events() {
    return events;
  }

  /** The lowest seq in the batch, or null when it has none (only test-begin events). */
  Long firstSeq() {
    Long first = null;
    for (Event e : events) {
      if (e.seq() != null && (first == null || e.seq() < first)) {
        first = e.seq();
      }
    }
    return first;
  }

  /** All events framed, built once and shared by every connection that writes the whole batch. */
  Buffer frames() {
    if (frames == null) {
      frames = Buffer.buffer();
      for (Event e : events) {
        SseConnection.frame(frames, e.seq(), e.type(), e.json());
      }
    }
    return frames;
  }
}
