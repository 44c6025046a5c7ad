package dev.runboard.stream;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.model.FileLinks;
import dev.runboard.store.EventLog;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Server-Sent Events: {@code GET /api/test-runs/{runId}/stream} (a run's stored and live events, resumable with
 * {@code Last-Event-ID}) and {@code GET /api/stream} (run-list changes). Fed only from the event bus; replay
 * reads the event log in PostgreSQL.
 *
 * <p>Per HTTP verticle instance: one {@link RunHub} (a bus consumer per watched run), one {@link GlobalFeed}, and
 * one timer that pings every connection every {@code sse.pingInterval} and checks the watched runs' stored seq.
 * Reads {@code sse.*}.
 */
public final class StreamRoutes {

  private static final Logger logger = LoggerFactory.getLogger(StreamRoutes.class);
  static final long PROGRESS_WINDOW_MS = 1_000;
  /** Encoded pages of init kept for other viewers of the same run, per HTTP verticle instance. */
  static final long INIT_PAGES_BYTES = 4L << 20;

  private final EventLog log;
  private final FileLinks links;
  private final RunHub hub;
  private final GlobalFeed feed;
  private final ConnectionCount count;
  private final ReadGate reads;
  private final InitPages pages;
  private final Set<SseConnection> connections = new LinkedHashSet<>();
  private final int maxConnections;
  private final int maxQueuedBytes;
  private final long stallTimeoutMs;

  private StreamRoutes(Vertx vertx, EventLog log, FileLinks links, GlobalFeed feed, AppConfig config) {
    this.log = log;
    this.links = links;
    this.hub = new RunHub(vertx, links);
    this.feed = feed;
    this.count = ConnectionCount.of(vertx);
    this.reads = ReadGate.of(vertx, Math.max(1, config.dbPoolSize() / 2));
    this.pages = new InitPages(log, reads, RunStream.INIT_PAGE, INIT_PAGES_BYTES);
    this.maxConnections = config.sseMaxConnections();
    this.maxQueuedBytes = (int) Math.min(Integer.MAX_VALUE, config.sseMaxQueuedBytes());
    this.stallTimeoutMs = config.sseStallTimeoutMs();
  }

  /** The routes, once the global feed's bus consumer is registered. */
  public static Future<StreamRoutes> create(Vertx vertx, EventLog log, FileLinks links, AppConfig config) {
    GlobalFeed feed = new GlobalFeed(vertx, PROGRESS_WINDOW_MS);
    return feed.start().map(v -> {
      StreamRoutes routes = new StreamRoutes(vertx, log, links, feed, config);
      vertx.setPeriodic(config.ssePingIntervalMs(), t -> routes.tick());
      return routes;
    });
  }

  public void mount(Router router, Guard guard) {
    // Live events
    guard.protect(router.get("/api/test-runs/:runId/stream"), Access.VIEWER).handler(this::streamRun);
    guard.protect(router.get("/api/stream"), Access.VIEWER).handler(this::streamRuns);
  }

  private void streamRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    if (!count.tryAcquire(maxConnections)) {
      sendBusy(ctx);
      return;
    }
    log.head(runId).onSuccess(head -> {
      if (head == null) {
        count.release();
        ctx.fail(ApiException.notFound("No run " + runId + "."));
        return;
      }
      Long requested = lastEventId(ctx);
      boolean finished = !head.run().status().running();
      if (finished && requested != null && requested >= head.lastSeq()) {
        // Everything was delivered (or the id is beyond the end): 204 makes EventSource stop reconnecting.
        count.release();
        ctx.response().setStatusCode(204).end();
        return;
      }
      // Beyond a running run's last seq: a fresh init.
      Long lastEventId = requested != null && requested <= head.lastSeq() ? requested : null;
      RunStream[] stream = new RunStream[1];
      SseConnection connection = open(ctx, () -> hub.leave(stream[0]));
      stream[0] = new RunStream(runId, log, links, connection, pages, reads, maxQueuedBytes);
      hub.join(stream[0])
        .compose(v -> lastEventId != null ? stream[0].startWithReplay(lastEventId)
          : log.head(runId).compose(stream[0]::startWithSnapshot))
        .onFailure(e -> {
          logger.warn("Stream of run {} failed: {}", runId, e.toString());
          connection.end();
        });
    }).onFailure(e -> {
      count.release();
      ctx.fail(e);
    });
  }

  private void streamRuns(RoutingContext ctx) {
    String project = ctx.queryParams().get("projectId");
    Long projectId = null;
    if (project != null) {
      projectId = Guard.parseId(project);
      if (projectId == null) {
        throw ApiException.validation("projectId", "projectId must be a positive integer.");
      }
    }
    if (!count.tryAcquire(maxConnections)) {
      sendBusy(ctx);
      return;
    }
    GlobalFeed.Client[] client = new GlobalFeed.Client[1];
    SseConnection connection = open(ctx, () -> feed.remove(client[0]));
    client[0] = new GlobalFeed.Client(connection, projectId);
    feed.add(client[0]);
  }

  private SseConnection open(RoutingContext ctx, Runnable leave) {
    SseConnection[] opened = new SseConnection[1];
    opened[0] = SseConnection.open(ctx, maxQueuedBytes, stallTimeoutMs, () -> {
      leave.run();
      connections.remove(opened[0]);
      count.release();
    });
    connections.add(opened[0]);
    return opened[0];
  }

  /**
   * {@code Last-Event-ID} (header, or {@code lastEventId} query parameter for clients that cannot set headers);
   * null when absent or malformed (then the client gets a fresh {@code init}).
   */
  private static Long lastEventId(RoutingContext ctx) {
    String text = ctx.request().getHeader("Last-Event-ID");
    if (text == null) {
      text = ctx.queryParams().get("lastEventId");
    }
    if (text == null) {
      return null;
    }
    text = text.trim();
    if (text.equals("0")) {
      return 0L;
    }
    return Guard.parseId(text);
  }

  private static void sendBusy(RoutingContext ctx) {
    ctx.response().putHeader("Retry-After", "5");
    Responses.sendError(ctx, new ApiException(503, "unavailable",
      "This node serves its maximum number of live connections; retry in a few seconds.", null));
  }

  /** Pings every connection, and lets each watched run's streams catch up on anything the bus did not bring. */
  private void tick() {
    for (SseConnection connection : connections.toArray(SseConnection[]::new)) {
      connection.ping();
    }
    for (long runId : Set.copyOf(hub.runs())) {
      log.lastSeq(runId).onSuccess(stored -> {
        if (stored != null) {
          for (RunStream stream : hub.streams(runId).toArray(RunStream[]::new)) {
            stream.checkStored(stored);
          }
        }
      });
    }
  }
}
