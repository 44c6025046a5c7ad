package dev.runboard;

import dev.runboard.api.FileUrls;
import dev.runboard.auth.Accounts;
import dev.runboard.auth.FileCapabilities;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.store.FileStorage;
import dev.runboard.store.Pools;
import dev.runboard.store.Stores;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/**
 * What the areas of a node share, built once per HTTP verticle instance and handed to each area's constructor:
 * the pool, the store's services (one read of its SQL), the accounts area (its SQL, the password hasher and the
 * guard), the node's file storage (built and started once per node by {@link Runboard}, of the kind
 * {@code storage.kind} names), the event publisher, the file capabilities (the signing keys, kept fresh) and the
 * file links that sign with them.
 *
 * @param metrics the Prometheus registry, or null when {@code metrics.enabled} is off
 */
record Services(Vertx vertx, AppConfig config, Pool pool, Stores stores, Accounts accounts, FileStorage files,
                EventPublisher events, FileCapabilities capabilities, FileUrls links,
                PrometheusMeterRegistry metrics) {

  static Future<Services> create(Vertx vertx, AppConfig config, PrometheusMeterRegistry metrics, FileStorage files) {
    Pool pool = Pools.shared(vertx, config);
    Future<Stores> stores = Stores.load(vertx, pool);
    Future<Accounts> accounts = Accounts.load(vertx, pool, config, metrics);
    Future<FileCapabilities> capabilities = FileCapabilities.load(vertx, pool, config.fileUrlTtlMs());
    return Future.all(stores, accounts, capabilities).map(loaded -> new Services(vertx, config, pool, stores.result(),
      accounts.result(), files, new EventPublisher(vertx.eventBus()),
      capabilities.result(), new FileUrls(config, capabilities.result()), metrics));
  }
}
