package dev.runboard.bus;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Counters;
import dev.runboard.model.Outcome;
import dev.runboard.model.RunEvent;
import dev.runboard.model.RunFile;
import dev.runboard.model.RunStatus;
import dev.runboard.model.RunSummary;
import dev.runboard.model.TestResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Run events travel the bus as the protocol's data and come back as the same records")
class EventCodecTest {

  private static final Counters COUNTERS = new Counters(3, 1, 1, 0, 1, 0, 1, 4, null);
  private static final RunSummary RUN = new RunSummary(7, 2, "shop", RunStatus.FAILED, "2026-12-02T10:00:00Z",
    "2026-12-02T10:01:00Z", 60_000L, COUNTERS, Map.of("ci", Map.of("buildId", "42")), null);
  private static final TestResult RESULT = new TestResult(11, "pays", List.of("cart", "pays"), "cart.spec.ts", "",
    new TestResult.Location("cart.spec.ts", 10, 5), 1, AttemptStatus.TIMED_OUT, AttemptStatus.PASSED,
    Outcome.UNEXPECTED, 1234,
    new TestResult.Error("Timeout 5000ms exceeded.", "at cart.spec.ts:10:5", null),
    new JsonArray().add(new JsonObject().put("title", "click").put("duration", 3)), new JsonArray(),
    new JsonArray(), null, null);

  @Test
  @DisplayName("every per-run event decodes to an equal record, in one message, in order")
  void roundTrip() {
    List<RunEvent> events = List.of(
      new RunEvent.TestBegin("pays", List.of("cart", "pays"), "cart.spec.ts", "", 1, null),
      new RunEvent.TestCompleted(5, RESULT),
      new RunEvent.RunProgress(6, COUNTERS),
      new RunEvent.RunFiles(7, List.of(new RunFile(3, "trace", "trace.zip", "application/zip", 119, null, null,
        null, null, new RunFile.Attempt(List.of("cart", "pays"), "cart.spec.ts", "", 1)))),
      new RunEvent.RunFinished(8, RUN));
    JsonObject message = EventCodec.encodeRunEvents(7, events);
    JsonObject roundTripped = new JsonObject(message.encode());

    assertThat(roundTripped.getLong("runId")).isEqualTo(7);
    List<RunEvent> decoded = EventCodec.decodeRunEvents(roundTripped);
    assertThat(decoded.get(1)).isInstanceOf(RunEvent.TestCompleted.class);
    assertThat(decoded.stream().map(RunEvent::type)).containsExactly("test-begin", "test-completed",
      "run-progress", "run-files", "run-finished");
    // JsonArray fields compare by content; the rest of each record by value.
    assertThat(EventCodec.data(decoded.get(1))).isEqualTo(EventCodec.data(events.get(1)));
    assertThat(decoded.subList(2, 5)).isEqualTo(events.subList(2, 5));
    assertThat(decoded.get(0)).isEqualTo(events.get(0));
  }

  @Test
  @DisplayName("the data is the protocol's wire shape: camelCase names, wire statuses, absent extras left out")
  void wireShape() {
    JsonObject completed = EventCodec.data(new RunEvent.TestCompleted(5, RESULT));
    assertThat(completed.fieldNames()).containsExactlyInAnyOrder("seq", "result");
    JsonObject result = completed.getJsonObject("result");
    assertThat(result.getString("status")).isEqualTo("timedOut");
    assertThat(result.getString("expectedStatus")).isEqualTo("passed");
    assertThat(result.getString("outcome")).isEqualTo("unexpected");
    assertThat(result.getJsonObject("location")).isEqualTo(new JsonObject().put("file", "cart.spec.ts")
      .put("line", 10).put("column", 5));
    assertThat(result.containsKey("extra")).isFalse();
    assertThat(result.getJsonObject("error").getString("message")).isEqualTo("Timeout 5000ms exceeded.");

    JsonObject finished = EventCodec.data(new RunEvent.RunFinished(8, RUN));
    assertThat(finished.getJsonObject("run").getString("status")).isEqualTo("failed");
    assertThat(finished.getJsonObject("run").getJsonObject("counters").getInteger("timedOut")).isZero();

    JsonObject update = EventCodec.data(RunEvent.RunUpdate.of(RunEvent.RunUpdate.FINISHED, RUN));
    assertThat(update).isEqualTo(new JsonObject().put("type", "run-finished").put("runId", 7).put("projectId", 2)
      .put("status", "failed").put("counters", JsonObject.mapFrom(COUNTERS)));
    assertThat(EventCodec.decodeUpdate(update)).isEqualTo(RunEvent.RunUpdate.of(RunEvent.RunUpdate.FINISHED, RUN));
  }

  @Test
  @DisplayName("an unknown event type is refused rather than guessed")
  void unknownType() {
    assertThatThrownBy(() -> EventCodec.decode("run-exploded", new JsonObject()))
      .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RunEvent.RunUpdate("run-exploded", 1, 1, RunStatus.RUNNING, COUNTERS))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
