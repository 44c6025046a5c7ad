package dev.runboard.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.Instant;

/** An account as the API shows it: never with its password hash. */
record User(long id, String username, Role role, Instant createdAt) {

  static User fromRow(Row row) {
    return new User(row.getLong("id"), row.getString("username"), Role.fromWire(row.getString("role")),
      row.getOffsetDateTime("created_at").toInstant());
  }

  JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("username", username)
      .put("role", role.wireName())
      .put("createdAt", createdAt.toString());
  }
}
