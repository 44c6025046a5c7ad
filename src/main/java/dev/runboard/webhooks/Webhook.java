package dev.runboard.webhooks;

import dev.runboard.store.StoreRows;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * A project's webhook as stored. Its JSON never carries the secret: the API shows that once, when it is made.
 *
 * @param dashboardUrl the dashboard's origin as the request that created or last changed the webhook saw it, for
 *                     links when {@code http.publicUrl} is not set (null if unknown)
 */
record Webhook(long id, long projectId, String name, String url, List<String> events, String format, String secret,
               boolean enabled, String dashboardUrl, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  static Webhook fromRow(Row row) {
    return new Webhook(row.getLong("id"), row.getLong("project_id"), row.getString("name"), row.getString("url"),
      Arrays.asList(row.getArrayOfStrings("events")), row.getString("format"), row.getString("secret"),
      row.getBoolean("enabled"), row.getString("dashboard_url"), row.getOffsetDateTime("created_at"),
      row.getOffsetDateTime("updated_at"));
  }

  JsonObject toJson() {
    return new JsonObject().put("id", id).put("projectId", projectId).put("name", name).put("url", url)
      .put("events", new JsonArray(events)).put("format", format).put("enabled", enabled)
      .put("createdAt", StoreRows.time(createdAt)).put("updatedAt", StoreRows.time(updatedAt));
  }

  /** A row of the delivery log as the API shows it. */
  static JsonObject deliveryJson(Row row) {
    return new JsonObject().put("id", row.getLong("id")).put("webhookId", row.getLong("webhook_id"))
      .put("runId", row.getLong("run_id")).put("event", row.getString("event")).put("status", row.getString("status"))
      .put("attempts", row.getInteger("attempts")).put("responseCode", row.getInteger("response_code"))
      .put("error", row.getString("error")).put("createdAt", StoreRows.time(row.getOffsetDateTime("created_at")))
      .put("lastAttemptAt", StoreRows.time(row.getOffsetDateTime("last_attempt_at")))
      .put("nextAttemptAt", StoreRows.time(row.getOffsetDateTime("next_attempt_at")))
      .put("deliveredAt", StoreRows.time(row.getOffsetDateTime("delivered_at")));
  }
}
