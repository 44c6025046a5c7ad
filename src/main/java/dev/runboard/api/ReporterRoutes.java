package dev.runboard.api;

import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /runboard-reporter.tgz}: the reporter of this server's build ({@link ReporterPackage}), public, so
 * that a CI job can run {@code npm i -D https://runboard.example.com/runboard-reporter.tgz} (npm sends no
 * credentials; the package holds no secret). {@code HEAD} answers the same without the body; a matching
 * {@code If-None-Match} answers 304.
 */
public final class ReporterRoutes {

  static final String PATH = "/runboard-reporter.tgz";
  private static final Logger logger = LoggerFactory.getLogger(ReporterRoutes.class);

  private final ReporterPackage reporter;
  private final Buffer tarball;

  private ReporterRoutes(ReporterPackage reporter) {
    this.reporter = reporter;
    this.tarball = reporter == null ? null : Buffer.buffer(reporter.tarball());
  }

  /** Packs the reporter (once per process, on a worker thread). */
  public static Future<ReporterRoutes> create(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      ReporterPackage reporter = ReporterPackage.get();
      if (reporter == null) {
        logger.warn("This build has no reporter on its classpath ({}/): {} answers 404", ReporterPackage.ROOT, PATH);
      }
      return new ReporterRoutes(reporter);
    }, false);
  }

  public void mount(Router router, Guard guard) {
    // Reporter
    guard.protect(router.route(PATH).method(HttpMethod.GET).method(HttpMethod.HEAD), Access.PUBLIC)
      .handler(this::download);
  }

  private void download(RoutingContext ctx) {
    if (reporter == null) {
      Responses.sendError(ctx, ApiException.notFound("This build of Runboard has no packed reporter."));
      return;
    }
    var response = ctx.response()
      .putHeader("Content-Type", "application/gzip")
      .putHeader("Content-Disposition", "attachment; filename=\"runboard-reporter-" + reporter.version() + ".tgz\"")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("ETag", reporter.etag());
    if (reporter.etag().equals(ctx.request().getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader("Content-Length", String.valueOf(tarball.length()));
    if (ctx.request().method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.end(tarball);
    }
  }
}
