package dev.runboard.auth;

import dev.runboard.bus.EventPublisher;
import dev.runboard.model.RevokedCredentials;
import dev.runboard.config.AppConfig;
import dev.runboard.store.Sql;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Accounts, for administrators: list, create, change role or reset password, delete. The last administrator can
 * be neither demoted nor deleted: both lock every administrator row first, so concurrent requests cannot each
 * remove "another" administrator and leave none.
 */
final class UserHandler {

  private static final Logger logger = LoggerFactory.getLogger(UserHandler.class);
  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;
  private final Sql<AuthQuery> sql;
  private final AppConfig config;
  private final Passwords passwords;
  private final EventPublisher events;

  UserHandler(Pool pool, Sql<AuthQuery> sql, AppConfig config, Passwords passwords, EventPublisher events) {
    this.events = events;
    this.pool = pool;
    this.sql = sql;
    this.config = config;
    this.passwords = passwords;
  }

  void listUsers(RoutingContext ctx) {
    pool.query(sql.get(AuthQuery.LIST_USERS)).execute().onSuccess(rows -> {
      JsonArray users = new JsonArray();
      rows.forEach(row -> users.add(User.fromRow(row).toJson()));
      Responses.sendJson(ctx, 200, new JsonObject().put("users", users));
    }).onFailure(ctx::fail);
  }

  void createUser(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    JsonBodies.onlyFields(body, Set.of("username", "password", "role"));
    String username = JsonBodies.username(body, "username");
    String password = JsonBodies.newPassword(body, "password", config.minPasswordLength());
    Role role = body.getValue("role") == null ? Role.VIEWER : JsonBodies.role(body, "role");
    passwords.hash(password)
      .compose(hash -> pool.preparedQuery(sql.get(AuthQuery.INSERT_USER)).execute(Tuple.of(username, hash,
        role.wireName())))
      .map(rows -> User.fromRow(rows.iterator().next()))
      .recover(e -> Future.failedFuture(isUniqueViolation(e)
        ? ApiException.conflict("An account named '" + username + "' exists (names ignore case).") : e))
      .onSuccess(user -> {
        logger.info("User {} created account {} (user {}, {})", Guard.principal(ctx).username(), user.username(),
          user.id(), user.role().wireName());
        Responses.sendJson(ctx, 201, user.toJson());
      })
      .onFailure(e -> Passwords.fail(ctx, e));
  }

  /**
   * {@code {role?, password?}}: at least one. A new password (an administrator's reset: the account may be
   * compromised) ends the account's sessions and revokes its API keys, and with them the stream tokens of the runs
   * they started.
   */
  void updateUser(RoutingContext ctx) {
    long userId = Guard.parseId(ctx.pathParam("userId"));
    findUser(pool, AuthQuery.FIND_USER, userId).compose(existing -> {
      JsonObject body = JsonBodies.object(ctx);
      JsonBodies.onlyFields(body, Set.of("role", "password"));
      Role role = body.getValue("role") == null ? null : JsonBodies.role(body, "role");
      String password = body.getValue("password") == null ? null
        : JsonBodies.newPassword(body, "password", config.minPasswordLength());
      if (role == null && password == null) {
        throw ApiException.validation(null, "Give a new role, a new password, or both.");
      }
      Future<String> hashed = password == null ? Future.succeededFuture() : passwords.hash(password);
      return hashed.compose(hash -> pool.withTransaction(tx -> lockAdministrators(tx)
        .compose(administrators -> findUser(tx, AuthQuery.LOCK_USER, userId).compose(user -> {
          if (role != null && user.role() == Role.ADMINISTRATOR && role != Role.ADMINISTRATOR
            && administrators == 1) {
            throw ApiException.conflict("This is the last administrator: make another one first.");
          }
          Future<?> changed = Future.succeededFuture();
          if (role != null) {
            changed = changed.compose(v -> tx.preparedQuery(sql.get(AuthQuery.UPDATE_USER_ROLE))
              .execute(Tuple.of(userId, role.wireName())));
          }
          if (hash != null) {
            changed = changed
              .compose(v -> tx.preparedQuery(sql.get(AuthQuery.UPDATE_USER_PASSWORD)).execute(Tuple.of(userId, hash)))
              .compose(v -> tx.preparedQuery(sql.get(AuthQuery.DELETE_USER_SESSIONS)).execute(Tuple.of(userId)))
              .compose(v -> tx.preparedQuery(sql.get(AuthQuery.REVOKE_USER_API_KEYS)).execute(Tuple.of(userId)));
          }
          return changed.compose(v -> findUser(tx, AuthQuery.FIND_USER, userId));
        }))));
    }).onSuccess(user -> {
      if (ctx.body() != null && ctx.body().asJsonObject() != null && ctx.body().asJsonObject().getValue("password") != null) {
        events.publish(new RevokedCredentials(user.id(), null, false)); // a reset ends every credential of the account
      }
      logger.info("User {} updated account {} (user {}, role {})", Guard.principal(ctx).username(), user.username(),
        user.id(), user.role().wireName());
      Responses.sendJson(ctx, 200, user.toJson());
    }).onFailure(e -> Passwords.fail(ctx, e));
  }

  void deleteUser(RoutingContext ctx) {
    long userId = Guard.parseId(ctx.pathParam("userId"));
    pool.withTransaction(tx -> lockAdministrators(tx).compose(administrators -> findUser(tx, AuthQuery.LOCK_USER, userId)
      .compose(user -> {
        if (user.role() == Role.ADMINISTRATOR && administrators == 1) {
          throw ApiException.conflict("This is the last administrator: make another one first.");
        }
        return tx.preparedQuery(sql.get(AuthQuery.DELETE_USER)).execute(Tuple.of(userId)).map(user);
      }))).onSuccess(user -> {
        events.publish(new RevokedCredentials(user.id(), null, false));
        logger.info("User {} deleted account {} (user {})", Guard.principal(ctx).username(), user.username(),
          user.id());
        ctx.response().setStatusCode(204).end();
      }).onFailure(ctx::fail);
  }

  private Future<Integer> lockAdministrators(SqlClient tx) {
    return tx.query(sql.get(AuthQuery.LOCK_ADMINISTRATORS)).execute().map(rows -> rows.rowCount());
  }

  /** The account, or a failed future with 404. */
  private Future<User> findUser(SqlClient client, AuthQuery query, long userId) {
    return client.preparedQuery(sql.get(query)).execute(Tuple.of(userId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        throw ApiException.notFound("No user with id " + userId + ".");
      }
      Row row = rows.iterator().next();
      return User.fromRow(row);
    });
  }

  static boolean isUniqueViolation(Throwable e) {
    return e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }
}
