package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * First-run setup, login (throttled per username and per client address in {@code login_throttle}, shared by
 * every node), logout and the caller's own profile.
 */
final class SessionHandler {

  private static final Logger logger = LoggerFactory.getLogger(SessionHandler.class);

  /** Failed logins allowed per username, and per client address, within {@link #WINDOW_MS}. */
  static final int USER_FAILURES = 5;
  static final int ADDRESS_FAILURES = 30;
  static final long WINDOW_MS = 15 * 60_000L;
  static final long BLOCK_MS = 15 * 60_000L;

  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final AppConfig config;
  private final Passwords passwords;

  SessionHandler(Pool pool, Sql<AuthQuery> sql, AppConfig config, Passwords passwords) {
    this.pool = pool;
    this.sql = sql;
    this.config = config;
    this.passwords = passwords;
  }

  void setupStatus(RoutingContext ctx) {
    anyUser().onSuccess(any -> Responses.sendJson(ctx, 200, new JsonObject().put("setupRequired", !any)))
      .onFailure(ctx::fail);
  }

  /** Creates the first administrator and signs it in; 409 once any user exists. */
  void setup(RoutingContext ctx) {
    refuseForeignOrigin(ctx);
    anyUser().compose(any -> {
      if (any) {
        throw ApiException.conflict("Setup is done: an account exists. Sign in instead.");
      }
      JsonObject body = JsonBodies.object(ctx);
      String username = JsonBodies.username(body, "username");
      String password = JsonBodies.newPassword(body, "password", config.minPasswordLength());
      return passwords.hash(password).compose(hash -> pool.withTransaction(tx ->
        createFirstAdministrator(tx, sql, username, hash).compose(user -> {
          if (user == null) {
            throw ApiException.conflict("Setup is done: an account exists. Sign in instead.");
          }
          String token = Secrets.newSecret("");
          return insertSession(tx, token, user).map(v -> new SignedIn(user, token));
        })));
    }).onSuccess(signedIn -> {
      logger.info("First-run setup created administrator {} (user {})", signedIn.user().username(),
        signedIn.user().id());
      ctx.response().addCookie(SessionCookie.create(signedIn.token(), config));
      Responses.sendJson(ctx, 201, signedIn.user().toJson());
    }).onFailure(e -> Passwords.fail(ctx, e));
  }

  /** Inserts the first administrator unless a user exists, serialised with every other setup; null if one did. */
  static Future<User> createFirstAdministrator(SqlClient tx, Sql<AuthQuery> sql, String username, String hash) {
    return tx.query(sql.get(AuthQuery.LOCK_SETUP)).execute()
      .compose(locked -> tx.preparedQuery(sql.get(AuthQuery.INSERT_FIRST_ADMINISTRATOR))
        .execute(Tuple.of(username, hash)))
      .map(rows -> rows.iterator().hasNext() ? User.fromRow(rows.iterator().next()) : null);
  }

  void login(RoutingContext ctx) {
    refuseForeignOrigin(ctx);
    JsonObject body = JsonBodies.object(ctx);
    String username = JsonBodies.requiredString(body, "username");
    String password = JsonBodies.requiredString(body, "password");
    if (username.isEmpty() || username.length() > 100 || password.length() > Passwords.MAX_LENGTH) {
      failLogin(ctx);
      return;
    }
    String userKey = "user:" + username.toLowerCase(Locale.ROOT);
    String addressKey = "ip:" + ctx.request().remoteAddress().hostAddress();
    pool.preparedQuery(sql.get(AuthQuery.THROTTLE_BLOCKED)).execute(Tuple.of(new String[] {userKey, addressKey}))
      .compose(blocked -> {
        OffsetDateTime until = blocked.iterator().next().getOffsetDateTime("blocked_until");
        if (until != null) {
          long seconds = Math.max(1, OffsetDateTime.now().until(until, ChronoUnit.MILLIS) / 1000 + 1);
          ctx.response().putHeader("Retry-After", Long.toString(seconds));
          throw new ApiException(429, "too_many_requests",
            "Too many failed logins: try again in " + seconds + " seconds.", null);
        }
        return pool.preparedQuery(sql.get(AuthQuery.FIND_USER_BY_NAME)).execute(Tuple.of(username));
      })
      .compose(rows -> {
        Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
        // An unknown username still costs a full verification: timing does not tell which names exist.
        return passwords.verify(password, row == null ? null : row.getString("password_hash"))
          .compose(matches -> matches ? signIn(User.fromRow(row), userKey)
            : recordFailure(userKey, USER_FAILURES).compose(v -> recordFailure(addressKey, ADDRESS_FAILURES))
            .map(v -> (SignedIn) null));
      })
      .onSuccess(signedIn -> {
        if (signedIn == null) {
          logger.info("Failed login for a username from {}", ctx.request().remoteAddress().hostAddress());
          failLogin(ctx);
          return;
        }
        ctx.response().addCookie(SessionCookie.create(signedIn.token(), config));
        Responses.sendJson(ctx, 200, signedIn.user().toJson());
      })
      .onFailure(e -> Passwords.fail(ctx, e));
  }

  private static void failLogin(RoutingContext ctx) {
    ctx.fail(ApiException.unauthorized("Wrong username or password."));
  }

  private Future<SignedIn> signIn(User user, String userKey) {
    String token = Secrets.newSecret("");
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_CLEAR)).execute(Tuple.of(userKey))
      .compose(cleared -> insertSession(pool, token, user))
      .map(v -> {
        removeStaleRows();
        return new SignedIn(user, token);
      });
  }

  private Future<Void> insertSession(SqlClient client, String token, User user) {
    return client.preparedQuery(sql.get(AuthQuery.INSERT_SESSION))
      .execute(Tuple.of(Buffer.buffer(Secrets.hash(token)), user.id(), config.sessionMaxAgeMs()))
      .mapEmpty();
  }

  private Future<Void> recordFailure(String key, int allowed) {
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_FAILURE)).execute(Tuple.of(key, WINDOW_MS, allowed, BLOCK_MS))
      .mapEmpty();
  }

  /** Housekeeping on each login: sessions past their expiry and throttle windows long over. */
  private void removeStaleRows() {
    pool.preparedQuery(sql.get(AuthQuery.DELETE_STALE_SESSIONS)).execute(Tuple.of(config.sessionIdleTimeoutMs()))
      .compose(v -> pool.preparedQuery(sql.get(AuthQuery.DELETE_STALE_THROTTLES)).execute(Tuple.of(WINDOW_MS)))
      .onFailure(e -> logger.warn("Could not remove expired sessions: {}", e.toString()));
  }

  /** Ends the session of the cookie (if any) and clears the cookie; an API-key caller has nothing to end. */
  void logout(RoutingContext ctx) {
    Future<RowSet<Row>> ended = SessionCookie.read(ctx.request()) instanceof SessionCookie.Session session
      ? pool.preparedQuery(sql.get(AuthQuery.DELETE_SESSION)).execute(Tuple.of(Buffer.buffer(Secrets.hash(session.token()))))
      : Future.succeededFuture();
    ended.onSuccess(v -> {
      ctx.response().addCookie(SessionCookie.cleared(config));
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  void me(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    pool.preparedQuery(sql.get(AuthQuery.FIND_USER)).execute(Tuple.of(principal.userId())).onSuccess(rows -> {
      if (!rows.iterator().hasNext()) {
        ctx.fail(ApiException.unauthorized("This account no longer exists."));
        return;
      }
      JsonObject me = User.fromRow(rows.iterator().next()).toJson()
        .put("authentication", principal.viaSession() ? "session" : "apiKey");
      if (principal.apiKeyId() != null) {
        me.put("apiKeyId", principal.apiKeyId());
      }
      Responses.sendJson(ctx, 200, me);
    }).onFailure(ctx::fail);
  }

  private Future<Boolean> anyUser() {
    return pool.query(sql.get(AuthQuery.ANY_USER)).execute().map(rows -> rows.iterator().next().getBoolean("any_user"));
  }

  /** Login and setup are not cookie-authenticated, but a foreign page must not drive them either. */
  private void refuseForeignOrigin(RoutingContext ctx) {
    if (Origins.foreign(ctx.request(), config.publicUrl())) {
      throw ApiException.forbidden("Cross-site request refused: the Origin is not this server's.");
    }
  }

  private record SignedIn(User user, String token) {
  }
}
