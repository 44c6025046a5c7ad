package dev.runboard.bus;

/**
 * Event-bus addresses. Bodies are {@code JsonObject}s, so the clustered bus needs no codec.
 *
 * <ul>
 *   <li>{@link #runEvents(long)} (publish): one message per committed ingest batch of a run,
 *       {@code {"runId", "events": [{"type", "data"}, …]}}, events in seq order; {@code test-begin} events
 *       (live only, no seq) travel the same way.</li>
 *   <li>{@link #RUN_UPDATES} (publish): run-list changes, {@code {"type", "runId", "projectId", "status",
 *       "counters"}} with type {@code run-started | run-progress | run-finished | run-submitted | run-deleted}.</li>
 * </ul>
 * Everything is published only after the transaction that made it has committed.
 */
public final class Addresses {

  public static final String RUN_UPDATES = "runboard.runs.updates";

  private Addresses() {
  }

  public static String runEvents(long runId) {
    return "runboard.runs." + runId + ".events";
  }
}
