package dev.runboard.auth;

import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts area's shared parts, built once per verticle instance: its SQL, the password hasher and the
 * {@link Guard} that every router puts in front of its routes. Reads {@code auth.*} (hashing: {@code auth.hashThreads},
 * {@code auth.hashQueue}) and {@code admin.*}.
 */
public final class Accounts {

  private static final Logger logger = LoggerFactory.getLogger(Accounts.class);

  final Vertx vertx;
  final Pool pool;
  final Sql<AuthQuery> sql;
  final Passwords passwords;
  final AppConfig config;
  final EventPublisher events;
  private final Guard guard;

  private Accounts(Vertx vertx, Pool pool, Sql<AuthQuery> sql, Passwords passwords, AppConfig config) {
    this.vertx = vertx;
    this.pool = pool;
    this.sql = sql;
    this.passwords = passwords;
    this.config = config;
    this.events = new EventPublisher(vertx.eventBus());
    this.guard = new Guard(pool, sql, config);
  }

  /** {@code metrics} (null when metrics are off) receives the password-hashing meters. */
  public static Future<Accounts> load(Vertx vertx, Pool pool, AppConfig config, MeterRegistry metrics) {
    Passwords passwords = Passwords.create(vertx, config, metrics);
    return Sql.load(vertx, AuthQuery.class).map(sql -> new Accounts(vertx, pool, sql, passwords, config));
  }

  public Guard guard() {
    return guard;
  }

  /**
   * Creates the administrator named by {@code admin.username} and {@code admin.password} when both are set and no
   * account exists yet (once, whatever the number of nodes: the insert is serialised by an advisory lock and only
   * happens while no user exists). A start step, run after the migrations.
   */
  public static Future<Void> seedAdministrator(Vertx vertx, Pool pool, AppConfig config) {
    if (config.adminUsername().isEmpty() || config.adminPassword().isEmpty()) {
      return Future.succeededFuture();
    }
    return load(vertx, pool, config, null).compose(Accounts::seedConfiguredAdministrator);
  }

  private Future<Void> seedConfiguredAdministrator() {
    String username = config.adminUsername();
    return pool.query(sql.get(AuthQuery.ANY_USER)).execute().compose(rows -> {
      if (rows.iterator().next().getBoolean("any_user")) {
        return Future.succeededFuture();
      }
      return passwords.hashAtStart(config.adminPassword())
        .compose(hash -> pool.withTransaction(tx -> SessionHandler.createFirstAdministrator(tx, sql, username, hash)))
        .onSuccess(user -> {
          if (user != null) {
            logger.info("Created administrator {} (user {}) from {}", user.username(), user.id(),
              AppConfig.ADMIN_USERNAME);
          }
        })
        .mapEmpty();
    });
  }
}
