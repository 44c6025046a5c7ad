package dev.runboard.files;

import dev.runboard.auth.FileCapabilities;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.store.ArtifactStore;
import dev.runboard.store.FileStorage;
import dev.runboard.store.StoredArtifact;
import dev.runboard.web.ApiException;
import dev.runboard.web.EntryPaths;
import dev.runboard.web.FailureHandler;
import dev.runboard.web.RequestHost;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.MimeMapping;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files origin: what the second HTTP listener ({@code files.port}, public as {@code files.publicUrl}) serves,
 * and all it serves. {@code GET} or {@code HEAD /c/<capability>/<artifactId>/<entry path>}: the capability (see
 * {@link FileCapabilities}) grants reading that artifact until it expires; for a report, every entry under it (its
 * {@code index.html} by default), so that the report's relative links stay under the same capability; for a single
 * file, its own name. {@code /v/<capability>/<viewerId>/<entry path>}: a trace viewer's entries (see
 * {@link dev.runboard.store.TraceViewer}), as a report's. No credentials, no cookies (none set, none read), no
 * API, no dashboard.
 *
 * <p>Answers: the bytes (single {@code Range} requests: 206, or 416 when unsatisfiable), or 400 (bad id or path),
 * 403 (a capability that is malformed, forged, for another artifact, expired or signed by a retired key: a short
 * plain-text body that does not say which), 404 (no such artifact or entry), 405 (another method). Every file
 * carries {@code X-Content-Type-Options: nosniff}, {@code Referrer-Policy: no-referrer}, a private
 * {@code Cache-Control} that ends with the capability, {@code Content-Security-Policy: frame-ancestors} this origin
 * and the dashboard's (single files are also {@code sandbox}ed: they need no scripts), a
 * {@code Cross-Origin-Resource-Policy} ({@code same-origin} for report entries, {@code cross-origin} for single
 * files, which the dashboard may embed) and {@code Cross-Origin-Opener-Policy: same-origin}. Content types: by
 * extension for report entries, as declared at upload for single files.
 *
 * <p>Reads {@code http.publicUrl}, {@code files.publicUrl} and {@code http.port} (the dashboard's origin).
 */
public final class FileServer {

  static final String FORBIDDEN_TEXT =
    "This link is not valid, or it has expired. Open the file again from Runboard.\n";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  private final ArtifactStore store;
  private final FileStorage files;
  private final FileCapabilities capabilities;
  private final String configuredDashboard;
  private final boolean filesOriginConfigured;
  private volatile int dashboardPort;

  public FileServer(ArtifactStore store, FileStorage files, FileCapabilities capabilities, AppConfig config) {
    this.store = store;
    this.files = files;
    this.capabilities = capabilities;
    this.configuredDashboard = config.publicUrl().isEmpty() ? null : originOf(config.publicUrl());
    this.filesOriginConfigured = !config.filesPublicUrl().isEmpty();
    this.dashboardPort = config.httpPort();
  }

  /** The dashboard's actual port, once it listens (when {@code http.port} is 0). */
  public void dashboardListening(int port) {
    this.dashboardPort = port;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().failureHandler(new FailureHandler());
    router.errorHandler(400, FailureHandler::malformedTarget);
    router.route().handler(FileServer::baseHeaders);
    // Files, by capability
    router.route("/c/:capability/:artifactId").handler(this::serve);
    router.route("/c/:capability/:artifactId/*").handler(this::serve);
    // Trace viewers, by capability: served as report entries
    router.route("/v/:capability/:viewerId").handler(this::serveViewer);
    router.route("/v/:capability/:viewerId/*").handler(this::serveViewer);
    router.route().handler(ctx -> ctx.fail(ApiException.notFound("No such file.")));
    return router;
  }

  /** On every answer, errors included: nothing is sniffed, nothing leaks through a Referer, nothing is stored. */
  private static void baseHeaders(RoutingContext ctx) {
    ctx.response()
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Referrer-Policy", "no-referrer")
      .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  /** A file to send: the stored entry, its content type, and whether it is part of a report. */
  private record Target(FileStorage.Entry entry, String contentType, boolean reportEntry) {
  }

  private void serve(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      ctx.response().putHeader("Allow", "GET, HEAD");
      throw new ApiException(405, "method_not_allowed", "Files are read with GET or HEAD.", null);
    }
    Long id = Guard.parseId(ctx.pathParam("artifactId"));
    if (id == null) {
      throw ApiException.validation("artifactId", "The file id must be a positive integer.");
    }
    String rest = EntryPaths.relative(EntryPaths.decode(ctx.pathParam("*") == null ? "" : ctx.pathParam("*")));
    capabilities.verify(ctx.pathParam("capability"), id).compose(expiry -> {
      if (expiry == null) {
        return sendForbidden(ctx);
      }
      return store.find(id).compose(artifact -> {
        if (artifact == null) {
          throw ApiException.notFound("No such file.");
        }
        if (artifact.archive() && rest.isEmpty() && !ctx.request().path().endsWith("/")) {
          // The report's relative links need the folder's trailing slash; relative, to stay under the capability.
          return ctx.response().setStatusCode(302).putHeader("Location", id + "/").end();
        }
        return resolve(artifact, rest).compose(target -> send(ctx, target, expiry));
      });
    }).onFailure(ctx::fail);
  }

  /**
   * A trace viewer's entry ({@code index.html} by default): its capability is of the viewer's own domain, and it is
   * served exactly as a report's entry, so that its service worker (registered from the viewer's folder) may read
   * traces from {@code /c/…} URLs of the same origin.
   */
  private void serveViewer(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      ctx.response().putHeader("Allow", "GET, HEAD");
      throw new ApiException(405, "method_not_allowed", "Files are read with GET or HEAD.", null);
    }
    Long id = Guard.parseId(ctx.pathParam("viewerId"));
    if (id == null) {
      throw ApiException.validation("viewerId", "The viewer id must be a positive integer.");
    }
    String rest = EntryPaths.relative(EntryPaths.decode(ctx.pathParam("*") == null ? "" : ctx.pathParam("*")));
    capabilities.verifyTraceViewer(ctx.pathParam("capability"), id).compose(expiry -> {
      if (expiry == null) {
        return sendForbidden(ctx);
      }
      return store.findTraceViewer(id).compose(viewer -> {
        if (viewer == null) {
          throw ApiException.notFound("No such trace viewer.");
        }
        if (rest.isEmpty() && !ctx.request().path().endsWith("/")) {
          return ctx.response().setStatusCode(302).putHeader("Location", id + "/").end();
        }
        return resolve(viewer.asArtifact(), rest).compose(target -> send(ctx, target, expiry));
      });
    }).onFailure(ctx::fail);
  }

  private static Future<Void> sendForbidden(RoutingContext ctx) {
    return ctx.response().setStatusCode(403).putHeader("Content-Type", "text/plain; charset=utf-8")
      .end(FORBIDDEN_TEXT);
  }

  private Future<Target> resolve(StoredArtifact artifact, String rest) {
    if (!artifact.archive() && !rest.isEmpty() && !rest.equals(artifact.fileName())) {
      throw ApiException.notFound("No such file.");
    }
    return files.find(artifact, artifact.archive() ? rest : "").map(found -> {
      if (found == null) {
        throw ApiException.notFound(artifact.archive() ? "The report has no such entry." : "No such file.");
      }
      String type = artifact.archive() ? MimeMapping.mimeTypeForFilename(found.name()) : artifact.contentType();
      return new Target(found, withCharset(type == null ? "application/octet-stream" : type), artifact.archive());
    });
  }

  private Future<Void> send(RoutingContext ctx, Target target, Instant expiry) {
    long maxAge = Math.max(0, expiry.getEpochSecond() - Instant.now().getEpochSecond());
    String framing = "frame-ancestors 'self'" + dashboardOrigin(ctx).map(o -> " " + o).orElse("");
    HttpServerResponse response = ctx.response()
      .putHeader("Content-Type", target.contentType())
      .putHeader("Cache-Control", "private, max-age=" + maxAge + ", immutable")
      .putHeader("Content-Security-Policy", target.reportEntry() ? framing : "sandbox; " + framing)
      .putHeader("Cross-Origin-Resource-Policy", target.reportEntry() ? "same-origin" : "cross-origin")
      .putHeader("Cross-Origin-Opener-Policy", "same-origin")
      .putHeader("Accept-Ranges", "bytes");
    long size = target.entry().size();
    long[] range;
    try {
      range = range(ctx.request().getHeader("Range"), size);
    } catch (ApiException unsatisfiable) {
      response.putHeader("Content-Range", "bytes */" + size).putHeader("Cache-Control", "no-store");
      return Responses.sendJson(ctx, 416, new JsonObject().put("error", "range_not_satisfiable")
        .put("message", unsatisfiable.getMessage()));
    }
    long first = range == null ? 0 : range[0];
    long length = range == null ? size : range[1] - range[0] + 1;
    if (range != null) {
      response.setStatusCode(206).putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
    }
    response.putHeader("Content-Length", Long.toString(length));
    if (ctx.request().method() == HttpMethod.HEAD || length == 0) {
      return response.end();
    }
    return files.read(target.entry(), first, length).compose(stream -> stream.pipeTo(response));
  }

  /**
   * The dashboard's origin, which may frame files: {@code http.publicUrl}, or, when neither public URL is set, the
   * host this request came to on the dashboard's port; unknown (only this origin may frame) when only
   * {@code files.publicUrl} is set.
   */
  private Optional<String> dashboardOrigin(RoutingContext ctx) {
    if (configuredDashboard != null) {
      return Optional.of(configuredDashboard);
    }
    String host = RequestHost.hostname(ctx.request().getHeader("Host"));
    if (filesOriginConfigured || host == null || dashboardPort == 0) {
      return Optional.empty();
    }
    return Optional.of(RequestHost.origin(ctx.request().scheme(), host, dashboardPort));
  }

  private static String originOf(String url) {
    URI uri = URI.create(url);
    return RequestHost.origin(uri.getScheme().toLowerCase(Locale.ROOT), uri.getHost().toLowerCase(Locale.ROOT),
      uri.getPort() == -1 ? ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80) : uri.getPort());
  }

  /**
   * The single byte range of a {@code Range} header as {@code [first, last]}, or null to send the whole file
   * (no header, a malformed one, or several ranges). Throws when the range starts past the end.
   */
  static long[] range(String header, long size) {
    if (header == null) {
      return null;
    }
    Matcher m = RANGE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return null;
    }
    try {
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0 || size == 0) {
          throw new ApiException(416, "range_not_satisfiable", "The range is empty.", null);
        }
        return new long[] {Math.max(0, size - suffix), size - 1};
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < first) {
        return null;
      }
      if (first >= size) {
        throw new ApiException(416, "range_not_satisfiable", "The range starts after the file's " + size
          + " bytes.", null);
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String withCharset(String type) {
    String lower = type.toLowerCase(Locale.ROOT);
    boolean text = lower.startsWith("text/") || lower.equals("application/javascript")
      || lower.equals("application/json") || lower.endsWith("+xml") || lower.endsWith("+json");
    return text && !lower.contains("charset") ? type + "; charset=utf-8" : type;
  }
}
