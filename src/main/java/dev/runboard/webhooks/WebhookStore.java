package dev.runboard.webhooks;

import dev.runboard.model.RunSummary;
import dev.runboard.store.Sql;
import dev.runboard.store.StoreRows;
import dev.runboard.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The webhooks' tables: webhooks themselves, the once-per-run decision of what to deliver ({@code webhook_runs}),
 * and the deliveries, which are both the log the API shows and the queue the senders claim from.
 */
final class WebhookStore {

  /** Most webhooks per project. */
  static final int MAX_PER_PROJECT = 20;
  /** Most new failures a payload lists (it always gives their number). */
  static final int LISTED_NEW_FAILURES = 20;

  private final Pool pool;
  private final Sql<WebhookQuery> sql;

  private WebhookStore(Pool pool, Sql<WebhookQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  static Future<WebhookStore> load(Vertx vertx, Pool pool) {
    return Sql.load(vertx, WebhookQuery.class).map(sql -> new WebhookStore(pool, sql));
  }

  private Future<RowSet<Row>> query(WebhookQuery query, Tuple params) {
    return pool.preparedQuery(sql.get(query)).execute(params);
  }

  // ----- webhooks ---------------------------------------------------------------------------------------------

  /** The project's name; 404 when there is no such project. */
  Future<String> projectName(long projectId) {
    return query(WebhookQuery.FIND_PROJECT, Tuple.of(projectId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        throw ApiException.notFound("No project " + projectId + ".");
      }
      return rows.iterator().next().getString("name");
    });
  }

  Future<List<Webhook>> list(long projectId) {
    return query(WebhookQuery.LIST_WEBHOOKS, Tuple.of(projectId)).map(WebhookStore::webhooks);
  }

  /** The webhook of that project; 404 when there is none. */
  Future<Webhook> find(long projectId, long webhookId) {
    return query(WebhookQuery.FIND_WEBHOOK, Tuple.of(webhookId, projectId)).map(rows -> one(rows, webhookId));
  }

  /** 409 when the project has {@link #MAX_PER_PROJECT} webhooks already. */
  Future<Webhook> insert(long projectId, WebhookInput.Create input, String secret, String dashboardUrl) {
    return query(WebhookQuery.INSERT_WEBHOOK, Tuple.tuple().addLong(projectId).addString(input.name())
      .addString(input.url()).addArrayOfString(input.events().toArray(String[]::new)).addString(input.format())
      .addString(secret).addBoolean(input.enabled()).addInteger(MAX_PER_PROJECT).addString(dashboardUrl))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.conflict("Project " + projectId + " has " + MAX_PER_PROJECT
            + " webhooks already, the most it may have.");
        }
        return Webhook.fromRow(rows.iterator().next());
      });
  }

  Future<Webhook> update(long projectId, long webhookId, WebhookInput.Update input, String secret,
                         String dashboardUrl) {
    return query(WebhookQuery.UPDATE_WEBHOOK, Tuple.tuple().addLong(webhookId).addLong(projectId)
      .addBoolean(input.setName()).addString(input.name()).addString(input.url())
      .addArrayOfString(input.events() == null ? null : input.events().toArray(String[]::new))
      .addString(input.format()).addString(secret).addBoolean(input.enabled()).addString(dashboardUrl))
      .map(rows -> one(rows, webhookId));
  }

  Future<Void> delete(long projectId, long webhookId) {
    return query(WebhookQuery.DELETE_WEBHOOK, Tuple.of(webhookId, projectId)).map(rows -> {
      if (rows.rowCount() == 0) {
        throw noSuchWebhook(webhookId);
      }
      return null;
    });
  }

  private static List<Webhook> webhooks(RowSet<Row> rows) {
    List<Webhook> out = new ArrayList<>();
    rows.forEach(row -> out.add(Webhook.fromRow(row)));
    return out;
  }

  private static Webhook one(RowSet<Row> rows, long webhookId) {
    if (!rows.iterator().hasNext()) {
      throw noSuchWebhook(webhookId);
    }
    return Webhook.fromRow(rows.iterator().next());
  }

  private static ApiException noSuchWebhook(long webhookId) {
    return ApiException.notFound("No webhook " + webhookId + " in this project.");
  }

  // ----- deciding what to deliver -----------------------------------------------------------------------------

  /**
   * Decides the deliveries of a run's ending, once: the first caller records the decision (with the run's new
   * failures) and inserts one pending delivery per matching (webhook, event); later callers, and runs of projects
   * without a webhook enabled when the run ended, change nothing. Returns the number of deliveries inserted.
   */
  Future<Integer> decide(long runId) {
    return pool.withTransaction(conn -> conn.preparedQuery(sql.get(WebhookQuery.MARK_RUN))
      .execute(Tuple.of(runId)).compose(marked -> {
        if (!marked.iterator().hasNext()) {
          return Future.succeededFuture(0);
        }
        long newFailures = marked.iterator().next().getLong("new_failures");
        return conn.preparedQuery(sql.get(WebhookQuery.INSERT_DELIVERIES))
          .execute(Tuple.of(runId, (int) newFailures)).map(RowSet::rowCount);
      }));
  }

  /** Runs last active within {@code windowMs} that ended with nothing decided although a webhook wants them. */
  Future<List<Long>> missedRuns(long windowMs, int limit) {
    return query(WebhookQuery.SCAN_MISSED_RUNS, Tuple.of(windowMs, limit)).map(rows -> {
      List<Long> out = new ArrayList<>();
      rows.forEach(row -> out.add(row.getLong("id")));
      return out;
    });
  }

  // ----- sending ----------------------------------------------------------------------------------------------

  /** Claims up to {@code limit} due deliveries for one attempt each, leased for {@code leaseMs}. */
  Future<List<Claim>> claim(int limit, long leaseMs) {
    return query(WebhookQuery.CLAIM_DELIVERIES, Tuple.of(limit, leaseMs)).map(rows -> {
      List<Claim> out = new ArrayList<>();
      rows.forEach(row -> out.add(Claim.fromRow(row)));
      return out;
    });
  }

  /** A new test delivery of the webhook, already claimed by the caller. */
  Future<Claim> insertTest(long webhookId, long leaseMs) {
    return query(WebhookQuery.INSERT_TEST_DELIVERY, Tuple.of(webhookId, leaseMs))
      .map(rows -> Claim.fromRow(rows.iterator().next()));
  }

  Future<Void> delivered(Claim claim, int responseCode) {
    return query(WebhookQuery.RECORD_DELIVERED, Tuple.of(claim.deliveryId(), claim.attempt(), responseCode))
      .mapEmpty();
  }

  /**
   * A failed attempt: the delivery is retried after {@code retryDelayMs}, unless {@code last} or the retry would
   * come more than {@code retryForMs} after the delivery was queued; then it has failed.
   */
  Future<Void> failedAttempt(Claim claim, Integer responseCode, String error, boolean last, long retryDelayMs,
                             long retryForMs) {
    return query(WebhookQuery.RECORD_FAILED_ATTEMPT, Tuple.tuple().addLong(claim.deliveryId())
      .addInteger(claim.attempt()).addInteger(responseCode).addString(error).addBoolean(last)
      .addLong(retryDelayMs).addLong(retryForMs)).mapEmpty();
  }

  /** The run's summary and what the webhook decision found about it; null when the run is gone. */
  Future<RunFacts> runFacts(long runId) {
    return query(WebhookQuery.RUN_SUMMARY, Tuple.of(runId)).compose(rows -> {
      if (!rows.iterator().hasNext()) {
        return Future.succeededFuture(null);
      }
      Row row = rows.iterator().next();
      RunSummary summary = StoreRows.runSummary(row);
      Long previous = row.getLong("previous_run_id");
      int count = row.getInteger("new_failures");
      if (previous == null || count == 0) {
        return Future.succeededFuture(new RunFacts(summary, row.getString("branch"),
          new Notice.NewFailures(count, previous, List.of())));
      }
      return query(WebhookQuery.NEW_FAILURES, Tuple.of(runId, previous, LISTED_NEW_FAILURES)).map(tests -> {
        List<Notice.FailedTest> listed = new ArrayList<>();
        tests.forEach(t -> listed.add(new Notice.FailedTest(t.getLong("id"), t.getString("file"),
          Arrays.asList(t.getArrayOfStrings("title_path")), t.getString("playwright_project"),
          t.getString("status"))));
        return new RunFacts(summary, row.getString("branch"), new Notice.NewFailures(count, previous, listed));
      });
    });
  }

  record RunFacts(RunSummary run, String branch, Notice.NewFailures newFailures) {
  }

  // ----- the delivery log -------------------------------------------------------------------------------------

  /** The webhook's deliveries, newest first, older than {@code beforeId} (null: from the newest). */
  Future<JsonArray> deliveries(long webhookId, Long beforeId, int limit) {
    return query(WebhookQuery.LIST_DELIVERIES, Tuple.of(webhookId, beforeId, limit)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(Webhook.deliveryJson(row)));
      return out;
    });
  }

  Future<JsonObject> delivery(long deliveryId) {
    return query(WebhookQuery.FIND_DELIVERY, Tuple.of(deliveryId))
      .map(rows -> Webhook.deliveryJson(rows.iterator().next()));
  }
}
