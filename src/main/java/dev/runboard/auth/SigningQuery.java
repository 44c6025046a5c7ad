package dev.runboard.auth;

import dev.runboard.store.Sql;

/** Queries on the file signing keys, in {@code sql/auth/}. */
enum SigningQuery implements Sql.Query {
  ACTIVE_SIGNING_KEYS,
  FIND_SIGNING_KEY,
  INSERT_SIGNING_KEY,
  LIST_SIGNING_KEYS,
  LOCK_SIGNING_KEYS,
  RETIRE_SIGNING_KEY;

  @Override
  public String area() {
    return "auth";
  }
}
