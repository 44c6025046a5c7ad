package dev.runboard.auth;

import dev.runboard.bus.EventPublisher;
import dev.runboard.model.RevokedCredentials;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * API keys: every account lists, creates and revokes its own; administrators do it for anyone. A key is
 * {@code rb_} + 256 random bits, answered once at creation and stored only as its SHA-256 with a short prefix.
 * Another account's key that the caller may not manage answers 404, as if it did not exist.
 */
final class ApiKeyHandler {

  private static final Logger logger = LoggerFactory.getLogger(ApiKeyHandler.class);
  static final int MAX_DAYS = 3650;

  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final EventPublisher events;

  ApiKeyHandler(Pool pool, Sql<AuthQuery> sql, EventPublisher events) {
    this.events = events;
    this.pool = pool;
    this.sql = sql;
  }

  /** The caller's keys, or with {@code ?userId=} (administrators) another account's; revoked ones included. */
  void listKeys(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    String requested = ctx.queryParams().get("userId");
    long userId = principal.userId();
    if (requested != null) {
      Long parsed = Guard.parseId(requested);
      if (parsed == null) {
        throw ApiException.validation("userId", "userId must be a positive integer.");
      }
      userId = parsed;
    }
    long owner = userId;
    checkMayManage(principal, owner).compose(v -> pool.preparedQuery(sql.get(AuthQuery.LIST_API_KEYS))
      .execute(Tuple.of(owner))).onSuccess(rows -> {
        JsonArray keys = new JsonArray();
        rows.forEach(row -> keys.add(ApiKey.fromRow(row).toJson()));
        Responses.sendJson(ctx, 200, new JsonObject().put("keys", keys));
      }).onFailure(ctx::fail);
  }

  /** {@code {name, expiresAt? | expiresInDays?, userId?}} → 201 with the key itself, the only time it is shown. */
  void createKey(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    JsonObject body = JsonBodies.object(ctx);
    JsonBodies.onlyFields(body, Set.of("name", "expiresAt", "expiresInDays", "userId"));
    Long requested = JsonBodies.optionalId(body, "userId");
    long owner = requested == null ? principal.userId() : requested;
    String name = JsonBodies.requiredString(body, "name").strip();
    if (name.isEmpty() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.validation("name", "name must be 1 to 100 characters without control characters.");
    }
    OffsetDateTime expiresAt = expiry(body);
    checkMayManage(principal, owner).compose(v -> {
      String key = Secrets.newSecret("rb_");
      return pool.preparedQuery(sql.get(AuthQuery.INSERT_API_KEY)).execute(Tuple.of(owner, name,
          key.substring(0, ApiKey.PREFIX_LENGTH), Buffer.buffer(Secrets.hash(key)), expiresAt))
        .map(rows -> ApiKey.fromRow(rows.iterator().next()).toJson().put("key", key));
    }).onSuccess(created -> {
      logger.info("User {} created API key {} ({}) for user {}", principal.username(), created.getLong("id"),
        created.getString("prefix"), owner);
      Responses.sendJson(ctx, 201, created);
    }).onFailure(ctx::fail);
  }

  /** Revokes a key (idempotent: an already revoked key answers 204 again). */
  void revokeKey(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    long keyId = Guard.parseId(ctx.pathParam("keyId"));
    pool.preparedQuery(sql.get(AuthQuery.FIND_API_KEY_BY_ID)).execute(Tuple.of(keyId)).compose(rows -> {
      if (!rows.iterator().hasNext()) {
        throw noSuchKey(keyId);
      }
      ApiKey key = ApiKey.fromRow(rows.iterator().next());
      if (key.userId() != principal.userId() && !principal.role().includes(Role.ADMINISTRATOR)) {
        throw noSuchKey(keyId);
      }
      return pool.preparedQuery(sql.get(AuthQuery.REVOKE_API_KEY)).execute(Tuple.of(keyId)).map(key);
    }).onSuccess(key -> {
      events.publish(new RevokedCredentials(key.userId(), keyId, false));
      logger.info("User {} revoked API key {}", principal.username(), keyId);
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  private static ApiException noSuchKey(long keyId) {
    return ApiException.notFound("No API key with id " + keyId + ".");
  }

  /** Own keys: anyone signed in. Another account's: administrators only (403), and the account must exist (404). */
  private Future<Void> checkMayManage(Principal principal, long owner) {
    if (owner == principal.userId()) {
      return Future.succeededFuture();
    }
    if (!principal.role().includes(Role.ADMINISTRATOR)) {
      return Future.failedFuture(ApiException.forbidden("Only administrators manage other accounts' API keys."));
    }
    return pool.preparedQuery(sql.get(AuthQuery.FIND_USER)).execute(Tuple.of(owner)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        throw ApiException.notFound("No user with id " + owner + ".");
      }
      return null;
    });
  }

  private static OffsetDateTime expiry(JsonObject body) {
    String at = JsonBodies.optionalString(body, "expiresAt");
    Integer days = JsonBodies.optionalInt(body, "expiresInDays", 1, MAX_DAYS);
    if (at != null && days != null) {
      throw ApiException.validation("expiresAt", "Give expiresAt or expiresInDays, not both.");
    }
    if (days != null) {
      return OffsetDateTime.now(ZoneOffset.UTC).plusDays(days).truncatedTo(ChronoUnit.MILLIS);
    }
    if (at == null) {
      return null;
    }
    Instant instant;
    try {
      instant = OffsetDateTime.parse(at).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.validation("expiresAt", "expiresAt must be an ISO-8601 time such as 2030-01-31T00:00:00Z.");
    }
    if (!instant.isAfter(Instant.now())) {
      throw ApiException.validation("expiresAt", "expiresAt must be in the future.");
    }
    return instant.atOffset(ZoneOffset.UTC);
  }
}
