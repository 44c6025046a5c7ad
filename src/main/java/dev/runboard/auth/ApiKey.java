package dev.runboard.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.Instant;
import java.time.OffsetDateTime;

/** An API key as lists show it: its prefix, never the key or its hash. */
record ApiKey(long id, long userId, String name, String prefix, Instant createdAt, Instant lastUsedAt,
              Instant expiresAt, Instant revokedAt) {

  /** Characters of the key kept in clear to tell keys apart ({@code rb_} and 7 more). */
  static final int PREFIX_LENGTH = 10;

  static ApiKey fromRow(Row row) {
    return new ApiKey(row.getLong("id"), row.getLong("user_id"), row.getString("name"), row.getString("prefix"),
      instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("last_used_at")),
      instant(row.getOffsetDateTime("expires_at")), instant(row.getOffsetDateTime("revoked_at")));
  }

  JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("userId", userId)
      .put("name", name)
      .put("prefix", prefix)
      .put("createdAt", text(createdAt))
      .put("lastUsedAt", text(lastUsedAt))
      .put("expiresAt", text(expiresAt))
      .put("revokedAt", text(revokedAt));
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static String text(Instant time) {
    return time == null ? null : time.toString();
  }
}
