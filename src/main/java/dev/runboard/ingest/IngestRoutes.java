package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.auth.Secrets;
import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.model.Counters;
import dev.runboard.model.RunSummary;
import dev.runboard.store.LockedRun;
import dev.runboard.store.RunConflictException;
import dev.runboard.store.RunStore;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.List;

/**
 * The reporter-facing API: streaming ({@code start}, {@code events}, {@code finish}) and one-shot
 * ({@code submit}). Every write is one transaction in {@link RunStore}; its events are published on the bus
 * ({@link Addresses}) only after it committed.
 *
 * <p>Stream-token routes follow the protocol's check order: the run's existence (404), the token (401 missing,
 * 403 not this run's current one), the run's state (409), then the body (400/413/415). The body is parsed before
 * the run is looked up, but a body error is reported only after those checks.
 */
public final class IngestRoutes {

  static final String TOKEN_HEADER = "X-Stream-Token";
  static final String TOKEN_FIELD = "streamToken";

  private final RunStore store;
  private final EventBus bus;
  private final IngestLimits limits;

  private IngestRoutes(RunStore store, EventBus bus, IngestLimits limits) {
    this.store = store;
    this.bus = bus;
    this.limits = limits;
  }

  public static Future<IngestRoutes> create(Vertx vertx, Pool pool, AppConfig config) {
    return RunStore.create(vertx, pool).map(store -> new IngestRoutes(store, vertx.eventBus(),
      IngestLimits.from(config)));
  }

  public void mount(Router router, Guard guard) {
    // Runs
    guard.protect(router.post("/api/test-runs/start"), Access.REPORTER)
      .handler(jsonBody(limits.startBytes())).handler(this::startRun);
    guard.protect(router.post("/api/test-runs/submit"), Access.REPORTER)
      .handler(jsonBody(limits.submitBytes())).handler(this::submitRun);
    // Events
    guard.protect(router.post("/api/test-runs/:runId/events"), Access.STREAM_TOKEN)
      .handler(jsonBody(limits.eventsBytes())).handler(this::appendEvents);
    guard.protect(router.post("/api/test-runs/:runId/finish"), Access.STREAM_TOKEN)
      .handler(jsonBody(limits.startBytes())).handler(this::finishRun);
  }

  private static BodyHandler jsonBody(long limit) {
    return BodyHandler.create(false).setBodyLimit(limit);
  }

  // ----- handlers ---------------------------------------------------------------------------------------------

  private void startRun(RoutingContext ctx) {
    var run = IngestValidator.start(JsonInput.body(ctx));
    String token = Secrets.newSecret("");
    store.startRun(run, Secrets.hash(token))
      .onSuccess(started -> {
        RunSummary summary = started.run();
        if (started.created()) {
          publishUpdate("run-started", summary.id(), summary.projectId(), summary.status(), summary.counters());
        }
        Responses.sendJson(ctx, started.created() ? 201 : 200, new JsonObject()
          .put("runId", summary.id()).put("projectId", summary.projectId()).put("streamToken", token));
      })
      .onFailure(e -> ctx.fail(e instanceof RunConflictException ? ApiException.conflict(e.getMessage()) : e));
  }

  private void appendEvents(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    Parsed<List<IngestValidator.Event>> parsed = Parsed.of(ctx, IngestValidator::events);
    List<IngestValidator.Event> events = parsed.valueOrEmpty(List.of());
    List<dev.runboard.store.NewAttempt> attempts = new ArrayList<>();
    List<JsonObject> begins = new ArrayList<>();
    for (IngestValidator.Event event : events) {
      if (event.begin()) {
        begins.add(event.beginData());
      } else {
        attempts.add(event.attempt());
      }
    }
    store.appendBatch(runId, locked -> {
      checkToken(ctx, locked, parsed);
      requireRunning(locked);
      parsed.throwIfInvalid();
    }, attempts).onSuccess(batch -> {
      publishBatch(runId, begins, batch);
      Responses.sendJson(ctx, 200, new JsonObject().put("processed", events.size())
        .put("stored", batch.stored()).put("duplicates", batch.duplicates()));
    }).onFailure(ctx::fail);
  }

  private void finishRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    Parsed<RunStore.Finish> parsed = Parsed.of(ctx, IngestValidator::finish);
    store.finishRun(runId, locked -> {
      checkToken(ctx, locked, parsed);
      if (!locked.running()) {
        return null; // a repeated finish: 200 with the stored summary, its body not validated again
      }
      parsed.throwIfInvalid();
      return parsed.value();
    }).onSuccess(finished -> {
      RunSummary run = finished.run();
      if (finished.event() != null) {
        bus.publish(Addresses.runEvents(runId), new JsonObject().put("runId", runId)
          .put("events", new JsonArray().add(finished.event())));
        publishUpdate("run-finished", run.id(), run.projectId(), run.status(), run.counters());
      }
      Responses.sendJson(ctx, 200, JsonObject.mapFrom(run));
    }).onFailure(ctx::fail);
  }

  private void submitRun(RoutingContext ctx) {
    IngestValidator.Submit submit = IngestValidator.submit(JsonInput.body(ctx));
    store.submitRun(submit.run(), "submit", submit.finish(), submit.reportedCounts(), submit.entries())
      .onSuccess(run -> {
        publishUpdate("run-submitted", run.id(), run.projectId(), run.status(), run.counters());
        Responses.sendJson(ctx, 201, new JsonObject().put("success", true).put("testRunId", run.id())
          .put("projectId", run.projectId()));
      })
      .onFailure(ctx::fail);
  }

  // ----- checks -----------------------------------------------------------------------------------------------

  /**
   * 404 for no run, then the token: from {@value #TOKEN_HEADER} or the body's {@value #TOKEN_FIELD} (both and
   * different → 400), missing → 401, not the run's current token → 403.
   */
  static void checkToken(RoutingContext ctx, LockedRun run, Parsed<?> parsed) {
    if (run == null) {
      throw ApiException.notFound("No run " + ctx.pathParam("runId") + ".");
    }
    String header = ctx.request().getHeader(TOKEN_HEADER);
    String field = parsed.token();
    if (header != null && field != null && !header.equals(field)) {
      throw ApiException.validation(TOKEN_FIELD, "The X-Stream-Token header and the streamToken field differ.");
    }
    String token = header != null ? header : field;
    if (token == null || token.isEmpty()) {
      throw ApiException.unauthorized("This run's stream token is required (X-Stream-Token or streamToken).");
    }
    if (!Secrets.matches(token, run.streamTokenHash())) {
      throw ApiException.forbidden("This is not the current stream token of run " + run.id() + ".");
    }
  }

  static void requireRunning(LockedRun run) {
    if (!run.running()) {
      throw ApiException.conflict("Run " + run.id() + " has finished (" + run.status() + "); it takes no more "
        + "results.");
    }
  }

  // ----- publishing (after commit) ----------------------------------------------------------------------------

  private void publishBatch(long runId, List<JsonObject> begins, RunStore.Batch batch) {
    if (begins.isEmpty() && batch.events().isEmpty()) {
      return;
    }
    JsonArray events = new JsonArray();
    begins.forEach(data -> events.add(new JsonObject().put("type", "test-begin").put("data", data)));
    batch.events().forEach(events::add);
    bus.publish(Addresses.runEvents(runId), new JsonObject().put("runId", runId).put("events", events));
    if (batch.stored() > 0) {
      publishUpdate("run-progress", runId, batch.projectId(), batch.status(), batch.counters());
    }
  }

  private void publishUpdate(String type, long runId, long projectId, String status, Counters counters) {
    bus.publish(Addresses.RUN_UPDATES, new JsonObject().put("type", type).put("runId", runId)
      .put("projectId", projectId).put("status", status).put("counters", JsonObject.mapFrom(counters)));
  }

  /**
   * A body parsed before the run's checks: its stream token is available at once, and its validation error, if
   * any, is kept until the checks that come first in the protocol's order have passed.
   */
  static final class Parsed<T> {

    private final T value;
    private final RuntimeException error;
    private final String token;

    private Parsed(T value, RuntimeException error, String token) {
      this.value = value;
      this.error = error;
      this.token = token;
    }

    interface Reader<T> {
      T read(ObjectNode body);
    }

    static <T> Parsed<T> of(RoutingContext ctx, Reader<T> reader) {
      ObjectNode body;
      try {
        body = JsonInput.body(ctx);
      } catch (ApiException e) {
        return new Parsed<>(null, e, null);
      }
      JsonNode tokenNode = body.get(TOKEN_FIELD);
      String token = tokenNode != null && tokenNode.isTextual() ? tokenNode.textValue() : null;
      try {
        return new Parsed<>(reader.read(body), null, token);
      } catch (ApiException e) {
        return new Parsed<>(null, e, token);
      }
    }

    String token() {
      return token;
    }

    T value() {
      return value;
    }

    T valueOrEmpty(T empty) {
      return value != null ? value : empty;
    }

    void throwIfInvalid() {
      if (error != null) {
        throw error;
      }
    }
  }
}
