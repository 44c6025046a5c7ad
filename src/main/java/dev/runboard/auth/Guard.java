package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * The access check every router uses. {@link #protect} records a route's {@link Access} on the route and puts
 * in front of its handlers: the id syntax check (400), then credentials (401) and the role (403).
 *
 * <p>Credentials: an API key in {@code Authorization: Bearer} or {@code X-API-Key}, or the session cookie
 * {@code runboard_session} (stored as its SHA-256 in {@code sessions}; idle and absolute expiry from
 * {@code auth.sessionIdleTimeout} and {@code auth.sessionMaxAge}). A presented credential that is not valid, or one
 * in another form (a key as a cookie, a stream token outside its run's routes), is refused even where anonymous
 * read access ({@code auth.anonymousRead}) is on. A cookie-authenticated mutation from a foreign {@code Origin} is
 * refused (403).
 */
public final class Guard {

  private static final Logger logger = LoggerFactory.getLogger(Guard.class);
  private static final String PRINCIPAL = "runboard.principal";
  private static final String STREAM_TOKEN_HEADER = "X-Stream-Token";
  /** A session's last_seen_at is written at most this often (or twice per idle timeout, if that is shorter). */
  private static final long SESSION_REFRESH_MS = 60_000;
  /** An API key's last_used_at is written at most this often by one guard (touch-api-key.sql: once a minute). */
  private static final long KEY_TOUCH_MS = 60_000;
  /** Keys whose last touch a guard remembers; past this many it forgets them all (they are touched again). */
  private static final int MAX_TOUCHED_KEYS = 10_000;

  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final AppConfig config;
  /**
   * When this guard last recorded each key's use: a reporter authenticates every request with its key (a one-shot
   * submit is one request per run), and the write would change nothing within the minute. Event-loop confined,
   * like the guard (one per HTTP verticle instance).
   */
  private final Map<Long, Long> touchedKeys = new HashMap<>();

  Guard(Pool pool, Sql<AuthQuery> sql, AppConfig config) {
    this.pool = pool;
    this.sql = sql;
    this.config = config;
  }

  /**
   * The authenticated caller of a route guarded by {@link #protect} (not for PUBLIC or STREAM_TOKEN routes; null on
   * a REPORTER_OR_STREAM_TOKEN route called without credentials).
   */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** Records {@code access} on the route and adds the checks it implies; returns the route for its handlers. */
  public Route protect(Route route, Access access) {
    route.putMetadata(Access.METADATA, access.name());
    // Platform handlers run before any body handler: a request is checked before its body is read.
    route.handler((PlatformHandler) PathIds::check);
    switch (access) {
      case PUBLIC, STREAM_TOKEN -> {
      }
      case VIEWER -> route.handler(require(Role.VIEWER));
      case REPORTER -> route.handler(require(Role.REPORTER));
      case REPORTER_OR_STREAM_TOKEN -> route.handler(reporterUnlessUncredentialed());
      case ADMINISTRATOR -> route.handler(require(Role.ADMINISTRATOR));
      case SIGNED_IN -> route.handler(require(null));
    }
    return route;
  }

  /** The reporter check for a request that presents credentials; one without them goes on with no principal. */
  private PlatformHandler reporterUnlessUncredentialed() {
    PlatformHandler reporter = require(Role.REPORTER);
    return ctx -> {
      boolean credentials = ctx.request().getHeader("Authorization") != null
        || ctx.request().getHeader("X-API-Key") != null
        || !(SessionCookie.read(ctx.request()) instanceof SessionCookie.Nothing);
      if (credentials) {
        reporter.handle(ctx);
      } else {
        ctx.next();
      }
    };
  }

  /** Authenticates and checks the role ({@code null}: any signed-in account). */
  private PlatformHandler require(Role role) {
    return ctx -> {
      // The body must wait for the handlers after the check (a BodyHandler resumes it), as Vert.x's own
      // authentication handlers do.
      boolean pause = !ctx.request().isEnded();
      if (pause) {
        ctx.request().pause();
      }
      authenticate(ctx).onComplete(result -> {
        if (pause) {
          ctx.request().resume();
        }
        if (result.failed()) {
          ctx.fail(result.cause());
          return;
        }
        Principal principal = result.result();
        if (principal == null) {
          ctx.fail(ApiException.unauthorized("Credentials are required: an API key or a session."));
        } else if (principal.anonymous() && role != Role.VIEWER) {
          ctx.fail(ApiException.unauthorized("Sign in to do this."));
        } else if (role != null && !principal.role().includes(role)) {
          ctx.fail(ApiException.forbidden("This needs the " + role.wireName() + " role."));
        } else {
          ctx.put(PRINCIPAL, principal);
          ctx.next();
        }
      });
    };
  }

  /**
   * The caller: by API key, else by session cookie, else the anonymous viewer when {@code auth.anonymousRead} is
   * on; null when no credential was presented and anonymous read access is off.
   */
  Future<Principal> authenticate(RoutingContext ctx) {
    String key;
    try {
      key = apiKey(ctx);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    if (key != null) {
      return findApiKey(key);
    }
    if (ctx.request().getHeader(STREAM_TOKEN_HEADER) != null) {
      return Future.failedFuture(ApiException.unauthorized(
        "A stream token authorises only its own run's events, files and finish."));
    }
    SessionCookie.Presented cookie = SessionCookie.read(ctx.request());
    if (cookie instanceof SessionCookie.Session session) {
      return findSession(session.token()).map(principal -> {
        if (Origins.mutating(ctx.request().method()) && Origins.foreign(ctx.request(), config.publicUrl())) {
          throw ApiException.forbidden("Cross-site request refused: the Origin is not this server's.");
        }
        return principal;
      });
    }
    if (cookie instanceof SessionCookie.Foreign) {
      return Future.failedFuture(ApiException.unauthorized("Credentials must be an API key (Authorization: Bearer "
        + "or X-API-Key) or the " + SessionCookie.NAME + " cookie."));
    }
    return Future.succeededFuture(config.anonymousRead() ? Principal.anonymousViewer() : null);
  }

  private Future<Principal> findSession(String token) {
    Buffer hash = Buffer.buffer(Secrets.hash(token));
    long idle = config.sessionIdleTimeoutMs();
    long refresh = Math.max(1, Math.min(SESSION_REFRESH_MS, idle / 2));
    return pool.preparedQuery(sql.get(AuthQuery.FIND_SESSION)).execute(Tuple.of(hash, idle, refresh))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.unauthorized("The session has expired or ended: sign in again.");
        }
        Row row = rows.iterator().next();
        if (Boolean.TRUE.equals(row.getBoolean("stale"))) {
          pool.preparedQuery(sql.get(AuthQuery.TOUCH_SESSION)).execute(Tuple.of(hash, refresh))
            .onFailure(e -> logger.warn("Could not refresh a session of user {}: {}", row.getLong("user_id"),
              e.toString()));
        }
        return new Principal(row.getLong("user_id"), row.getString("username"), Role.fromWire(row.getString("role")),
          null, true);
      });
  }

  private static String apiKey(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    String header = ctx.request().getHeader("X-API-Key");
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.substring(7).isBlank()) {
        throw ApiException.unauthorized("The Authorization header must be 'Bearer <api key>'.");
      }
      String bearer = authorization.substring(7).trim();
      if (header != null && !header.equals(bearer)) {
        throw ApiException.unauthorized("Authorization and X-API-Key name different keys.");
      }
      return bearer;
    }
    return header;
  }

  private Future<Principal> findApiKey(String key) {
    return pool.preparedQuery(sql.get(AuthQuery.FIND_API_KEY)).execute(Tuple.of(Buffer.buffer(Secrets.hash(key))))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.unauthorized("The API key is unknown, expired or revoked.");
        }
        Row row = rows.iterator().next();
        long keyId = row.getLong("key_id");
        touchKey(keyId);
        return new Principal(row.getLong("user_id"), row.getString("username"), Role.fromWire(row.getString("role")),
          keyId, false);
      });
  }

  private void touchKey(long keyId) {
    long now = System.nanoTime();
    Long last = touchedKeys.get(keyId);
    if (last != null && now - last < KEY_TOUCH_MS * 1_000_000) {
      return;
    }
    if (touchedKeys.size() >= MAX_TOUCHED_KEYS) {
      touchedKeys.clear();
    }
    touchedKeys.put(keyId, now);
    pool.preparedQuery(sql.get(AuthQuery.TOUCH_API_KEY)).execute(Tuple.of(keyId))
      .onFailure(e -> logger.warn("Could not record the use of API key {}: {}", keyId, e.toString()));
  }

  /** Path parameters that name ids must be positive 64-bit integers: 400 before any other check. */
  static final class PathIds {

    private PathIds() {
    }

    static void check(RoutingContext ctx) {
      for (Map.Entry<String, String> param : ctx.pathParams().entrySet()) {
        if (param.getKey().equals("id") || param.getKey().endsWith("Id")) {
          if (parseId(param.getValue()) == null) {
            ctx.fail(ApiException.validation(param.getKey(),
              param.getKey() + " must be a positive integer, got '" + abbreviate(param.getValue()) + "'."));
            return;
          }
        }
      }
      ctx.next();
    }
  }

  /** A positive id up to 2^63-1, or null. */
  public static Long parseId(String text) {
    if (text == null || text.isEmpty() || text.length() > 19 || !text.chars().allMatch(Character::isDigit)) {
      return null;
    }
    try {
      long id = Long.parseLong(text);
      return id > 0 ? id : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
