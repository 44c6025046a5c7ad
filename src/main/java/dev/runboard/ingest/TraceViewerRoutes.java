package dev.runboard.ingest;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.store.ArtifactStore;
import dev.runboard.store.FileStorage;
import dev.runboard.store.TraceViewer;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Trace viewers, one per Playwright version (an extension of the protocol): the reporter asks
 * {@code GET /api/trace-viewers/{version}} whether the server has the viewer of its {@code playwright-core}, and if
 * not sends it with {@code PUT /api/trace-viewers/{version}}: the body is the folder {@code lib/vite/traceViewer}
 * as an archive ({@code application/gzip}: the Playwright-dashboard format, or {@code application/zip}), at most
 * {@value #MAX_BODY_BYTES} bytes, {@value #MAX_ENTRIES} entries, {@value #MAX_ENTRY_BYTES} bytes an entry and
 * {@value #MAX_TOTAL_BYTES} extracted; it must hold {@code index.html} and {@code sw.bundle.js} at its top. Reporter
 * role. The first viewer of a version is kept: a later {@code PUT} of the same version answers 200 with it and
 * stores nothing.
 */
public final class TraceViewerRoutes {

  static final long MAX_BODY_BYTES = 20L << 20;
  static final int MAX_ENTRIES = 500;
  static final long MAX_ENTRY_BYTES = 10L << 20;
  static final long MAX_TOTAL_BYTES = 50L << 20;
  private static final Logger logger = LoggerFactory.getLogger(TraceViewerRoutes.class);

  private final Vertx vertx;
  private final ArtifactStore store;
  private final FileStorage files;
  private final Path tempRoot;

  public TraceViewerRoutes(Vertx vertx, ArtifactStore store, FileStorage files, AppConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.files = files;
    this.tempRoot = config.dataDir().resolve("uploads-tmp").toAbsolutePath().normalize();
  }

  public void mount(Router router, Guard guard) {
    // Trace viewers
    guard.protect(router.get("/api/trace-viewers/:version"), Access.REPORTER).handler(this::get);
    guard.protect(router.put("/api/trace-viewers/:version"), Access.REPORTER).handler(this::put);
  }

  private static String version(RoutingContext ctx) {
    String version = ctx.pathParam("version");
    if (version == null || !TraceViewer.VERSION.matcher(version).matches()) {
      throw ApiException.validation("version", "The version must be a Playwright version such as 1.65.1 (digits, "
        + "dots, an optional -suffix of letters, digits, '.' and '-').");
    }
    return version;
  }

  private static JsonObject json(TraceViewer viewer) {
    return new JsonObject().put("version", viewer.version()).put("entries", viewer.entryCount())
      .put("size", viewer.sizeBytes()).put("createdAt", viewer.createdAt().toInstant().toString());
  }

  private void get(RoutingContext ctx) {
    String version = version(ctx);
    store.traceViewer(version).onSuccess(viewer -> {
      if (viewer == null) {
        ctx.fail(ApiException.notFound("No trace viewer of Playwright " + version + "."));
      } else {
        Responses.sendJson(ctx, 200, json(viewer));
      }
    }).onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String version;
    String fileName;
    try {
      version = version(ctx);
      fileName = fileName(request);
    } catch (ApiException refused) {
      refuse(ctx, refused);
      return;
    }
    store.traceViewer(version).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture(existing);
      }
      String id = UUID.randomUUID().toString();
      Path body = tempRoot.resolve(id + "-" + fileName);
      Path extracted = tempRoot.resolve(id + ".viewer");
      return receive(request, body)
        .compose(v -> vertx.executeBlocking(() -> extract(body, fileName, extracted), false))
        .compose(size -> store.addTraceViewer(version, size.entries(), size.bytes(),
          viewer -> place(viewer, extracted)))
        .compose(added -> added != null ? Future.succeededFuture(added) : store.traceViewer(version))
        .onSuccess(viewer -> logger.info("Trace viewer of Playwright {} stored ({} entries, {} bytes)", version,
          viewer.entryCount(), viewer.sizeBytes()))
        .eventually(() -> vertx.executeBlocking(() -> {
          deleteTree(body);
          deleteTree(extracted);
          return null;
        }, false).otherwiseEmpty());
    }).onSuccess(viewer -> {
      // Already there: the body is not needed, and is read and dropped.
      drain(request);
      Responses.sendJson(ctx, 200, json(viewer));
    }).onFailure(e -> refuse(ctx, e));
  }

  /** Stores the viewer's files; what a failed put stored part of (in a bucket) is removed again. */
  private Future<Void> place(TraceViewer viewer, Path extracted) {
    return files.put(viewer.asArtifact(), extracted).recover(e -> files.remove(viewer.asArtifact())
      .transform(removed -> Future.failedFuture(e)));
  }

  /** The archive's format by {@code Content-Type}; 413 early when {@code Content-Length} is over the limit. */
  private static String fileName(HttpServerRequest request) {
    String type = request.getHeader("Content-Type") == null ? ""
      : request.getHeader("Content-Type").toLowerCase(Locale.ROOT).split(";")[0].trim();
    String fileName = switch (type) {
      case "application/gzip", "application/x-gzip" -> "viewer.gz";
      case "application/zip" -> "viewer.zip";
      default -> throw ApiException.unsupportedMediaType("The trace viewer is sent as application/gzip (the "
        + "Playwright-dashboard archive) or application/zip.");
    };
    String length = request.getHeader("Content-Length");
    if (length != null && length.matches("\\d{1,19}") && Long.parseLong(length) > MAX_BODY_BYTES) {
      throw tooLarge();
    }
    return fileName;
  }

  /** Answers the failure once the client may read it: what is left of the body is read and dropped. */
  private static void refuse(RoutingContext ctx, Throwable failure) {
    drain(ctx.request());
    ctx.fail(failure);
  }

  private static void drain(HttpServerRequest request) {
    if (!request.isEnded()) {
      request.exceptionHandler(e -> { });
      request.endHandler(null);
      request.handler(chunk -> { });
      request.resume();
    }
  }

  private static ApiException tooLarge() {
    return ApiException.tooLarge("A trace viewer archive is at most " + MAX_BODY_BYTES + " bytes.");
  }

  /** The request body into {@code target}, under backpressure; fails with 413 past {@link #MAX_BODY_BYTES}. */
  private Future<Void> receive(HttpServerRequest request, Path target) {
    return vertx.fileSystem().mkdirs(tempRoot.toString())
      .compose(v -> vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreateNew(true)))
      .compose(file -> copy(request, file));
  }

  private static Future<Void> copy(HttpServerRequest request, AsyncFile file) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    request.handler(chunk -> {
      received[0] += chunk.length();
      if (received[0] > MAX_BODY_BYTES) {
        request.handler(null);
        request.pause();
        file.close().onComplete(closed -> done.tryFail(tooLarge()));
        return;
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        request.pause();
        file.drainHandler(v -> request.resume());
      }
    });
    request.exceptionHandler(e -> {
      file.close();
      done.tryFail(e);
    });
    request.endHandler(v -> file.close().onComplete(done));
    request.resume();
    return done.future();
  }

  private record Extracted(int entries, long bytes) {
  }

  /** Extracts the archive (refusing what could leave the folder) and checks that it is a trace viewer. */
  private static Extracted extract(Path body, String fileName, Path target) throws IOException {
    Archives.Budget budget = new Archives.Budget();
    int entries;
    try {
      entries = Archives.extract(body, fileName, target, "body",
        new Archives.Limits(MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES), budget);
    } catch (IOException e) {
      throw ApiException.validation("body", "The trace viewer archive cannot be read: " + e.getMessage());
    }
    for (String required : new String[] {"index.html", "sw.bundle.js"}) {
      if (!Files.isRegularFile(target.resolve(required), LinkOption.NOFOLLOW_LINKS)) {
        throw ApiException.validation("body", "The archive is not Playwright's trace viewer: it has no " + required
          + " at its top (send the folder lib/vite/traceViewer of playwright-core).");
      }
    }
    return new Extracted(entries, budget.bytes());
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
