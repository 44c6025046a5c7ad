package dev.runboard.api;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.store.ArtifactStore;
import dev.runboard.store.StoredArtifact;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.MimeMapping;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves stored files: {@code GET /api/files/{artifactId}/<path>} (viewer role). For an extracted report archive
 * the path names an entry ({@code index.html} by default); a single file is served at its own name (or an empty
 * path). Supports single {@code Range} requests (206, 416 when unsatisfiable).
 *
 * <p>Uploaded content is untrusted: every response carries {@code X-Content-Type-Options: nosniff} and a
 * {@code Content-Security-Policy} sandbox without {@code allow-same-origin}, so that a report's scripts run in an
 * opaque origin and never with the dashboard's cookies. Paths are resolved inside the artifact's folder only.
 * Reads {@code storage.dir} (or {@code data.dir}).
 */
public final class FileRoutes {

  private static final Logger logger = LoggerFactory.getLogger(FileRoutes.class);
  static final String REPORT_POLICY = "sandbox allow-scripts allow-popups allow-forms";
  static final String FILE_POLICY = "sandbox";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  private final Vertx vertx;
  private final ArtifactStore store;
  private final Path storage;

  private FileRoutes(Vertx vertx, ArtifactStore store, Path storage) {
    this.vertx = vertx;
    this.store = store;
    this.storage = storage;
  }

  public static Future<FileRoutes> create(Vertx vertx, Pool pool, AppConfig config) {
    return ArtifactStore.create(vertx, pool).map(store -> new FileRoutes(vertx, store,
      config.storageDir().toAbsolutePath().normalize()));
  }

  public void mount(Router router, Guard guard) {
    // Files
    guard.protect(router.get("/api/files/:artifactId"), Access.VIEWER).handler(this::serveFile);
    guard.protect(router.get("/api/files/:artifactId/*"), Access.VIEWER).handler(this::serveFile);
  }

  /** A file to send: where it is, its size and how it is labelled. */
  private record Target(Path path, long size, String contentType, String policy) {
  }

  private void serveFile(RoutingContext ctx) {
    long id = Long.parseLong(ctx.pathParam("artifactId"));
    String rest = ctx.pathParam("*") == null ? "" : ctx.pathParam("*");
    store.find(id).compose(artifact -> {
      if (artifact == null) {
        throw ApiException.notFound("No file " + id + ".");
      }
      if (artifact.archive() && rest.isEmpty() && !ctx.request().path().endsWith("/")) {
        // The report's relative links need the folder's trailing slash.
        ctx.response().setStatusCode(302).putHeader("Location", "/api/files/" + id + "/").end();
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> resolve(artifact, rest), false).map(target -> {
        send(ctx, target);
        return null;
      });
    }).onFailure(ctx::fail);
  }

  private Target resolve(StoredArtifact artifact, String rest) throws IOException {
    Path base = storage.resolve(artifact.storagePath()).normalize();
    if (!base.startsWith(storage)) {
      throw ApiException.notFound("No such file.");
    }
    String policy = "report".equals(artifact.kind()) ? REPORT_POLICY : FILE_POLICY;
    if (!artifact.archive()) {
      if (!rest.isEmpty() && !rest.equals(artifact.fileName())) {
        throw ApiException.notFound("File " + artifact.id() + " is a single file: " + artifact.url());
      }
      if (!Files.isRegularFile(base, LinkOption.NOFOLLOW_LINKS)) {
        throw ApiException.notFound("File " + artifact.id() + " is missing from the storage directory.");
      }
      return new Target(base, Files.size(base), withCharset(artifact.contentType()), policy);
    }
    String inner = rest.isEmpty() || rest.endsWith("/") ? rest + "index.html" : rest;
    Path file = base.resolve(relative(inner)).normalize();
    if (!file.startsWith(base) || file.equals(base)) {
      throw ApiException.validation("path", "The path leaves the report's folder.");
    }
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      file = file.resolve("index.html");
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
      || !file.toRealPath().startsWith(base.toRealPath())) {
      throw ApiException.notFound("Report " + artifact.id() + " has no entry " + inner + ".");
    }
    String type = MimeMapping.mimeTypeForFilename(file.getFileName().toString());
    return new Target(file, Files.size(file), withCharset(type == null ? "application/octet-stream" : type), policy);
  }

  /** A URL path inside a report as a relative path: no {@code ..}, backslash, NUL or absolute path (400). */
  static String relative(String path) {
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0 || path.startsWith("/")
      || path.matches("^[A-Za-z]:.*")) {
      throw ApiException.validation("path", "The path must be a plain relative path inside the report.");
    }
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        throw ApiException.validation("path", "The path leaves the report's folder.");
      }
    }
    return path;
  }

  private void send(RoutingContext ctx, Target target) {
    HttpServerResponse response = ctx.response()
      .putHeader("Content-Type", target.contentType())
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Content-Security-Policy", target.policy())
      .putHeader("Referrer-Policy", "no-referrer")
      .putHeader("Cache-Control", "private, max-age=3600")
      .putHeader("Accept-Ranges", "bytes")
      // Byte ranges are of the stored file: never let the server compress it on the way.
      .putHeader("Content-Encoding", "identity");
    long size = target.size();
    long[] range;
    try {
      range = range(ctx.request().getHeader("Range"), size);
    } catch (ApiException unsatisfiable) {
      response.putHeader("Content-Range", "bytes */" + size).putHeader("Content-Type",
        "application/json; charset=utf-8");
      Responses.sendJson(ctx, 416, new JsonObject().put("error", "range_not_satisfiable")
        .put("message", unsatisfiable.getMessage()));
      return;
    }
    Future<Void> sent;
    if (range == null) {
      sent = response.sendFile(target.path().toString());
    } else {
      long length = range[1] - range[0] + 1;
      response.setStatusCode(206).putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
      sent = response.sendFile(target.path().toString(), range[0], length);
    }
    sent.onFailure(e -> logger.debug("Sending {} failed: {}", target.path(), e.toString()));
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
