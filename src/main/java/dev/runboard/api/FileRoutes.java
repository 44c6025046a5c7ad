package dev.runboard.api;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.store.ArtifactStore;
import dev.runboard.web.ApiException;
import dev.runboard.web.EntryPaths;
import dev.runboard.web.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The files' API addresses, for API clients with credentials: {@code GET /api/files/{artifactId}/<path>} (viewer
 * role) answers {@code 307} to the signed URL of the same file on the files origin (see {@link FileUrls}; the files
 * themselves are never served from the dashboard's origin), with {@code {"url", "expiresAt"}} in the body. For a
 * report the path names an entry ({@code index.html} by default); a single file is at its own name or an empty path.
 * A path that leaves the report is 400, an unknown file or another name of a single file 404.
 */
public final class FileRoutes {

  private final ArtifactStore store;
  private final FileUrls urls;

  public FileRoutes(ArtifactStore store, FileUrls urls) {
    this.store = store;
    this.urls = urls;
  }

  public void mount(Router router, Guard guard) {
    // Files
    guard.protect(router.get("/api/files/:artifactId"), Access.VIEWER).handler(this::redirect);
    guard.protect(router.get("/api/files/:artifactId/*"), Access.VIEWER).handler(this::redirect);
  }

  private void redirect(RoutingContext ctx) {
    long id = Long.parseLong(ctx.pathParam("artifactId"));
    String raw = ctx.pathParam("*") == null ? "" : ctx.pathParam("*");
    String rest = EntryPaths.relative(EntryPaths.decode(raw));
    store.find(id).map(artifact -> {
      if (artifact == null) {
        throw ApiException.notFound("No file " + id + ".");
      }
      if (artifact.archive()) {
        return urls.entry(id, raw, ctx.request().scheme(), ctx.request().getHeader("Host"));
      }
      if (!rest.isEmpty() && !rest.equals(artifact.fileName())) {
        throw ApiException.notFound("File " + id + " is a single file, named " + artifact.fileName() + ".");
      }
      String name = URLEncoder.encode(artifact.fileName(), StandardCharsets.UTF_8).replace("+", "%20");
      return urls.entry(id, name, ctx.request().scheme(), ctx.request().getHeader("Host"));
    }).onSuccess(signed -> {
      ctx.response().putHeader("Location", signed.url()).putHeader("Cache-Control", "no-store");
      Responses.sendJson(ctx, 307, new JsonObject().put("url", signed.url()).put("expiresAt", signed.expiresAt()));
    }).onFailure(ctx::fail);
  }
}
