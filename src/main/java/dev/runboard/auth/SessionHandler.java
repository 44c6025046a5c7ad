package dev.runboard.auth;

import dev.runboard.bus.EventPublisher;
import dev.runboard.model.RevokedCredentials;
import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.concurrent.ThreadLocalRandom;

/**
 * First-run setup, login, logout and the caller's own profile.
 *
 * <p>Login is throttled per username and per client address in {@code login_throttle}, shared by every node. Each
 * attempt first reserves a place in both keys' windows (one atomic upsert per key), and only an attempt holding
 * both places reaches the password hash: however many logins run at once, on however many nodes, at most
 * {@link #USER_FAILURES} guesses per username and {@link #ADDRESS_FAILURES} per address are hashed in a window. A
 * wrong password keeps its places as failures (and blocks a key whose places are all taken); the right one clears
 * the username's count and gives the address its place back, as does an attempt that was never hashed.
 */
final class SessionHandler {

  private static final Logger logger = LoggerFactory.getLogger(SessionHandler.class);

  /** Failed logins allowed per username, and per client address, within {@link #WINDOW_MS}; reaching it blocks. */
  static final int USER_FAILURES = 5;
  static final int ADDRESS_FAILURES = 30;
  static final long WINDOW_MS = 15 * 60_000L;
  static final long BLOCK_MS = 15 * 60_000L;
  /** How long a login waits for places taken by attempts still being checked, and its retry backoff. */
  static final long IN_FLIGHT_WAIT_MS = 5_000;
  private static final long IN_FLIGHT_RETRY_MS = 50;
  private static final long IN_FLIGHT_RETRY_MAX_MS = 800;

  private final Vertx vertx;
  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final AppConfig config;
  private final Passwords passwords;
  private final EventPublisher events;

  SessionHandler(Vertx vertx, Pool pool, Sql<AuthQuery> sql, AppConfig config, Passwords passwords,
                 EventPublisher events) {
    this.events = events;
    this.vertx = vertx;
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
    reserveAttempt(ctx, userKey, addressKey, System.currentTimeMillis() + IN_FLIGHT_WAIT_MS, 0)
      .compose(attempt -> checkPassword(attempt, username, password))
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

  /**
   * Reserves the attempt in both keys' windows. When a key is blocked: 429 with {@code Retry-After}. When its places
   * are only taken by attempts still being checked, waits for them (retrying with backoff until {@code deadline},
   * then 429 with {@code Retry-After: 1}): they end in a moment, and concurrent logins to one account (CI shards
   * sharing a reporter account) should not fail for it.
   */
  private Future<Attempt> reserveAttempt(RoutingContext ctx, String userKey, String addressKey, long deadline,
                                         int retries) {
    return tryReserve(userKey, addressKey).compose(attempt -> attempt != null ? Future.succeededFuture(attempt)
      : blockedUntil(userKey, addressKey).compose(until -> {
        long left = deadline - System.currentTimeMillis();
        if (until == null && left > 0 && !ctx.response().closed()) {
          long backoff = Math.min(IN_FLIGHT_RETRY_MAX_MS, IN_FLIGHT_RETRY_MS << Math.min(retries, 10))
            + ThreadLocalRandom.current().nextLong(IN_FLIGHT_RETRY_MS);
          return vertx.timer(Math.min(backoff, left))
            .compose(v -> reserveAttempt(ctx, userKey, addressKey, deadline, retries + 1));
        }
        return refuseAttempt(ctx, until);
      }));
  }

  /**
   * The attempt holding a place in the address's window and one in the username's, or null when either refuses
   * (then the place the other took is given back at once). Address first: the places taken for a moment by
   * attempts that the username then refuses are the sender's own address's, not a victim account's.
   */
  private Future<Attempt> tryReserve(String userKey, String addressKey) {
    return reserve(addressKey, ADDRESS_FAILURES).compose(addressWindow -> addressWindow == null
      ? Future.succeededFuture()
      : reserve(userKey, USER_FAILURES).compose(userWindow -> userWindow == null
        ? refund(addressKey, addressWindow, ADDRESS_FAILURES).map(v -> (Attempt) null)
        : Future.succeededFuture(new Attempt(userKey, userWindow, addressKey, addressWindow))));
  }

  /** 429 until {@code until} (when a key is blocked), else in a second (its places are still being checked). */
  private static <T> Future<T> refuseAttempt(RoutingContext ctx, OffsetDateTime until) {
    long seconds = until == null ? 1 : Math.max(1, OffsetDateTime.now().until(until, ChronoUnit.MILLIS) / 1000 + 1);
    ctx.response().putHeader("Retry-After", Long.toString(seconds));
    return Future.failedFuture(new ApiException(429, "too_many_requests", until == null
      ? "Too many logins for this account or address are being checked: try again in 1 second."
      : "Too many failed logins: try again in " + seconds + " seconds.", null));
  }

  /** The key's window start when the attempt is counted in it, or null when the key refuses it. */
  private Future<OffsetDateTime> reserve(String key, int allowed) {
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_RESERVE)).execute(Tuple.of(key, WINDOW_MS, allowed))
      .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getOffsetDateTime("window_start") : null);
  }

  /** When the later block of the two keys ends; null when neither is blocked. */
  private Future<OffsetDateTime> blockedUntil(String userKey, String addressKey) {
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_BLOCKED))
      .execute(Tuple.of(new String[] {userKey, addressKey}))
      .map(rows -> rows.iterator().next().getOffsetDateTime("blocked_until"));
  }

  /** Signs in when the password is right, else settles the attempt as a failure (null). */
  private Future<SignedIn> checkPassword(Attempt attempt, String username, String password) {
    return pool.preparedQuery(sql.get(AuthQuery.FIND_USER_BY_NAME)).execute(Tuple.of(username)).compose(rows -> {
      Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
      // An unknown username still costs a full verification: timing does not tell which names exist.
      return passwords.verify(password, row == null ? null : row.getString("password_hash"))
        .recover(e -> e instanceof Passwords.Busy
          ? giveBack(attempt, true).transform(v -> Future.<Boolean>failedFuture(e)) : Future.failedFuture(e))
        .compose(matches -> matches ? signIn(User.fromRow(row), attempt)
          : recordFailure(attempt).map(v -> (SignedIn) null));
    });
  }

  /** The attempt stays counted as a failure in both windows; a key whose window is used up is blocked. */
  private Future<Void> recordFailure(Attempt attempt) {
    return Future.all(
      pool.preparedQuery(sql.get(AuthQuery.THROTTLE_FAILED))
        .execute(Tuple.of(attempt.addressKey(), attempt.addressWindow(), ADDRESS_FAILURES, BLOCK_MS)),
      pool.preparedQuery(sql.get(AuthQuery.THROTTLE_FAILED))
        .execute(Tuple.of(attempt.userKey(), attempt.userWindow(), USER_FAILURES, BLOCK_MS))).mapEmpty();
  }

  private Future<Void> refund(String key, OffsetDateTime window, int allowed) {
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_REFUND)).execute(Tuple.of(key, window, allowed)).mapEmpty();
  }

  /** Gives back an attempt that was not a failed login: the address's place, and the username's if asked. */
  private Future<Void> giveBack(Attempt attempt, boolean username) {
    Future<Void> user = username ? refund(attempt.userKey(), attempt.userWindow(), USER_FAILURES)
      : Future.succeededFuture();
    return user.compose(v -> refund(attempt.addressKey(), attempt.addressWindow(), ADDRESS_FAILURES));
  }

  /** The right password: clears the username's count (as every success does) and gives the address its place back. */
  private Future<SignedIn> signIn(User user, Attempt attempt) {
    String token = Secrets.newSecret("");
    return pool.preparedQuery(sql.get(AuthQuery.THROTTLE_CLEAR)).execute(Tuple.of(attempt.userKey()))
      .compose(cleared -> giveBack(attempt, false))
      .compose(v -> insertSession(pool, token, user))
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
      Principal principal = Guard.principal(ctx);
      if (principal != null && !principal.anonymous()) {
        // The session's live streams end with it (the user's others reconnect with their own, still valid).
        events.publish(new RevokedCredentials(principal.userId(), null, true));
      }
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

  /** A login attempt reserved in both keys' windows (each window's start, to give the place back). */
  private record Attempt(String userKey, OffsetDateTime userWindow, String addressKey, OffsetDateTime addressWindow) {
  }
}
