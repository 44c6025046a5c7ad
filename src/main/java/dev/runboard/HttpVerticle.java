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
import dev.runboard.store.FileStorage;
import dev.runboard.stream.StreamRoutes;
import dev.runboard.web.ApiException;
import dev.runboard.web.FailureHandler;
import dev.runboard.web.Responses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP server and the composition root of a node: one instance per event loop ({@code http.instances}), all
 * sharing one port. Each instance builds the shared {@link Services} once, hands them to every area's routes
 * and mounts those on one router: health, metrics, then the API, with the dashboard ({@code webroot/}) last.
 *
 * <p>Reads {@code http.*}, {@code db.*} and {@code metrics.enabled}. On undeploy it stops accepting connections
 * and gives in-flight requests up to {@code http.shutdownTimeout} to finish. The actual port is published in the
 * local map {@link #LOCAL_MAP} (useful when {@code http.port} is 0).
 */
public class HttpVerticle extends VerticleBase {

  static final String LOCAL_MAP = "runboard.http";
  static final String ACTUAL_PORT = "port";

  private final PrometheusMeterRegistry metrics;
  private final FileStorage files;
  private AppConfig config;
  private HttpServer server;

  /** @param files the node's file storage, shared by every instance (the node starts and stops it) */
  HttpVerticle(PrometheusMeterRegistry metrics, FileStorage files) {
    this.metrics = metrics;
    this.files = files;
  }

  @Override
  public Future<?> start() {
    config = AppConfig.from(config());
    return Services.create(vertx, config, metrics, files).compose(HttpVerticle::router).compose(router -> {
      // Several instances listening on port 0 would each get their own port; -1 makes them share one.
      int port = config.httpPort() == 0 && config.httpInstances() > 1 ? -1 : config.httpPort();
      server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeoutMs()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
      return server.requestHandler(router).listen(port, config.httpHost());
    }).onSuccess(s -> vertx.sharedData().getLocalMap(LOCAL_MAP).put(ACTUAL_PORT, s.actualPort()));
  }

  /** Every route of the node; the access matrix test lists them from here. */
  static Future<Router> router(Services services) {
    var vertx = services.vertx();
    var config = services.config();
    var stores = services.stores();
    Future<ReadRoutes> reads = ReadRoutes.create(vertx, services.pool(), services.files(), services.events(),
      services.links());
    Future<StreamRoutes> streams = StreamRoutes.create(vertx, stores.eventLog(), services.links(), config);
    return Future.all(reads, streams).map(started -> {
      Guard guard = services.accounts().guard();
      Router router = Router.router(vertx);
      router.route().failureHandler(new FailureHandler());
      router.errorHandler(400, FailureHandler::malformedTarget);
      guard.protect(router.route("/health/*"), Access.PUBLIC).subRouter(HealthRoutes.router(vertx, stores.schema()));
      if (services.metrics() != null) {
        guard.protect(router.get("/metrics"), Access.PUBLIC)
          .handler(PrometheusScrapingHandler.create(services.metrics()));
      }
      // Areas: each mounts its own routes, every one through guard.protect.
      new AuthRoutes(services.accounts()).mount(router, guard);
      new IngestRoutes(stores.runs(), services.events(), config).mount(router, guard);
      new UploadRoutes(vertx, stores.runs(), services.files(), services.events(), services.links(), config)
        .mount(router, guard);
      new FileRoutes(stores.artifacts(), services.files(), services.links()).mount(router, guard);
      streams.result().mount(router, guard);
      reads.result().mount(router, guard);

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
