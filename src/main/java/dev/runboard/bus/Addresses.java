package dev.runboard.bus;

/**
 * Event-bus addresses. Bodies are {@code JsonObject}s made by {@link EventCodec}, so the clustered bus needs no
 * codec; {@link EventPublisher} is the one place that publishes on them.
 *
 * <ul>
 *   <li>{@link #runEvents(long)} (publish): one message per committed change of a run,
 *       {@code {"runId", "events": [{"type", "data"}, …]}}, events in seq order ({@code test-begin} events, which
 *       have no seq, first).</li>
 *   <li>{@link #RUN_UPDATES} (publish): run-list changes, {@code {"type", "runId", "projectId", "status",
 *       "counters"}}.</li>
 *   <li>{@link #RETENTION_PASS} (request/reply, a local consumer on each node): runs one retention pass on the
 *       node now, after any pass in progress there, and replies with what it removed.</li>
 *   <li>{@link #SIGNING_KEYS} (publish): the file signing keys changed (a key was created or retired), {@code {}};
 *       every HTTP verticle instance of every node reloads them.</li>
 * </ul>
 * Everything is published only after the transaction that made it has committed.
 */
public final class Addresses {

  public static final String RUN_UPDATES = "runboard.runs.updates";
  /** Publish: credentials were revoked ({@code model.RevokedCredentials}); streams opened with them end. */
  public static final String CREDENTIALS_REVOKED = "runboard.auth.revoked";
  public static final String RETENTION_PASS = "runboard.maintenance.retention.pass";
  public static final String SIGNING_KEYS = "runboard.signing-keys.changed";

  private Addresses() {
  }

  public static String runEvents(long runId) {
    return "runboard.runs." + runId + ".events";
  }
}
