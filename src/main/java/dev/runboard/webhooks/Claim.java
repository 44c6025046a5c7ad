package dev.runboard.webhooks;

import io.vertx.sqlclient.Row;

/**
 * A delivery claimed by this node for one attempt (number {@code attempt}), with what sending it needs from its
 * webhook. Recording the attempt's result succeeds only while the claim holds (see {@code record-*.sql}).
 */
record Claim(long deliveryId, long webhookId, Long runId, WebhookEvent event, int attempt, long projectId,
             String url, String format, String secret, boolean enabled, String dashboardUrl) {

  static Claim fromRow(Row row) {
    return new Claim(row.getLong("id"), row.getLong("webhook_id"), row.getLong("run_id"),
      WebhookEvent.fromWire(row.getString("event")), row.getInteger("attempts"), row.getLong("project_id"),
      row.getString("url"), row.getString("format"), row.getString("secret"), row.getBoolean("enabled"),
      row.getString("dashboard_url"));
  }
}
