package dev.runboard;

import dev.runboard.api.Dashboard;
import dev.runboard.api.FileRoutes;
import dev.runboard.api.ReadRoutes;
import dev.runboard.auth.Access;
import dev.runboard.auth.AuthRoutes;
import dev.runboard.auth.Guard;
import dev.runboard.config.AppConfig;
import dev.runboard.health.HealthRoutes;
import dev.runboard.ingest.IngestRoutes;
import dev.runboard.ingest.UploadRoutes;
import dev.runboard.stream.StreamRoutes;
import dev.runboard.store.Pools;
import dev.runboard.store.Schema;
import dev.runboard.web.ApiException;
import dev.runboard.web.FailureHandler;
import dev.runboard.web.Responses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP server: one instance per event loop ({@code http.instances}), all sharing one port. It mounts each
 * area's routes on one router: health, metrics, then the API, with the dashboard ({@code webroot/}) last.
 *
 * <p>Reads {@code http.*}, {@code db.*} and {@code metrics.enabled}. On undeploy it stops accepting connections
 * and gives in-flight requests up to {@code http.shutdownTimeout} to finish. The actual port is published in the
 * local map {@link #LOCAL_MAP} (useful when {@code http.port} is 0).
 */
public class HttpVerticle extends VerticleBase {

  static final String LOCAL_MAP = "runboard.http";
  static final String ACTUAL_PORT = "port";

  private final PrometheusMeterRegistry metrics;
  private AppConfig config;
  private HttpServer server;

  HttpVerticle(PrometheusMeterRegistry metrics) {
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    config = AppConfig.from(config());
    return router(vertx, config, Pools.shared(vertx, config), metrics).compose(router -> {
      // Several instances listening on port 0 would each get their own port; -1 makes them share one.
      int port = config.httpPort() == 0 && config.httpInstances() > 1 ? -1 : config.httpPort();
      server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeoutMs()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
      return server.requestHandler(router).listen(port, config.httpHost());
    }).onSuccess(s -> vertx.sharedData().getLocalMap(LOCAL_MAP).put(ACTUAL_PORT, s.actualPort()));
  }

  /** Every route of the node; the access matrix test lists them from here. */
  static Future<Router> router(Vertx vertx, AppConfig config, Pool pool, PrometheusMeterRegistry metrics) {
    return Future.all(Schema.create(vertx, pool), Guard.create(vertx, pool, config),
      IngestRoutes.create(vertx, pool, config), AuthRoutes.create(vertx, pool, config),
      StreamRoutes.create(vertx, pool, config),
      Future.all(UploadRoutes.create(vertx, pool, config), FileRoutes.create(vertx, pool, config),
        ReadRoutes.create(vertx, pool, config))).map(areas -> {
      Schema schema = areas.resultAt(0);
      Guard guard = areas.resultAt(1);
      IngestRoutes ingest = areas.resultAt(2);
      AuthRoutes auth = areas.resultAt(3);
      StreamRoutes stream = areas.resultAt(4);
      CompositeFuture files = areas.resultAt(5);
      UploadRoutes uploads = files.resultAt(0);
      FileRoutes fileRoutes = files.resultAt(1);
      ReadRoutes reads = files.resultAt(2);
      Router router = Router.router(vertx);
      router.route().failureHandler(new FailureHandler());
      router.errorHandler(400, FailureHandler::malformedTarget);
      guard.protect(router.route("/health/*"), Access.PUBLIC).subRouter(HealthRoutes.router(vertx, schema));
      if (metrics != null) {
        guard.protect(router.get("/metrics"), Access.PUBLIC).handler(PrometheusScrapingHandler.create(metrics));
      }
      // Areas: each mounts its own routes, every one through guard.protect.
      auth.mount(router, guard);
      ingest.mount(router, guard);
      uploads.mount(router, guard);
      fileRoutes.mount(router, guard);
      stream.mount(router, guard);
      reads.mount(router, guard);

      guard.protect(router.route("/api/*"), Access.PUBLIC)
        .handler(ctx -> Responses.sendError(ctx, ApiException.notFound("No such API route.")));
      Dashboard.mount(router);
      return router;
    });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
      : server.shutdown(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
  }
}
