package dev.runboard;

import dev.runboard.auth.Accounts;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.maintenance.FailureRollupVerticle;
import dev.runboard.maintenance.RetentionVerticle;
import dev.runboard.maintenance.SweeperVerticle;
import dev.runboard.store.EmbeddedDatabase;
import dev.runboard.store.FileStorage;
import dev.runboard.store.FileStorages;
import dev.runboard.store.MigrationVerticle;
import dev.runboard.store.Pools;
import dev.runboard.webhooks.WebhookVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One Runboard node: the embedded database (unless a URL is configured), Vert.x, the file storage (one per node,
 * checked before anything else: reachable, and in a cluster shared), and its start steps in order: migrations, the
 * configured first administrator, the stuck-run sweeper, the retention job, the webhook sender, then HTTP (whose
 * verticle wires the areas together). {@link #start} returns once the node listens; {@link #stop} takes it down in
 * the reverse order, letting in-flight requests finish first.
 */
public final class Runboard {

  private static final Logger logger = LoggerFactory.getLogger(Runboard.class);
  private static final long STOP_MARGIN_MS = 5_000;

  private final Vertx vertx;
  private final EmbeddedDatabase embedded;
  private final AppConfig config;
  private final FileStorage files;
  private final int port;
  private final int filesPort;
  private String httpDeployment;

  private Runboard(Vertx vertx, EmbeddedDatabase embedded, AppConfig config, FileStorage files, int port,
                   int filesPort, String httpDeployment) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.config = config;
    this.files = files;
    this.port = port;
    this.filesPort = filesPort;
    this.httpDeployment = httpDeployment;
  }

  /** Starts a node and blocks until it listens. Call from a plain thread, not from an event loop. */
  public static Runboard start(AppConfig config) throws IOException {
    EmbeddedDatabase embedded = null;
    if (config.embeddedDatabase()) {
      embedded = EmbeddedDatabase.start(config.dataDir().resolve("postgres"), config.embeddedDbPort());
      DatabaseUrl url = embedded.url();
      config = config.with(AppConfig.DB_URL, url.toString()).with(AppConfig.DB_USER, url.user())
        .with(AppConfig.DB_PASSWORD, url.password());
    }
    PrometheusMeterRegistry metrics = config.metricsEnabled()
      ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
    HazelcastClusterManager cluster = config.clusterEnabled()
      ? new HazelcastClusterManager(Clustering.hazelcast(config)) : null;
    Vertx vertx = createVertx(config, metrics, cluster);
    FileStorage files = null;
    try {
      AppConfig effective = config;
      files = FileStorages.create(vertx, effective);
      FileStorage storage = files;
      String httpDeployment = storage.start(cluster)
        .compose(checked -> vertx.deployVerticle(new MigrationVerticle(), options(effective)))
        .compose(migrated -> seedAdministrator(vertx, effective))
        .compose(seeded -> vertx.deployVerticle(new SweeperVerticle(), options(effective)))
        .compose(sweeper -> vertx.deployVerticle(new FailureRollupVerticle(), options(effective)))
        .compose(rollup -> vertx.deployVerticle(new RetentionVerticle(storage), options(effective)))
        .compose(retention -> vertx.deployVerticle(new WebhookVerticle(), options(effective)))
        .compose(webhooks -> vertx.deployVerticle(() -> new HttpVerticle(metrics, storage),
          options(effective).setInstances(effective.httpInstances())))
        .await();
      int port = (Integer) vertx.sharedData().getLocalMap(HttpVerticle.LOCAL_MAP).get(HttpVerticle.ACTUAL_PORT);
      int filesPort = (Integer) vertx.sharedData().getLocalMap(HttpVerticle.LOCAL_MAP)
        .get(HttpVerticle.ACTUAL_FILES_PORT);
      String host = displayHost(effective.httpHost());
      logger.info("Runboard listening on http://{}:{}/ (files on {}/)", host, port,
        effective.filesPublicUrl().isEmpty() ? "http://" + host + ":" + filesPort : effective.filesPublicUrl());
      return new Runboard(vertx, embedded, effective, storage, port, filesPort, httpDeployment);
    } catch (RuntimeException e) {
      stopQuietly(files);
      closeQuietly(vertx, embedded);
      throw e;
    }
  }

  private static Future<Void> seedAdministrator(Vertx vertx, AppConfig config) {
    Pool pool = Pools.single(vertx, config);
    return Accounts.seedAdministrator(vertx, pool, config).eventually(pool::close);
  }

  private static Vertx createVertx(AppConfig config, PrometheusMeterRegistry metrics,
                                   HazelcastClusterManager cluster) {
    VertxOptions options = new VertxOptions();
    VertxBuilder builder = Vertx.builder();
    if (metrics != null) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    if (cluster == null) {
      return builder.with(options).build();
    }
    options.setEventBusOptions(new EventBusOptions().setHost(config.clusterHost())
      .setClusterPublicHost(config.clusterHost()).setPort(0));
    Vertx vertx = builder.with(options).withClusterManager(cluster).buildClustered().await();
    logger.info("Joined cluster '{}' as {}:{}", config.clusterName(), config.clusterHost(), config.clusterPort());
    return vertx;
  }

  private static DeploymentOptions options(AppConfig config) {
    return new DeploymentOptions().setConfig(config.json());
  }

  private static String displayHost(String host) {
    return "0.0.0.0".equals(host) ? "localhost" : host;
  }

  public int port() {
    return port;
  }

  /** The files origin's port (its listener; behind {@code files.publicUrl} when that is set). */
  public int filesPort() {
    return filesPort;
  }

  public Vertx vertx() {
    return vertx;
  }

  public AppConfig config() {
    return config;
  }

  /** The node's file storage (started). */
  public FileStorage files() {
    return files;
  }

  /**
   * Completes, with the reason, when the node cannot go on: its embedded database died and could not be brought
   * back. Never completes with an external database (the pool reconnects when that one is back).
   */
  public CompletionStage<String> fatalError() {
    return embedded != null ? embedded.gaveUp() : new CompletableFuture<>();
  }

  /**
   * Stops accepting connections, waits (up to {@code http.shutdownTimeout}) for in-flight requests, stops the file
   * storage, closes the pool and Vert.x, then stops the embedded database. Blocking; safe to call twice.
   */
  public synchronized void stop() {
    if (httpDeployment != null) {
      logger.info("Runboard stopping: finishing in-flight requests (up to {} ms)", config.shutdownTimeoutMs());
      try {
        vertx.undeploy(httpDeployment)
          .await(config.shutdownTimeoutMs() + STOP_MARGIN_MS, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        logger.warn("HTTP server did not stop cleanly: {}", e.toString());
      }
      httpDeployment = null;
      stopQuietly(files);
      closeQuietly(vertx, embedded);
      logger.info("Runboard stopped");
    }
  }

  private static void stopQuietly(FileStorage files) {
    if (files == null) {
      return;
    }
    try {
      files.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      logger.warn("File storage did not stop cleanly: {}", e.toString());
    }
  }

  private static void closeQuietly(Vertx vertx, EmbeddedDatabase embedded) {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      logger.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        logger.warn("Embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
    }
  }
}
