package dev.runboard;

import dev.runboard.api.Dashboard;
import dev.runboard.api.FileRoutes;
import dev.runboard.api.ReadRoutes;
import dev.runboard.api.ReporterRoutes;
import dev.runboard.auth.Access;
import dev.runboard.auth.AuthRoutes;
import dev.runboard.auth.Guard;
import dev.runboard.auth.SigningKeyRoutes;
import dev.runboard.config.AppConfig;
import dev.runboard.files.FileServer;
import dev.runboard.health.HealthRoutes;
import dev.runboard.ingest.ImportRoutes;
import dev.runboard.ingest.IngestRoutes;
import dev.runboard.ingest.TraceViewerRoutes;
import dev.runboard.ingest.UploadRoutes;
import dev.runboard.store.FileStorage;
import dev.runboard.stream.StreamRoutes;
import dev.runboard.web.ApiException;
import dev.runboard.web.FailureHandler;
import dev.runboard.web.Responses;
import dev.runboard.webhooks.WebhookRoutes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP servers and the composition root of a node: one instance per event loop ({@code http.instances}), all
 * sharing the ports. Each instance builds the shared {@link Services} once, hands them to every area's routes
 * and mounts those on one router: health, metrics, then the API, with the dashboard ({@code webroot/}) last.
 * A second listener, the files origin ({@code files.port}), serves stored files by signed URL and nothing else
 * ({@link FileServer}); it listens first, so that file URLs name its actual port.
 *
 * <p>Reads {@code http.*}, {@code files.*}, {@code db.*} and {@code metrics.enabled}. On undeploy it stops accepting
 * connections and gives in-flight requests up to {@code http.shutdownTimeout} to finish. The actual ports are
 * published in the local map {@link #LOCAL_MAP} (useful when {@code http.port} or {@code files.port} is 0).
 */
public class HttpVerticle extends VerticleBase {

  static final String LOCAL_MAP = "runboard.http";
  static final String ACTUAL_PORT = "port";
  static final String ACTUAL_FILES_PORT = "filesPort";

  private final PrometheusMeterRegistry metrics;
  private final FileStorage files;
  private AppConfig config;
  private HttpServer server;
  private HttpServer filesServer;

  /** @param files the node's file storage, shared by every instance (the node starts and stops it) */
  HttpVerticle(PrometheusMeterRegistry metrics, FileStorage files) {
    this.metrics = metrics;
    this.files = files;
  }

  @Override
  public Future<?> start() {
    config = AppConfig.from(config());
    return Services.create(vertx, config, metrics, files).compose(services -> {
      FileServer fileServer = new FileServer(services.stores().artifacts(), services.files(),
        services.capabilities(), config);
      // Byte ranges are of the stored files: the files origin never compresses.
      filesServer = vertx.createHttpServer(serverOptions().setCompressionSupported(false));
      return filesServer.requestHandler(fileServer.router(vertx))
        .listen(shared(config.filesPort(), -2), config.httpHost())
        .recover(e -> Future.failedFuture(new IllegalStateException("The files origin cannot listen on "
          + config.httpHost() + ":" + config.filesPort() + " (" + AppConfig.FILES_PORT + "): " + e.getMessage(), e)))
        .compose(listening -> {
          services.links().listening(listening.actualPort());
          return router(services);
        })
        .compose(router -> {
          server = vertx.createHttpServer(serverOptions().setCompressionSupported(true));
          return server.requestHandler(router).listen(shared(config.httpPort(), -1), config.httpHost());
        })
        .onSuccess(listening -> {
          fileServer.dashboardListening(listening.actualPort());
          vertx.sharedData().getLocalMap(LOCAL_MAP).put(ACTUAL_PORT, listening.actualPort());
          vertx.sharedData().getLocalMap(LOCAL_MAP).put(ACTUAL_FILES_PORT, filesServer.actualPort());
        });
    });
  }

  /**
   * Several instances listening on port 0 would each get their own port; a negative port makes those with the same
   * value share one random port (one value per listener).
   */
  private int shared(int port, int sharedRandom) {
    return port == 0 && config.httpInstances() > 1 ? sharedRandom : port;
  }

  /**
   * Both listeners' options. Runboard serves no WebSocket: with WebSocket compression off, Vert.x leaves out the
   * WebSocket extension handler (and its two handshakers) that it otherwise puts in every HTTP/1 connection's
   * pipeline, where it looks at every response write; an idle live stream holds one connection for hours.
   */
  private HttpServerOptions serverOptions() {
    return new HttpServerOptions().setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeoutMs()))
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
      .setPerFrameWebSocketCompressionSupported(false)
      .setPerMessageWebSocketCompressionSupported(false);
  }

  /** Every route of the node; the access matrix test lists them from here. */
  static Future<Router> router(Services services) {
    var vertx = services.vertx();
    var config = services.config();
    var stores = services.stores();
    Future<ReadRoutes> reads = ReadRoutes.create(vertx, services.pool(), services.files(), services.events(),
      services.links(), config);
    Future<StreamRoutes> streams = StreamRoutes.create(vertx, stores.eventLog(), services.links(), config);
    Future<ReporterRoutes> reporter = ReporterRoutes.create(vertx);
    Future<WebhookRoutes> webhooks = WebhookRoutes.create(vertx, services.pool(), config);
    Future<SigningKeyRoutes> signingKeys = SigningKeyRoutes.create(vertx, services.pool(), services.capabilities(),
      services.events());
    return Future.all(List.of(reads, streams, reporter, webhooks, signingKeys)).map(started -> {
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
      signingKeys.result().mount(router, guard);
      new IngestRoutes(stores.runs(), services.events(), config).mount(router, guard);
      new ImportRoutes(vertx, stores.runs(), services.events(), config).mount(router, guard);
      new UploadRoutes(vertx, stores.runs(), services.files(), services.events(), services.links(), config)
        .mount(router, guard);
      new FileRoutes(stores.artifacts(), services.links()).mount(router, guard);
      new TraceViewerRoutes(vertx, stores.artifacts(), services.files(), config).mount(router, guard);
      streams.result().mount(router, guard);
      reads.result().mount(router, guard);
      reporter.result().mount(router, guard);
      webhooks.result().mount(router, guard);

      guard.protect(router.route("/api/*"), Access.PUBLIC)
        .handler(ctx -> Responses.sendError(ctx, ApiException.notFound("No such API route.")));
      Dashboard.mount(router, services.links());
      return router;
    });
  }

  @Override
  public Future<?> stop() {
    return Future.all(shutdown(server), shutdown(filesServer));
  }

  private Future<Void> shutdown(HttpServer listener) {
    return listener == null ? Future.succeededFuture()
      : listener.shutdown(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
  }
}
