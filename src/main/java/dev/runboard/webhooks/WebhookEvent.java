package dev.runboard.webhooks;

import java.util.Arrays;
import java.util.List;

/** What a delivery announces ({@code X-Runboard-Event}); webhooks subscribe to the run events. */
enum WebhookEvent {
  /** A run ended, whatever its status. */
  RUN_FINISHED("run.finished"),
  /** A run ended failed or timed out. */
  RUN_FAILED("run.failed"),
  /** A run has tests that failed and had passed in the previous ended run of the same branch. */
  RUN_NEW_FAILURES("run.new-failures"),
  /** A run was interrupted (by its reporter, or by the stuck-run sweeper). */
  RUN_INTERRUPTED("run.interrupted"),
  /** "Send test" from the API or the dashboard; not subscribable. */
  TEST("webhook.test");

  /** The events a webhook may subscribe to, in the order the API lists them. */
  static final List<String> SUBSCRIBABLE = Arrays.stream(values()).filter(e -> e != TEST).map(e -> e.wire).toList();

  private final String wire;

  WebhookEvent(String wire) {
    this.wire = wire;
  }

  String wire() {
    return wire;
  }

  static WebhookEvent fromWire(String wire) {
    for (WebhookEvent event : values()) {
      if (event.wire.equals(wire)) {
        return event;
      }
    }
    throw new IllegalArgumentException("unknown webhook event '" + wire + "'");
  }
}
