package dev.runboard.stream;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.auth.Principal;
import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RevokedCredentials;
import dev.runboard.store.EventLog;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Server-Sent Events: {@code GET /api/test-runs/{runId}/stream} (a run's stored and live events, resumable with
 * {@code Last-Event-ID}) and {@code GET /api/stream} (run-list changes). Fed only from the event bus; replay
 * reads the event log in PostgreSQL.
 *
 * <p>Per HTTP verticle instance: one {@link RunHub} (a bus consumer per watched run), one {@link GlobalFeed}, and
 * one timer that pings every connection every {@code sse.pingInterval} and checks the watched runs' stored seq.
 * Per node ({@link OpenStreams}): at most {@code sse.maxConnections} streams (503 beyond), and at most
 * {@code sse.maxStreamsPerUser} per user, or per client address for anonymous readers (429 beyond); each open
 * stream keeps the principal that opened it, so that {@link #closeStreams} can end those of a user, key or
 * session. Reads {@code sse.*}.
 */
public final class StreamRoutes {

  private static final Logger logger = LoggerFactory.getLogger(StreamRoutes.class);
  static final long PROGRESS_WINDOW_MS = 1_000;
  static final String RETRY_AFTER_SECONDS = "5";
  /** Encoded pages of init kept for other viewers of the same run, per HTTP verticle instance. */
  static final long INIT_PAGES_BYTES = 4L << 20;

  private final EventLog log;
  private final FileLinks links;
  private final RunHub hub;
  private final GlobalFeed feed;
  private final OpenStreams streams;
  private final ReadGate reads;
  private final InitPages pages;
  private final Set<SseConnection> connections = new LinkedHashSet<>();
  private final int maxConnections;
  private final int maxStreamsPerUser;
  private final int maxQueuedBytes;
  private final long stallTimeoutMs;

  private StreamRoutes(Vertx vertx, EventLog log, FileLinks links, GlobalFeed feed, AppConfig config) {
    this.log = log;
    this.links = links;
    this.hub = new RunHub(vertx);
    this.feed = feed;
    this.streams = OpenStreams.of(vertx);
    this.reads = ReadGate.of(vertx, Math.max(1, config.dbPoolSize() / 2));
    this.pages = new InitPages(log, reads, RunStream.INIT_PAGE, INIT_PAGES_BYTES);
    this.maxConnections = config.sseMaxConnections();
    this.maxStreamsPerUser = config.sseMaxStreamsPerUser();
    this.maxQueuedBytes = (int) Math.min(Integer.MAX_VALUE, config.sseMaxQueuedBytes());
    this.stallTimeoutMs = config.sseStallTimeoutMs();
  }

  /** The routes, once the global feed's bus consumer is registered. */
  public static Future<StreamRoutes> create(Vertx vertx, EventLog log, FileLinks links, AppConfig config) {
    GlobalFeed feed = new GlobalFeed(vertx, PROGRESS_WINDOW_MS);
    // Revoked credentials end the streams opened with them, on every node (each instance closes the node's).
    Future<Void> revocations = vertx.eventBus().<JsonObject>consumer(Addresses.CREDENTIALS_REVOKED, message -> {
      RevokedCredentials revoked = message.body().mapTo(RevokedCredentials.class);
      int closed = closeStreams(vertx, p -> !p.anonymous() && p.userId() == revoked.userId()
        && (revoked.apiKeyId() != null ? revoked.apiKeyId().equals(p.apiKeyId())
          : !revoked.sessions() || p.viaSession()));
      if (closed > 0) {
        logger.info("Ended {} live streams of user {} whose credentials were revoked", closed, revoked.userId());
      }
    }).completion();
    return Future.all(feed.start(), revocations).map(v -> {
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

  /**
   * Ends this node's open live streams (both kinds) whose principal matches {@code whose}, e.g. those of a revoked
   * key ({@code p -> keyId.equals(p.apiKeyId())}), of a user ({@code p -> !p.anonymous() && p.userId() == id}), or
   * of a user's sessions ({@code p -> p.viaSession() && p.userId() == id}: a principal does not say which session).
   * Each ends cleanly; a client that reconnects is checked again. Returns how many were ended. Other nodes end
   * theirs when they are told to.
   */
  public static int closeStreams(Vertx vertx, Predicate<Principal> whose) {
    return OpenStreams.of(vertx).close(whose);
  }

  private void streamRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    Principal principal = Guard.principal(ctx);
    String owner = owner(ctx, principal);
    if (!admit(ctx, owner)) {
      return;
    }
    // Through the gate like the stream's other reads: a crowd opening streams takes only part of the pool.
    reads.read(() -> log.head(runId)).onSuccess(head -> {
      if (head == null) {
        streams.release(owner);
        ctx.fail(ApiException.notFound("No run " + runId + "."));
        return;
      }
      Long requested = lastEventId(ctx);
      boolean finished = !head.run().status().running();
      if (finished && requested != null && requested >= head.lastSeq()) {
        // Everything was delivered (or the id is beyond the end): 204 makes EventSource stop reconnecting.
        streams.release(owner);
        ctx.response().setStatusCode(204).end();
        return;
      }
      // Beyond a running run's last seq: a fresh init.
      Long lastEventId = requested != null && requested <= head.lastSeq() ? requested : null;
      RunStream[] stream = new RunStream[1];
      SseConnection connection = open(ctx, principal, owner, () -> hub.leave(stream[0]));
      stream[0] = new RunStream(runId, log, links.forClient(ctx.request().scheme(), ctx.request().getHeader("Host")),
        connection, pages, reads, maxQueuedBytes);
      hub.join(stream[0])
        .compose(v -> lastEventId != null ? stream[0].startWithReplay(lastEventId)
          : reads.read(() -> log.head(runId)).compose(stream[0]::startWithSnapshot))
        .onFailure(e -> {
          logger.warn("Stream of run {} failed: {}", runId, e.toString());
          connection.end();
        });
    }).onFailure(e -> {
      streams.release(owner);
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
    Principal principal = Guard.principal(ctx);
    String owner = owner(ctx, principal);
    if (!admit(ctx, owner)) {
      return;
    }
    GlobalFeed.Client[] client = new GlobalFeed.Client[1];
    SseConnection connection = open(ctx, principal, owner, () -> feed.remove(client[0]));
    client[0] = new GlobalFeed.Client(connection, projectId);
    feed.add(client[0]);
  }

  /** Whose budget of streams a request counts against: its user's, or its address's when it is anonymous. */
  private static String owner(RoutingContext ctx, Principal principal) {
    return principal.anonymous() ? "address:" + ctx.request().remoteAddress().hostAddress()
      : "user:" + principal.userId();
  }

  /** Takes a place for a new stream of {@code owner}, or answers 503 (node full) or 429 (owner's limit). */
  private boolean admit(RoutingContext ctx, String owner) {
    switch (streams.tryAcquire(owner, maxConnections, maxStreamsPerUser)) {
      case NODE_FULL -> {
        ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
        Responses.sendError(ctx, new ApiException(503, "unavailable",
          "This node serves its maximum number of live connections; retry in a few seconds.", null));
        return false;
      }
      case OWNER_FULL -> {
        ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
        Responses.sendError(ctx, new ApiException(429, "too_many_requests", "At most " + maxStreamsPerUser
          + " live streams may be open at once per user (per address without credentials); close one first.",
          null));
        return false;
      }
      default -> {
        return true;
      }
    }
  }

  private SseConnection open(RoutingContext ctx, Principal principal, String owner, Runnable leave) {
    SseConnection[] opened = new SseConnection[1];
    OpenStreams.Stream[] entry = new OpenStreams.Stream[1];
    opened[0] = SseConnection.open(ctx, maxQueuedBytes, stallTimeoutMs, () -> {
      leave.run();
      connections.remove(opened[0]);
      streams.remove(entry[0]);
      streams.release(owner);
    });
    entry[0] = new OpenStreams.Stream(principal, ctx.vertx().getOrCreateContext(), opened[0]);
    connections.add(opened[0]);
    streams.add(entry[0]);
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
