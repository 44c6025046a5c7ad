package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The access check every router uses. {@link #protect} records a route's {@link Access} on the route and puts
 * in front of its handlers: the id syntax check (400), then credentials (401) and the role (403).
 *
 * <p>Credentials: an API key in {@code Authorization: Bearer} or {@code X-API-Key}. A presented credential that
 * is not valid is refused even where anonymous read access is on.
 */
public final class Guard {

  private static final Logger logger = LoggerFactory.getLogger(Guard.class);
  private static final String PRINCIPAL = "runboard.principal";

  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final AppConfig config;

  private Guard(Pool pool, Sql<AuthQuery> sql, AppConfig config) {
    this.pool = pool;
    this.sql = sql;
    this.config = config;
  }

  public static Future<Guard> create(Vertx vertx, Pool pool, AppConfig config) {
    return Sql.load(vertx, AuthQuery.class).map(sql -> new Guard(pool, sql, config));
  }

  /** The authenticated caller of a route guarded by {@link #protect} (not for PUBLIC or STREAM_TOKEN routes). */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** Records {@code access} on the route and adds the checks it implies; returns the route for its handlers. */
  public Route protect(Route route, Access access) {
    route.putMetadata(Access.METADATA, access.name());
    route.handler(PathIds::check);
    switch (access) {
      case PUBLIC, STREAM_TOKEN -> {
      }
      case VIEWER -> route.handler(require(Role.VIEWER));
      case REPORTER -> route.handler(require(Role.REPORTER));
      case ADMINISTRATOR -> route.handler(require(Role.ADMINISTRATOR));
      case SIGNED_IN -> route.handler(require(null));
    }
    return route;
  }

  /** Authenticates and checks the role ({@code null}: any signed-in account). */
  private Handler<RoutingContext> require(Role role) {
    return ctx -> authenticate(ctx).onSuccess(principal -> {
      if (principal == null) {
        ctx.fail(ApiException.unauthorized("Credentials are required: an API key or a session."));
      } else if (role == null && principal.anonymous()) {
        ctx.fail(ApiException.unauthorized("Sign in to do this."));
      } else if (role != null && !principal.role().includes(role)) {
        ctx.fail(ApiException.forbidden("This needs the " + role.wireName() + " role."));
      } else {
        ctx.put(PRINCIPAL, principal);
        ctx.next();
      }
    }).onFailure(ctx::fail);
  }

  /** The caller, or null when no credential was presented (and anonymous read access is off). */
  Future<Principal> authenticate(RoutingContext ctx) {
    String key = apiKey(ctx);
    if (key != null) {
      return findApiKey(key);
    }
    return Future.succeededFuture(null);
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
        pool.preparedQuery(sql.get(AuthQuery.TOUCH_API_KEY)).execute(Tuple.of(keyId))
          .onFailure(e -> logger.warn("Could not record the use of API key {}: {}", keyId, e.toString()));
        return new Principal(row.getLong("user_id"), row.getString("username"), Role.fromWire(row.getString("role")),
          keyId, false);
      });
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
