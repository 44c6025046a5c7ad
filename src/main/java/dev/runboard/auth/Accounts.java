package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts area's shared parts, built once per verticle instance: its SQL, the password hasher and the
 * {@link Guard} that every router puts in front of its routes. Reads {@code auth.*} and {@code admin.*}.
 */
public final class Accounts {

  private static final Logger logger = LoggerFactory.getLogger(Accounts.class);

  final Pool pool;
  final Sql<AuthQuery> sql;
  final Passwords passwords;
  final AppConfig config;
  private final Guard guard;

  private Accounts(Pool pool, Sql<AuthQuery> sql, Passwords passwords, AppConfig config) {
    this.pool = pool;
    this.sql = sql;
    this.passwords = passwords;
    this.config = config;
    this.guard = new Guard(pool, sql, config);
  }

  public static Future<Accounts> load(Vertx vertx, Pool pool, AppConfig config) {
    return Future.all(Sql.load(vertx, AuthQuery.class), Passwords.create(vertx))
      .map(loaded -> new Accounts(pool, loaded.resultAt(0), loaded.resultAt(1), config));
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
    return load(vertx, pool, config).compose(Accounts::seedConfiguredAdministrator);
  }

  private Future<Void> seedConfiguredAdministrator() {
    String username = config.adminUsername();
    return pool.query(sql.get(AuthQuery.ANY_USER)).execute().compose(rows -> {
      if (rows.iterator().next().getBoolean("any_user")) {
        return Future.succeededFuture();
      }
      return passwords.hash(config.adminPassword())
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
