package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts area: first-run setup, login/logout, the caller's profile, users and API keys under
 * {@code /api/auth}, {@code /api/users} and {@code /api/keys}, each route mounted through {@link Guard#protect}.
 *
 * <p>Reads {@code auth.*} and {@code admin.*}: when {@code admin.username} and {@code admin.password} are set and
 * no account exists, {@link #create} makes that administrator (once, whatever the number of HTTP instances or
 * nodes: the insert is serialised by an advisory lock and only happens while no user exists). Reads
 * {@code auth.hashThreads} and {@code auth.hashQueue} for {@link Passwords}.
 */
public final class AuthRoutes {

  private static final Logger logger = LoggerFactory.getLogger(AuthRoutes.class);
  static final long BODY_LIMIT = 64 * 1024;

  private final SessionHandler sessions;
  private final UserHandler users;
  private final ApiKeyHandler keys;

  private AuthRoutes(SessionHandler sessions, UserHandler users, ApiKeyHandler keys) {
    this.sessions = sessions;
    this.users = users;
    this.keys = keys;
  }

  /** {@code metrics} (null when metrics are off) receives the password-hashing meters. */
  public static Future<AuthRoutes> create(Vertx vertx, Pool pool, AppConfig config, MeterRegistry metrics) {
    Passwords passwords = Passwords.create(vertx, config, metrics);
    return Sql.load(vertx, AuthQuery.class).compose(sql -> createConfiguredAdministrator(pool, sql, config, passwords)
      .map(v -> new AuthRoutes(
        new SessionHandler(vertx, pool, sql, config, passwords),
        new UserHandler(pool, sql, config, passwords),
        new ApiKeyHandler(pool, sql))));
  }

  public void mount(Router router, Guard guard) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    // Setup and sessions
    guard.protect(router.get("/api/auth/setup"), Access.PUBLIC).handler(sessions::setupStatus);
    guard.protect(router.post("/api/auth/setup"), Access.PUBLIC).handler(body).handler(sessions::setup);
    guard.protect(router.post("/api/auth/login"), Access.PUBLIC).handler(body).handler(sessions::login);
    guard.protect(router.post("/api/auth/logout"), Access.SIGNED_IN).handler(sessions::logout);
    guard.protect(router.get("/api/auth/me"), Access.SIGNED_IN).handler(sessions::me);
    // Users
    guard.protect(router.get("/api/users"), Access.ADMINISTRATOR).handler(users::listUsers);
    guard.protect(router.post("/api/users"), Access.ADMINISTRATOR).handler(body).handler(users::createUser);
    guard.protect(router.patch("/api/users/:userId"), Access.ADMINISTRATOR).handler(body).handler(users::updateUser);
    guard.protect(router.delete("/api/users/:userId"), Access.ADMINISTRATOR).handler(users::deleteUser);
    // API keys
    guard.protect(router.get("/api/keys"), Access.SIGNED_IN).handler(keys::listKeys);
    guard.protect(router.post("/api/keys"), Access.SIGNED_IN).handler(body).handler(keys::createKey);
    guard.protect(router.delete("/api/keys/:keyId"), Access.SIGNED_IN).handler(keys::revokeKey);
  }

  private static Future<Void> createConfiguredAdministrator(Pool pool, Sql<AuthQuery> sql, AppConfig config,
                                                           Passwords passwords) {
    String username = config.adminUsername();
    if (username.isEmpty() || config.adminPassword().isEmpty()) {
      return Future.succeededFuture();
    }
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
