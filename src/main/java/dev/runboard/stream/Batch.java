package dev.runboard.stream;

import dev.runboard.bus.EventCodec;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RunEvent;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of one bus message (or one page of replay), each encoded once as its SSE data line (files get
 * their URLs here, when they are sent). When a connection is exactly at the batch's start, it gets
 * {@link #frames()}, built once and written to every such connection as is.
 */
final class Batch {

  /** One event: its type, its seq (null for live-only {@code test-begin}) and its data as one JSON line. */
  record Event(String type, Long seq, String json) {
  }

  private final List<Event> events;
  private final int bytes;
  private Buffer frames;

  private Batch(List<Event> events) {
    this.events = events;
    this.bytes = events.stream().mapToInt(e -> e.json().length()).sum();
  }

  static Batch of(List<? extends RunEvent> events, FileLinks links) {
    List<Event> out = new ArrayList<>(events.size());
    for (RunEvent event : events) {
      RunEvent linked = event instanceof RunEvent.RunFiles files
        ? new RunEvent.RunFiles(files.seq(), files.files().stream().map(links::link).toList()) : event;
      Long seq = event instanceof RunEvent.Logged logged ? logged.seq() : null;
      out.add(new Event(event.type(), seq, EventCodec.data(linked).encode()));
    }
    return new Batch(out);
  }

  List<Event> events() {
    return events;
  }

  /** The size of its events' data (characters), what a client that queues the batch holds on to. */
  int bytes() {
    return bytes;
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
