package dev.runboard.api;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.store.ArtifactStore;
import dev.runboard.store.FileStorage;
import dev.runboard.store.StoredArtifact;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.MimeMapping;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
 * opaque origin and never with the dashboard's cookies. Files are read through {@link FileStorage}, which resolves
 * paths inside the artifact's folder only.
 */
public final class FileRoutes {

  static final String REPORT_POLICY = "sandbox allow-scripts allow-popups allow-forms";
  static final String FILE_POLICY = "sandbox";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  private final ArtifactStore store;
  private final FileStorage files;
  private final FileUrls urls;

  public FileRoutes(ArtifactStore store, FileStorage files, FileUrls urls) {
    this.store = store;
    this.files = files;
    this.urls = urls;
  }

  public void mount(Router router, Guard guard) {
    // Files
    guard.protect(router.get("/api/files/:artifactId"), Access.VIEWER).handler(this::serveFile);
    guard.protect(router.get("/api/files/:artifactId/*"), Access.VIEWER).handler(this::serveFile);
  }

  /** A file to send: the stored entry and how it is labelled. */
  private record Target(FileStorage.Entry entry, String contentType, String policy) {
  }

  private void serveFile(RoutingContext ctx) {
    long id = Long.parseLong(ctx.pathParam("artifactId"));
    String rest = ctx.pathParam("*") == null ? "" : decodePath(ctx.pathParam("*"));
    store.find(id).compose(artifact -> {
      if (artifact == null) {
        throw ApiException.notFound("No file " + id + ".");
      }
      if (artifact.archive() && rest.isEmpty() && !ctx.request().path().endsWith("/")) {
        // The report's relative links need the folder's trailing slash.
        ctx.response().setStatusCode(302).putHeader("Location", FileUrls.PREFIX + id + "/").end();
        return Future.succeededFuture();
      }
      return resolve(artifact, rest).compose(target -> send(ctx, target));
    }).onFailure(ctx::fail);
  }

  private Future<Target> resolve(StoredArtifact artifact, String rest) {
    String policy = "report".equals(artifact.kind()) ? REPORT_POLICY : FILE_POLICY;
    if (!artifact.archive() && !rest.isEmpty() && !rest.equals(artifact.fileName())) {
      throw ApiException.notFound("File " + artifact.id() + " is a single file: "
        + urls.link(artifact.toFile()).url());
    }
    String entry = artifact.archive() ? relative(rest) : "";
    return files.find(artifact, entry).map(found -> {
      if (found == null) {
        throw ApiException.notFound(artifact.archive()
          ? "Report " + artifact.id() + " has no entry " + (entry.isEmpty() || entry.endsWith("/")
            ? entry + "index.html" : entry) + "."
          : "File " + artifact.id() + " is missing from the storage.");
      }
      String type = artifact.archive() ? MimeMapping.mimeTypeForFilename(found.name()) : artifact.contentType();
      return new Target(found, withCharset(type == null ? "application/octet-stream" : type), policy);
    });
  }

  /** A URL path as the entry name it encodes: percent-escapes decoded as UTF-8 (a malformed one is 400). */
  static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
      if (lo < 0) {
        throw ApiException.validation("path", "The path has a malformed percent-escape.");
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw ApiException.validation("path", "The path's percent-escapes are not UTF-8.");
    }
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

  private Future<Void> send(RoutingContext ctx, Target target) {
    HttpServerResponse response = ctx.response()
      .putHeader("Content-Type", target.contentType())
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Content-Security-Policy", target.policy())
      .putHeader("Referrer-Policy", "no-referrer")
      .putHeader("Cache-Control", "private, max-age=3600")
      .putHeader("Accept-Ranges", "bytes")
      // Byte ranges are of the stored file: never let the server compress it on the way.
      .putHeader("Content-Encoding", "identity");
    long size = target.entry().size();
    long[] range;
    try {
      range = range(ctx.request().getHeader("Range"), size);
    } catch (ApiException unsatisfiable) {
      response.putHeader("Content-Range", "bytes */" + size).putHeader("Content-Type",
        "application/json; charset=utf-8");
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
