package dev.runboard.ingest;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunEvent.RunUpdate;
import dev.runboard.store.NewRun;
import dev.runboard.store.RunStore;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * {@code POST /api/test-runs/import} (reporter role): a finished run from a report file that a test runner wrote,
 * JUnit XML ({@link JunitXml}) or Playwright's JSON report ({@link PlaywrightJson}), stored in one transaction
 * as a one-shot run ({@code RunStore.submitRun}, source {@code import}); publishes global {@code run-submitted}.
 *
 * <p>Before the body is read: the query parameters ({@link ImportParams}) and the media type (415). The body is
 * limited by {@code ingest.maxSubmitBytes} (413 while it is read) and parsed on a worker thread.
 */
public final class ImportRoutes {

  private static final String PARAMS = "runboard.import.params";
  private static final String KIND = "runboard.import.kind";

  /** What the body is: said by its media type, or to be told from its first character. */
  enum Kind { JSON, XML, SNIFF }

  private final Vertx vertx;
  private final RunStore store;
  private final EventPublisher events;
  private final long maxBytes;

  public ImportRoutes(Vertx vertx, RunStore store, EventPublisher events, AppConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.events = events;
    this.maxBytes = config.maxSubmitBytes();
  }

  public void mount(Router router, Guard guard) {
    // Imports
    guard.protect(router.post("/api/test-runs/import"), Access.REPORTER)
      .handler((PlatformHandler) this::checkRequest)
      .handler(BodyHandler.create(false).setBodyLimit(maxBytes))
      .handler(this::importRun);
  }

  /** Parameters and media type, before a byte of the body is read. */
  private void checkRequest(RoutingContext ctx) {
    try {
      ctx.put(PARAMS, ImportParams.from(ctx.queryParams()));
      ctx.put(KIND, kindOf(ctx.request().getHeader("Content-Type")));
      ctx.next();
    } catch (ApiException e) {
      ctx.fail(e);
    }
  }

  private void importRun(RoutingContext ctx) {
    ImportParams params = ctx.get(PARAMS);
    Kind kind = ctx.get(KIND);
    Buffer body = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    // Copying and parsing up to ingest.maxSubmitBytes is worker-thread work, not event-loop work.
    vertx.executeBlocking(() -> read(kind, body.getBytes(), params.rootDir()), false)
      .compose(imported -> store(params, imported, ctx))
      .onFailure(ctx::fail);
  }

  private Future<Void> store(ImportParams params, ImportedRun imported, RoutingContext ctx) {
    long durationMs = imported.durationMs() == null ? 0 : imported.durationMs();
    OffsetDateTime start = imported.startTime() != null ? imported.startTime()
      : OffsetDateTime.now(ZoneOffset.UTC).minus(durationMs, ChronoUnit.MILLIS);
    JsonObject metadata = params.metadata().copy();
    imported.facts().forEach(fact -> {
      if (fact.getKey().equals("import") || !metadata.containsKey(fact.getKey())) {
        metadata.put(fact.getKey(), fact.getValue());
      }
    });
    NewRun run = new NewRun(params.projectName(), params.projectDescription(), start, null, null, metadata, null,
      imported.playwrightVersion());
    RunStore.Finish finish = new RunStore.Finish(imported.status(), start.plus(durationMs, ChronoUnit.MILLIS),
      durationMs, null);
    return store.submitRun(run, "import", finish, imported.reportedCounts(), imported.attempts(),
        IngestRoutes.starter(ctx))
      .compose(summary -> {
        events.publish(RunUpdate.of(RunUpdate.SUBMITTED, summary));
        return Responses.sendJson(ctx, 201, new JsonObject().put("success", true).put("testRunId", summary.id())
          .put("projectId", summary.projectId()).put("format", imported.format())
          .put("tests", summary.counters().total()).put("attempts", summary.counters().attempts()));
      });
  }

  // ----- formats ----------------------------------------------------------------------------------------------

  /**
   * {@code application/json} → Playwright's JSON report; {@code application/xml}, {@code text/xml} or any
   * {@code +xml} type → JUnit XML; none, {@code application/octet-stream} or {@code text/plain} → told from the
   * body's first character; anything else → 415.
   */
  static Kind kindOf(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return Kind.SNIFF;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (type.equals("application/json")) {
      JsonInput.requireJsonMediaType(contentType);
      return Kind.JSON;
    }
    if (type.equals("application/xml") || type.equals("text/xml") || type.endsWith("+xml")) {
      return Kind.XML;
    }
    if (type.equals("application/octet-stream") || type.equals("text/plain")) {
      return Kind.SNIFF;
    }
    throw ApiException.unsupportedMediaType("Import takes a report file: Playwright's JSON report as "
      + "application/json, JUnit XML as application/xml (or text/xml), or either as application/octet-stream; got '"
      + (contentType.length() > 60 ? contentType.substring(0, 60) + "…" : contentType) + "'.");
  }

  /** Reads the report (on a worker thread): the format from the media type, else from the first character. */
  static ImportedRun read(Kind kind, byte[] body, String rootDir) {
    Kind format = kind == Kind.SNIFF ? sniff(body) : kind;
    return format == Kind.JSON ? PlaywrightJson.read(body, rootDir) : JunitXml.read(body, rootDir);
  }

  /** A first character '{' → JSON, '<' → XML (after a UTF-8 byte order mark and white space). */
  private static Kind sniff(byte[] body) {
    int i = body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf
      ? 3 : 0;
    while (i < body.length && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
      i++;
    }
    if (i == body.length) {
      throw ApiException.validation(null, "The body is empty: send a JUnit XML report or Playwright's JSON report.");
    }
    if (body[i] == '{') {
      return Kind.JSON;
    }
    if (body[i] == '<') {
      return Kind.XML;
    }
    if (!XmlGuard.asciiCompatible(body)) {
      return Kind.XML; // UTF-16 XML: refused with its reason
    }
    throw ApiException.validation(null, "The body is neither JSON nor XML (its first character is byte 0x"
      + Integer.toHexString(body[i] & 0xff) + "): send a JUnit XML report or Playwright's JSON report.");
  }
}
