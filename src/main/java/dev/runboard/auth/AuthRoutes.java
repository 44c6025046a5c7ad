package dev.runboard.auth;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The accounts area: first-run setup, login/logout, the caller's profile, users and API keys under
 * {@code /api/auth}, {@code /api/users} and {@code /api/keys}, each route mounted through {@link Guard#protect}.
 */
public final class AuthRoutes {

  static final long BODY_LIMIT = 64 * 1024;

  private final SessionHandler sessions;
  private final UserHandler users;
  private final ApiKeyHandler keys;

  public AuthRoutes(Accounts accounts) {
    this.sessions = new SessionHandler(accounts.vertx, accounts.pool, accounts.sql, accounts.config,
      accounts.passwords, accounts.events);
    this.users = new UserHandler(accounts.pool, accounts.sql, accounts.config, accounts.passwords, accounts.events);
    this.keys = new ApiKeyHandler(accounts.pool, accounts.sql, accounts.events);
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
}
