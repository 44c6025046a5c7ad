package dev.runboard.bus;

import dev.runboard.model.RunEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The one translation between {@link RunEvent}s and JSON. An event's {@code data} is its record as JSON
 * (camelCase, through Jackson), which is also what live streams send; a run's events travel as
 * {@code {"runId", "events": [{"type", "data"}, …]}}, a run-list change as its data alone.
 */
public final class EventCodec {

  private EventCodec() {
  }

  /** The event's {@code data}: the protocol's payload of its SSE event. */
  public static JsonObject data(RunEvent event) {
    return JsonObject.mapFrom(event);
  }

  static JsonObject encodeRunEvents(long runId, List<? extends RunEvent> events) {
    JsonArray items = new JsonArray(new ArrayList<>(events.size()));
    for (RunEvent event : events) {
      items.add(new JsonObject().put("type", event.type()).put("data", data(event)));
    }
    return new JsonObject().put("runId", runId).put("events", items);
  }

  /** The events of a message on {@link Addresses#runEvents}. */
  public static List<RunEvent> decodeRunEvents(JsonObject message) {
    JsonArray items = message.getJsonArray("events");
    List<RunEvent> events = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      events.add(decode(item.getString("type"), item.getJsonObject("data")));
    }
    return events;
  }

  /** One event from its type and data (as in a bus message or the run's stored event log). */
  public static RunEvent decode(String type, JsonObject data) {
    Class<? extends RunEvent> kind = switch (type) {
      case "test-begin" -> RunEvent.TestBegin.class;
      case "test-completed" -> RunEvent.TestCompleted.class;
      case "run-progress" -> RunEvent.RunProgress.class;
      case "run-files" -> RunEvent.RunFiles.class;
      case "shard-started" -> RunEvent.ShardStarted.class;
      case "shard-finished" -> RunEvent.ShardFinished.class;
      case "run-finished" -> RunEvent.RunFinished.class;
      default -> throw new IllegalArgumentException("unknown run event '" + type + "'");
    };
    return data.mapTo(kind);
  }

  /** A message on {@link Addresses#RUN_UPDATES}. */
  public static RunEvent.RunUpdate decodeUpdate(JsonObject message) {
    return message.mapTo(RunEvent.RunUpdate.class);
  }
}
