package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.auth.Secrets;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunEvent;
import dev.runboard.model.RunEvent.RunUpdate;
import dev.runboard.model.RunSummary;
import dev.runboard.auth.Principal;
import dev.runboard.auth.Role;
import dev.runboard.store.ForeignRunException;
import dev.runboard.store.LockedRun;
import dev.runboard.store.Starter;
import dev.runboard.store.NewAttempt;
import dev.runboard.store.RunConflictException;
import dev.runboard.store.RunStore;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * The reporter-facing API: streaming ({@code start}, {@code events}, {@code finish}) and one-shot
 * ({@code submit}). Every write is one transaction in {@link RunStore}; its events are published through the
 * {@link EventPublisher} only after it committed.
 *
 * <p>Stream-token routes follow the protocol's check order: the run's existence (404), the token (401 missing,
 * 403 not this run's current one), the run's state (409), then the body (400/413/415). The body is parsed before
 * the run is looked up, but a body error is reported only after those checks.
 */
public final class IngestRoutes {

  static final String TOKEN_HEADER = StreamTokens.HEADER;
  static final String TOKEN_FIELD = StreamTokens.FIELD;

  private final RunStore store;
  private final EventPublisher events;
  private final IngestLimits limits;

  public IngestRoutes(RunStore store, EventPublisher events, AppConfig config) {
    this.store = store;
    this.events = events;
    this.limits = IngestLimits.from(config);
  }

  public void mount(Router router, Guard guard) {
    // Runs
    guard.protect(router.post("/api/test-runs/start"), Access.REPORTER)
      .handler(jsonBody(limits.startBytes())).handler(this::startRun);
    guard.protect(router.post("/api/test-runs/submit"), Access.REPORTER)
      .handler(jsonBody(limits.submitBytes())).handler(this::submitRun);
    // Events
    guard.protect(router.post("/api/test-runs/:runId/events"), Access.STREAM_TOKEN)
      .handler((PlatformHandler) this::checkHeaderToken)
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
    store.startRun(run, Secrets.hash(token), starter(ctx))
      .onSuccess(started -> {
        RunSummary summary = started.run();
        if (started.event() != null) {
          events.publish(summary.id(), List.of(started.event()));
        }
        if (started.created()) {
          events.publish(RunUpdate.of(RunUpdate.STARTED, summary));
        } else if (started.event() != null) {
          events.publish(RunUpdate.of(RunUpdate.PROGRESS, summary)); // a shard joined: expected tests grew
        }
        JsonObject answer = new JsonObject().put("runId", summary.id()).put("projectId", summary.projectId())
          .put("streamToken", token);
        if (started.shard() != null) {
          answer.put("shard", new JsonObject().put("current", started.shard()).put("total", run.shardTotal()));
        }
        Responses.sendJson(ctx, started.created() ? 201 : 200, answer);
      })
      .onFailure(e -> ctx.fail(e instanceof RunConflictException ? ApiException.conflict(e.getMessage())
        : e instanceof ForeignRunException ? ApiException.forbidden(e.getMessage()) : e));
  }

  private void appendEvents(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    Parsed<List<IngestValidator.Event>> parsed = Parsed.of(ctx, IngestValidator::events);
    List<IngestValidator.Event> items = parsed.valueOrEmpty(List.of());
    List<NewAttempt> attempts = new ArrayList<>();
    List<RunEvent> begins = new ArrayList<>();
    for (IngestValidator.Event item : items) {
      if (item.begin() != null) {
        begins.add(item.begin());
      } else {
        attempts.add(item.attempt());
      }
    }
    store.appendBatch(runId, locked -> {
      Integer shard = checkToken(ctx, locked, parsed);
      StreamTokens.requireRunning(locked, shard);
      parsed.throwIfInvalid();
      return shard;
    }, attempts).onSuccess(batch -> {
      publishBatch(runId, begins, batch);
      Responses.sendJson(ctx, 200, new JsonObject().put("processed", items.size())
        .put("stored", batch.stored()).put("duplicates", batch.duplicates()));
    }).onFailure(ctx::fail);
  }

  private void finishRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    Parsed<RunStore.Finish> parsed = Parsed.of(ctx, IngestValidator::finish);
    store.finishRun(runId, locked -> {
      Integer shard = checkToken(ctx, locked, parsed);
      if (!locked.running() || (shard != null && !StreamTokens.shardRunning(locked, shard))) {
        return null; // a repeated finish: 200 with the stored summary, its body not validated again
      }
      parsed.throwIfInvalid();
      return shard == null ? parsed.value() : parsed.value().forShard(shard);
    }).onSuccess(finished -> {
      RunSummary run = finished.run();
      if (finished.shardEvent() != null) {
        events.publish(runId, List.of(finished.shardEvent()));
        if (finished.event() == null) {
          events.publish(RunUpdate.of(RunUpdate.PROGRESS, run));
        }
      }
      if (finished.event() != null) {
        events.publishFinished(finished.event());
      }
      Responses.sendJson(ctx, 200, JsonObject.mapFrom(run));
    }).onFailure(ctx::fail);
  }

  private void submitRun(RoutingContext ctx) {
    IngestValidator.Submit submit = IngestValidator.submit(JsonInput.body(ctx));
    store.submitRun(submit.run(), "submit", submit.finish(), submit.reportedCounts(), submit.entries(),
        starter(ctx))
      .onSuccess(run -> {
        events.publish(RunUpdate.of(RunUpdate.SUBMITTED, run));
        Responses.sendJson(ctx, 201, new JsonObject().put("success", true).put("testRunId", run.id())
          .put("projectId", run.projectId()));
      })
      .onFailure(ctx::fail);
  }

  // ----- checks -----------------------------------------------------------------------------------------------

  /**
   * With the token in the header, the run, the token and the run's state are checked before the body is read: a
   * finished run answers 409 (not 413 for a body over the limit), and a stranger's body is not read at all. The
   * same checks run again under the run's lock once the body is in.
   */
  private void checkHeaderToken(RoutingContext ctx) {
    String header = ctx.request().getHeader(TOKEN_HEADER);
    if (header == null) {
      ctx.next();
      return;
    }
    long runId = Long.parseLong(ctx.pathParam("runId"));
    boolean pause = !ctx.request().isEnded();
    if (pause) {
      ctx.request().pause();
    }
    store.peekRun(runId).onComplete(peeked -> {
      if (pause) {
        ctx.request().resume();
      }
      try {
        if (peeked.failed()) {
          throw peeked.cause();
        }
        Integer shard = checkToken(ctx, peeked.result(), Parsed.empty());
        StreamTokens.requireRunning(peeked.result(), shard);
        ctx.next();
      } catch (Throwable e) {
        ctx.fail(e);
      }
    });
  }

  /** The protocol's token checks ({@link StreamTokens#check}); returns the shard the token is of, or null. */
  static Integer checkToken(RoutingContext ctx, LockedRun run, Parsed<?> parsed) {
    return StreamTokens.check(Long.parseLong(ctx.pathParam("runId")), run, ctx.request().getHeader(TOKEN_HEADER),
      parsed.token(), false);
  }

  /** The caller of a reporter route, as the store records who started a run. */
  static Starter starter(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    return new Starter(principal.userId(), principal.apiKeyId(), principal.role() == Role.ADMINISTRATOR);
  }


  // ----- publishing (after commit) ----------------------------------------------------------------------------

  /** One message with the batch's test-begins, then its stored events; the run's new counters for the feed. */
  private void publishBatch(long runId, List<RunEvent> begins, RunStore.Batch batch) {
    List<RunEvent> all = new ArrayList<>(begins);
    all.addAll(batch.events());
    events.publish(runId, all);
    if (batch.stored() > 0) {
      events.publish(new RunUpdate(RunUpdate.PROGRESS, runId, batch.projectId(), batch.status(), batch.counters()));
    }
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

    /** No body yet: no token field, nothing to report. */
    static <T> Parsed<T> empty() {
      return new Parsed<>(null, null, null);
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
