package dev.runboard.auth;

import dev.runboard.store.Sql;

/** Queries of the auth package, in {@code sql/auth/}. */
enum AuthQuery implements Sql.Query {
  FIND_API_KEY("auth/find-api-key"),
  TOUCH_API_KEY("auth/touch-api-key");

  private final String path;

  AuthQuery(String path) {
    this.path = path;
  }

  @Override
  public String path() {
    return path;
  }
}
