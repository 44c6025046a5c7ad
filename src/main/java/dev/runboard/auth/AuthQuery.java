package dev.runboard.auth;

import dev.runboard.store.Sql;

/** Queries of the auth package, in {@code sql/auth/}. */
enum AuthQuery implements Sql.Query {
  ANY_USER("auth/any-user"),
  DELETE_SESSION("auth/delete-session"),
  DELETE_STALE_SESSIONS("auth/delete-stale-sessions"),
  DELETE_STALE_THROTTLES("auth/delete-stale-throttles"),
  DELETE_USER("auth/delete-user"),
  DELETE_USER_SESSIONS("auth/delete-user-sessions"),
  FIND_API_KEY("auth/find-api-key"),
  FIND_API_KEY_BY_ID("auth/find-api-key-by-id"),
  FIND_SESSION("auth/find-session"),
  FIND_USER("auth/find-user"),
  FIND_USER_BY_NAME("auth/find-user-by-name"),
  INSERT_API_KEY("auth/insert-api-key"),
  INSERT_FIRST_ADMINISTRATOR("auth/insert-first-administrator"),
  INSERT_SESSION("auth/insert-session"),
  INSERT_USER("auth/insert-user"),
  LIST_API_KEYS("auth/list-api-keys"),
  LIST_USERS("auth/list-users"),
  LOCK_ADMINISTRATORS("auth/lock-administrators"),
  LOCK_SETUP("auth/lock-setup"),
  LOCK_USER("auth/lock-user"),
  REVOKE_API_KEY("auth/revoke-api-key"),
  THROTTLE_BLOCKED("auth/throttle-blocked"),
  THROTTLE_CLEAR("auth/throttle-clear"),
  THROTTLE_FAILURE("auth/throttle-failure"),
  TOUCH_API_KEY("auth/touch-api-key"),
  TOUCH_SESSION("auth/touch-session"),
  UPDATE_USER_PASSWORD("auth/update-user-password"),
  UPDATE_USER_ROLE("auth/update-user-role");

  private final String path;

  AuthQuery(String path) {
    this.path = path;
  }

  @Override
  public String path() {
    return path;
  }
}
