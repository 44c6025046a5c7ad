package dev.runboard.auth;

import dev.runboard.bus.EventPublisher;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;

/**
 * Rotation of the keys that sign file URLs (administrators): {@code GET /api/signing-keys} lists them (never their
 * secrets), {@code POST /api/signing-keys} creates a key that signs from now on (older keys keep verifying), and
 * {@code DELETE /api/signing-keys/{signingKeyId}} retires one: URLs it signed stop working on every node. The last
 * key in force cannot be retired (409). Each change is published on the bus so that every instance reloads.
 */
public final class SigningKeyRoutes {

  private static final Logger logger = LoggerFactory.getLogger(SigningKeyRoutes.class);

  private final Pool pool;
  private final Sql<SigningQuery> sql;
  private final FileCapabilities capabilities;
  private final EventPublisher events;

  private SigningKeyRoutes(Pool pool, Sql<SigningQuery> sql, FileCapabilities capabilities, EventPublisher events) {
    this.pool = pool;
    this.sql = sql;
    this.capabilities = capabilities;
    this.events = events;
  }

  public static Future<SigningKeyRoutes> create(Vertx vertx, Pool pool, FileCapabilities capabilities,
                                                EventPublisher events) {
    return Sql.load(vertx, SigningQuery.class).map(sql -> new SigningKeyRoutes(pool, sql, capabilities, events));
  }

  public void mount(Router router, Guard guard) {
    // File signing keys
    guard.protect(router.get("/api/signing-keys"), Access.ADMINISTRATOR).handler(this::listKeys);
    guard.protect(router.post("/api/signing-keys"), Access.ADMINISTRATOR).handler(this::createKey);
    guard.protect(router.delete("/api/signing-keys/:signingKeyId"), Access.ADMINISTRATOR).handler(this::retireKey);
  }

  private void listKeys(RoutingContext ctx) {
    pool.query(sql.get(SigningQuery.LIST_SIGNING_KEYS)).execute().onSuccess(rows -> {
      int signing = 0;
      for (Row row : rows) {
        if (row.getValue("retired_at") == null) {
          signing = Math.max(signing, row.getInteger("id"));
        }
      }
      JsonArray keys = new JsonArray();
      for (Row row : rows) {
        keys.add(toJson(row, row.getInteger("id") == signing));
      }
      Responses.sendJson(ctx, 200, new JsonObject().put("keys", keys));
    }).onFailure(ctx::fail);
  }

  /** A new key, which signs from now on: 201 with its id and creation time. */
  private void createKey(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    pool.withTransaction(tx -> tx.query(sql.get(SigningQuery.LOCK_SIGNING_KEYS)).execute()
        .compose(locked -> tx.preparedQuery(sql.get(SigningQuery.INSERT_SIGNING_KEY))
          .execute(Tuple.of(FileCapabilities.newSecret())))
        .map(rows -> rows.iterator().next()))
      .compose(row -> changed().map(v -> toJson(row, true)))
      .onSuccess(created -> {
        logger.info("User {} created file signing key {}", principal.username(), created.getInteger("id"));
        Responses.sendJson(ctx, 201, created);
      }).onFailure(ctx::fail);
  }

  /** Retires a key (204; again 204 when it already is); the last key in force cannot be retired (409). */
  private void retireKey(RoutingContext ctx) {
    Principal principal = Guard.principal(ctx);
    long requested = Guard.parseId(ctx.pathParam("signingKeyId"));
    if (requested > Integer.MAX_VALUE) {
      throw noSuchKey(requested);
    }
    int keyId = (int) requested;
    pool.withTransaction(tx -> tx.query(sql.get(SigningQuery.LOCK_SIGNING_KEYS)).execute()
        .compose(locked -> tx.preparedQuery(sql.get(SigningQuery.FIND_SIGNING_KEY)).execute(Tuple.of(keyId)))
        .compose(found -> {
          if (!found.iterator().hasNext()) {
            throw noSuchKey(keyId);
          }
          if (found.iterator().next().getValue("retired_at") != null) {
            return Future.succeededFuture(false);
          }
          return tx.query(sql.get(SigningQuery.ACTIVE_SIGNING_KEYS)).execute().compose(active -> {
            if (active.size() <= 1) {
              throw ApiException.conflict("Key " + keyId + " is the last one in force: create a new key first "
                + "(POST /api/signing-keys).");
            }
            return tx.preparedQuery(sql.get(SigningQuery.RETIRE_SIGNING_KEY)).execute(Tuple.of(keyId)).map(true);
          });
        }))
      .compose(retired -> retired ? changed().map(v -> {
        logger.info("User {} retired file signing key {}", principal.username(), keyId);
        return null;
      }) : Future.succeededFuture())
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  /** Tells every instance of every node, and has this one's keys reloaded before answering. */
  private Future<Void> changed() {
    events.publishSigningKeysChanged();
    return capabilities.reload();
  }

  private static JsonObject toJson(Row row, boolean signing) {
    OffsetDateTime retired = row.getOffsetDateTime("retired_at");
    return new JsonObject().put("id", row.getInteger("id"))
      .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())
      .put("retiredAt", retired == null ? null : retired.toInstant().toString())
      .put("signing", signing);
  }

  private static ApiException noSuchKey(long keyId) {
    return ApiException.notFound("No signing key with id " + keyId + ".");
  }
}
