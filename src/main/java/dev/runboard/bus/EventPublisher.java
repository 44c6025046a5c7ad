package dev.runboard.bus;

import dev.runboard.model.RunEvent;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Publishes run events on the event bus, encoded by {@link EventCodec}; the only publisher of
 * {@link Addresses}. Callers publish only after the transaction that made the events has committed.
 */
public final class EventPublisher {

  private final EventBus bus;

  public EventPublisher(EventBus bus) {
    this.bus = bus;
  }

  /** One message with a run's events, in order; nothing when there are none. */
  public void publish(long runId, List<? extends RunEvent> events) {
    if (!events.isEmpty()) {
      bus.publish(Addresses.runEvents(runId), EventCodec.encodeRunEvents(runId, events));
    }
  }

  /** Credentials stopped being valid: every node ends the live streams opened with them. */
  public void publish(dev.runboard.model.RevokedCredentials revoked) {
    bus.publish(Addresses.CREDENTIALS_REVOKED, io.vertx.core.json.JsonObject.mapFrom(revoked));
  }

  /** A run-list change for the global feed. */
  public void publish(RunEvent.RunUpdate update) {
    bus.publish(Addresses.RUN_UPDATES, EventCodec.data(update));
  }

  /** The file signing keys changed: every instance of every node reloads them. */
  public void publishSigningKeysChanged() {
    bus.publish(Addresses.SIGNING_KEYS, new JsonObject());
  }

  /** A run's ending: its {@code run-finished} event, and the run-list change that goes with it. */
  public void publishFinished(RunEvent.RunFinished finished) {
    publish(finished.run().id(), List.of(finished));
    publish(RunEvent.RunUpdate.of(RunEvent.RunUpdate.FINISHED, finished.run()));
  }
}
