package dev.runboard.webhooks;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.stream.Collectors;

import static dev.runboard.webhooks.TestRuns.attempt;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("Webhooks: managed by administrators, delivered once per run ending, signed, retried, logged")
class WebhooksTest {

  private static Runboard node;
  private static DatabaseUrl db;
  private static TestRuns api;
  private static Receiver receiver;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()
      .put(AppConfig.WEBHOOKS_ALLOW_PRIVATE, true)
      .put(AppConfig.WEBHOOKS_RETRY_DELAY, "200ms").put(AppConfig.WEBHOOKS_MAX_RETRY_DELAY, "400ms")
      .put(AppConfig.WEBHOOKS_RETRY_FOR, "3s").put(AppConfig.WEBHOOKS_POLL_INTERVAL, "100ms")
      .put(AppConfig.WEBHOOKS_SCAN_INTERVAL, "300ms").put(AppConfig.WEBHOOKS_TIMEOUT, "1s")
      .put(AppConfig.WEBHOOKS_CONNECT_TIMEOUT, "1s")
      .put(AppConfig.RUNS_IDLE_TIMEOUT, "2s").put(AppConfig.RUNS_SWEEP_INTERVAL, "200ms")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    api = new TestRuns(vertx, node.port(), TestUsers.apiKey(db, "reporter"), TestUsers.apiKey(db, "administrator"));
    receiver = Receiver.start(vertx);
  }

  @AfterAll
  static void stop() {
    api.close();
    receiver.close();
    node.stop();
  }

  private static long project(String name) {
    JsonObject run = api.start(name, null);
    api.finish(run, "passed");
    return run.getLong("projectId");
  }

  private static JsonObject hook(String path, String format, String... events) {
    return new JsonObject().put("url", receiver.url(path)).put("format", format)
      .put("events", new JsonArray(List.of((Object[]) events)));
  }

  private static void quietly(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }

  @Test
  @DisplayName("create answers the secret once; read, change, rotate, delete; every bad field is a 400 naming it")
  void manage() {
    long projectId = project("wh-manage");
    String base = "/api/projects/" + projectId + "/webhooks";
    JsonObject created = api.createWebhook(projectId, hook("/ok-manage", "slack", "run.failed", "run.finished")
      .put("name", "#ci-alerts"));
    long id = created.getLong("id");
    assertThat(created.getString("secret")).startsWith("whsec_").hasSize(49);
    assertThat(created.getJsonArray("events")).containsExactly("run.finished", "run.failed");
    assertThat(created.getBoolean("enabled")).isTrue();

    JsonObject read = api.admin("GET", base + "/" + id, null).bodyAsJsonObject();
    assertThat(read.fieldNames()).doesNotContain("secret");
    assertThat(read.getString("name")).isEqualTo("#ci-alerts");
    JsonObject list = api.admin("GET", base, null).bodyAsJsonObject();
    assertThat(list.getJsonArray("webhooks")).hasSize(1);
    assertThat(list.getJsonArray("webhooks").getJsonObject(0).fieldNames()).doesNotContain("secret");
    assertThat(list.getJsonArray("events")).containsExactly("run.finished", "run.failed", "run.new-failures",
      "run.interrupted");

    JsonObject own = api.createWebhook(projectId, hook("/ok-manage", "generic", "run.finished")
      .put("secret", "my-own-secret-1234"));
    assertThat(own.getString("secret")).isEqualTo("my-own-secret-1234");

    HttpResponse<Buffer> changed = api.admin("PATCH", base + "/" + id, new JsonObject().put("enabled", false)
      .putNull("name").put("format", "teams"));
    assertThat(changed.statusCode()).as(changed.bodyAsString()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getBoolean("enabled")).isFalse();
    assertThat(changed.bodyAsJsonObject().getString("name")).isNull();
    assertThat(changed.bodyAsJsonObject().getString("format")).isEqualTo("teams");
    assertThat(changed.bodyAsJsonObject().fieldNames()).doesNotContain("secret");
    JsonObject rotated = api.admin("PATCH", base + "/" + id, new JsonObject().put("rotateSecret", true))
      .bodyAsJsonObject();
    assertThat(rotated.getString("secret")).startsWith("whsec_").isNotEqualTo(created.getString("secret"));

    assertThat(api.admin("DELETE", base + "/" + id, null).statusCode()).isEqualTo(204);
    assertThat(api.admin("GET", base + "/" + id, null).statusCode()).isEqualTo(404);
    assertThat(api.admin("DELETE", base + "/" + id, null).statusCode()).isEqualTo(404);
    assertThat(api.admin("GET", "/api/projects/999999/webhooks", null).statusCode()).isEqualTo(404);
    long other = project("wh-manage-other");
    assertThat(api.admin("GET", "/api/projects/" + other + "/webhooks/" + own.getLong("id"), null).statusCode())
      .as("a webhook of another project").isEqualTo(404);
    assertThat(api.admin("GET", base + "/abc", null).statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("bad input: 400 with the field, 415 without JSON, 404 before the body, 409 beyond 20 per project")
  void badInput() {
    long projectId = project("wh-bad");
    String base = "/api/projects/" + projectId + "/webhooks";
    record Case(JsonObject body, String field, String message) {
    }
    List<Case> cases = List.of(
      new Case(new JsonObject().put("events", new JsonArray().add("run.failed")), "url", "url is required"),
      new Case(hook("/ok", "generic").put("url", "ftp://example.com/x"), "url", "http:// or https://"),
      new Case(new JsonObject().put("url", receiver.url("/ok")), "events", "events is required"),
      new Case(hook("/ok", "generic"), "events", "at least one event"),
      new Case(hook("/ok", "generic", "run.finished", "run.exploded"), "events[1]", "must be one of"),
      new Case(hook("/ok", "generic", "run.failed", "run.failed"), "events[1]", "repeats"),
      new Case(hook("/ok", "discord", "run.failed"), "format", "must be one of generic, slack, teams"),
      new Case(hook("/ok", "generic", "run.failed").put("secret", "short"), "secret", "16 to 200"),
      new Case(hook("/ok", "generic", "run.failed").put("enabled", "yes"), "enabled", "true or false"),
      new Case(hook("/ok", "generic", "run.failed").put("name", " padded "), "name", "must not be blank"),
      new Case(hook("/ok", "generic", "run.failed").put("colour", "red"), "colour", "Unknown field"));
    for (Case c : cases) {
      HttpResponse<Buffer> response = api.admin("POST", base, c.body());
      assertThat(response.statusCode()).as(c.toString()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
      assertThat(response.bodyAsJsonObject().getString("field")).as(c.toString()).isEqualTo(c.field());
      assertThat(response.bodyAsJsonObject().getString("message")).as(c.toString()).contains(c.message());
    }
    assertThat(api.admin("POST", base, "url=x").statusCode()).isEqualTo(415);
    assertThat(api.admin("POST", "/api/projects/999999/webhooks", new JsonObject()).statusCode())
      .as("existence before the body").isEqualTo(404);
    assertThat(api.admin("GET", base + "?verbose=1", null).bodyAsJsonObject().getString("field"))
      .isEqualTo("verbose");
    assertThat(api.admin("GET", base, null).bodyAsJsonObject().getJsonArray("webhooks")).as("nothing half-written")
      .isEmpty();

    JsonObject created = api.createWebhook(projectId, hook("/ok-bad", "generic", "run.failed"));
    String one = base + "/" + created.getLong("id");
    assertThat(api.admin("PATCH", one, new JsonObject()).bodyAsJsonObject().getString("message"))
      .startsWith("Name at least one of");
    assertThat(api.admin("PATCH", one, new JsonObject().put("secret", "0123456789abcdef0").put("rotateSecret", true))
      .bodyAsJsonObject().getString("field")).isEqualTo("rotateSecret");
    assertThat(api.admin("GET", one + "/deliveries?limit=0", null).bodyAsJsonObject().getString("field"))
      .isEqualTo("limit");
    assertThat(api.admin("GET", one + "/deliveries?cursor=x", null).bodyAsJsonObject().getString("field"))
      .isEqualTo("cursor");
    for (int i = 1; i < WebhookStore.MAX_PER_PROJECT; i++) {
      api.createWebhook(projectId, hook("/ok-bad-" + i, "generic", "run.failed"));
    }
    HttpResponse<Buffer> tooMany = api.admin("POST", base, hook("/ok-bad-21", "generic", "run.failed"));
    assertThat(tooMany.statusCode()).isEqualTo(409);
    assertThat(api.admin("GET", base, null).bodyAsJsonObject().getJsonArray("webhooks")).hasSize(20);
  }

  @Test
  @DisplayName("a failed run: each format's webhook gets run.finished and run.failed once, signed, with the payload")
  void eachFormat() throws Exception {
    long projectId = project("wh-formats");
    JsonObject generic = api.createWebhook(projectId, hook("/ok-generic", "generic", "run.finished", "run.failed"));
    JsonObject slack = api.createWebhook(projectId, hook("/ok-slack", "slack", "run.finished", "run.failed"));
    JsonObject teams = api.createWebhook(projectId, hook("/ok-teams", "teams", "run.finished", "run.failed"));
    long runId = api.run("wh-formats", "main", "failed", attempt("adds to cart", 0, "failed"),
      attempt("logs in", 0, "passed"), attempt("searches", 0, "passed"));

    Receiver.await(() -> receiver.requests(r -> r.path().startsWith("/ok-") && List.of("/ok-generic", "/ok-slack",
      "/ok-teams").contains(r.path())).size() >= 6, 10_000, "six deliveries");
    quietly(800);
    for (String path : List.of("/ok-generic", "/ok-slack", "/ok-teams")) {
      List<Receiver.Request> got = receiver.to(path);
      assertThat(got).as(path).hasSize(2);
      assertThat(got.stream().map(r -> r.header("X-Runboard-Event")).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("run.finished", "run.failed");
      assertThat(got.stream().map(r -> r.header("X-Runboard-Delivery")).distinct()).hasSize(2);
      assertThat(got).allSatisfy(r -> {
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.header("User-Agent")).isEqualTo("Runboard-Webhooks/1");
      });
    }
    String genericSecret = generic.getString("secret");
    assertThat(receiver.to("/ok-generic")).allSatisfy(r -> assertThat(r.signedWith(genericSecret)).isTrue());
    assertThat(receiver.to("/ok-slack")).allSatisfy(r -> assertThat(r.signedWith(slack.getString("secret"))).isTrue());
    assertThat(receiver.to("/ok-teams")).allSatisfy(r -> assertThat(r.signedWith(teams.getString("secret"))).isTrue());
    assertThat(receiver.to("/ok-slack").get(0).signedWith(genericSecret)).as("another webhook's secret").isFalse();

    JsonObject body = receiver.to("/ok-generic").stream().filter(r -> r.header("X-Runboard-Event").equals("run.failed"))
      .findFirst().orElseThrow().json();
    assertThat(body.getString("event")).isEqualTo("run.failed");
    assertThat(body.getLong("webhookId")).isEqualTo(generic.getLong("id"));
    assertThat(body.getString("url")).isEqualTo(api.origin() + "/runs/" + runId);
    assertThat(body.getString("branch")).isEqualTo("main");
    assertThat(body.getJsonObject("project").getString("name")).isEqualTo("wh-formats");
    JsonObject run = body.getJsonObject("run");
    assertThat(run.getLong("id")).isEqualTo(runId);
    assertThat(run.getString("status")).isEqualTo("failed");
    assertThat(run.getJsonObject("counters").getInteger("total")).isEqualTo(3);
    assertThat(run.getJsonObject("counters").getInteger("failed")).isEqualTo(1);
    assertThat(run.getJsonObject("counters").getInteger("passed")).isEqualTo(2);
    assertThat(body.getJsonObject("newFailures").getInteger("count")).isZero();

    JsonObject slackBody = receiver.to("/ok-slack").get(0).json();
    assertThat(slackBody.getString("text")).startsWith("wh-formats: run #" + runId + " failed: 2 passed, 1 failed of 3 "
      + "tests · main @ 0123456");
    assertThat(slackBody.getJsonArray("blocks").getJsonObject(0).getJsonObject("text").getString("text"))
      .startsWith(":x: *<" + api.origin() + "/runs/" + runId + "|wh-formats: run #" + runId + " failed>*");
    JsonObject card = receiver.to("/ok-teams").get(0).json().getJsonArray("attachments").getJsonObject(0)
      .getJsonObject("content");
    assertThat(card.getString("type")).isEqualTo("AdaptiveCard");
    assertThat(card.getJsonArray("actions").getJsonObject(0).getString("url")).isEqualTo(api.origin() + "/runs/" + runId);

    JsonArray log = api.deliveries(projectId, generic.getLong("id"));
    assertThat(log).hasSize(2);
    for (Object entry : log) {
      JsonObject delivery = (JsonObject) entry;
      assertThat(delivery.getString("status")).isEqualTo("delivered");
      assertThat(delivery.getInteger("attempts")).isEqualTo(1);
      assertThat(delivery.getInteger("responseCode")).isEqualTo(200);
      assertThat(delivery.getLong("runId")).isEqualTo(runId);
      assertThat(delivery.getString("nextAttemptAt")).isNull();
      assertThat(delivery.getString("deliveredAt")).isNotNull();
    }
    JsonObject page = api.admin("GET", "/api/projects/" + projectId + "/webhooks/" + generic.getLong("id")
      + "/deliveries?limit=1", null).bodyAsJsonObject();
    assertThat(page.getJsonArray("deliveries")).hasSize(1);
    JsonObject rest = api.admin("GET", "/api/projects/" + projectId + "/webhooks/" + generic.getLong("id")
      + "/deliveries?limit=1&cursor=" + page.getString("nextCursor"), null).bodyAsJsonObject();
    assertThat(rest.getJsonArray("deliveries")).hasSize(1);
    assertThat(rest.getString("nextCursor")).isNull();
  }

  @Test
  @DisplayName("500s are retried with backoff until delivered; a receiver that keeps failing is given up; no redirects")
  void retries() throws Exception {
    long projectId = project("wh-retries");
    JsonObject flaky = api.createWebhook(projectId, hook("/flaky2-retries", "generic", "run.finished"));
    JsonObject failing = api.createWebhook(projectId, hook("/fail-retries", "generic", "run.finished"));
    JsonObject redirect = api.createWebhook(projectId, hook("/redirect-retries", "generic", "run.finished"));
    long runId = api.run("wh-retries", null, "passed", attempt("works", 0, "passed"));

    Receiver.await(() -> receiver.to("/flaky2-retries").size() >= 3, 10_000, "three attempts");
    List<Receiver.Request> attempts = receiver.to("/flaky2-retries");
    assertThat(attempts.stream().map(r -> r.header("X-Runboard-Delivery")).distinct()).hasSize(1);
    assertThat(attempts.get(1).receivedAtMs() - attempts.get(0).receivedAtMs()).isGreaterThanOrEqualTo(200);
    assertThat(attempts.get(2).receivedAtMs() - attempts.get(1).receivedAtMs()).isGreaterThanOrEqualTo(400);
    assertThat(attempts).allSatisfy(r -> assertThat(r.signedWith(flaky.getString("secret"))).isTrue());
    Receiver.await(() -> "delivered".equals(api.deliveries(projectId, flaky.getLong("id")).getJsonObject(0)
      .getString("status")), 5_000, "delivered");
    JsonObject delivered = api.deliveries(projectId, flaky.getLong("id")).getJsonObject(0);
    assertThat(delivered.getInteger("attempts")).isEqualTo(3);
    assertThat(delivered.getInteger("responseCode")).isEqualTo(200);
    assertThat(delivered.getString("error")).isNull();

    Receiver.await(() -> "failed".equals(api.deliveries(projectId, failing.getLong("id")).getJsonObject(0)
      .getString("status")), 15_000, "given up");
    JsonObject failed = api.deliveries(projectId, failing.getLong("id")).getJsonObject(0);
    assertThat(failed.getLong("runId")).isEqualTo(runId);
    assertThat(failed.getInteger("responseCode")).isEqualTo(500);
    assertThat(failed.getString("error")).isEqualTo("HTTP 500");
    assertThat(failed.getString("nextAttemptAt")).isNull();
    int tries = failed.getInteger("attempts");
    // 0, 0.2, 0.6, 1.0, … 400 ms apart at most until 3 s after queueing: 7 or 8 attempts, each one request.
    assertThat(tries).isBetween(5, 9);
    assertThat(receiver.to("/fail-retries")).hasSize(tries);
    quietly(600);
    assertThat(receiver.to("/fail-retries")).as("nothing after giving up").hasSize(tries);

    JsonObject redirected = api.deliveries(projectId, redirect.getLong("id")).getJsonObject(0);
    assertThat(redirected.getInteger("responseCode")).isEqualTo(302);
    assertThat(redirected.getString("error")).isEqualTo("HTTP 302: redirects are not followed (Location: /ok-redirected)");
    assertThat(receiver.to("/ok-redirected")).isEmpty();
  }

  @Test
  @DisplayName("new failures: exactly the tests that passed in the previous ended run of the branch and fail now")
  void newFailures() throws Exception {
    long projectId = project("wh-news");
    JsonObject webhook = api.createWebhook(projectId, hook("/ok-news", "generic", "run.new-failures"));
    JsonObject expectedFailure = attempt("g expected failure", 0, "failed").put("expectedStatus", "failed");
    long first = api.run("wh-news", "main", "failed", attempt("a", 0, "passed"), attempt("b", 0, "passed"),
      attempt("c", 0, "failed"), attempt("d", 0, "failed"), attempt("d", 1, "passed"), attempt("e", 0, "skipped"),
      expectedFailure);
    // Another branch in between, and a run of main still running: neither is the second's previous ended run.
    api.run("wh-news", "feature", "passed", attempt("a", 0, "failed"));
    JsonObject running = api.start("wh-news", "main");
    api.events(running, attempt("a", 0, "failed"));
    long second = api.run("wh-news", "main", "failed", attempt("a", 0, "failed"), attempt("b", 0, "passed"),
      attempt("c", 0, "failed"), attempt("d", 0, "timedOut"), attempt("e", 0, "failed"), attempt("f", 0, "failed"),
      attempt("g expected failure", 0, "passed").put("expectedStatus", "failed"));
    long third = api.run("wh-news", "main", "failed", attempt("a", 0, "failed"), attempt("b", 0, "passed"),
      attempt("d", 0, "timedOut"));
    api.finish(running, "passed");

    Receiver.await(() -> receiver.to("/ok-news").size() >= 2, 10_000, "the new-failures deliveries");
    quietly(800);
    List<JsonObject> bodies = receiver.to("/ok-news").stream().map(Receiver.Request::json).toList();
    assertThat(bodies.stream().map(b -> b.getJsonObject("run").getLong("id")))
      .as("the second main run, and the one that started before it and ended last; not the first or third")
      .containsExactlyInAnyOrder(second, running.getLong("runId"));
    JsonObject body = bodies.stream().filter(b -> b.getJsonObject("run").getLong("id") == second).findFirst()
      .orElseThrow();
    assertThat(body.getString("event")).isEqualTo("run.new-failures");
    JsonObject news = body.getJsonObject("newFailures");
    assertThat(news.getInteger("count")).isEqualTo(3);
    assertThat(news.getLong("previousRunId")).isEqualTo(first);
    List<String> titles = news.getJsonArray("tests").stream()
      .map(t -> ((JsonObject) t).getJsonArray("titlePath").getString(1)).toList();
    assertThat(titles).containsExactly("a", "d", "g expected failure");
    assertThat(news.getJsonArray("tests").stream().map(t -> ((JsonObject) t).getString("status")).toList())
      .containsExactly("failed", "timedOut", "passed");
    assertThat(body.getString("text")).startsWith("wh-news: run #" + second + " has 3 new failures");
    // The late one is compared with the ended main run before it in start order: the first (a passed there).
    JsonObject late = bodies.stream().filter(b -> b.getJsonObject("run").getLong("id") != second).findFirst()
      .orElseThrow().getJsonObject("newFailures");
    assertThat(late.getInteger("count")).isEqualTo(1);
    assertThat(late.getLong("previousRunId")).isEqualTo(first);

    try (Connection c = TestDatabase.jdbc(db);
         PreparedStatement s = c.prepareStatement("SELECT run_id, previous_run_id, new_failures FROM webhook_runs "
           + "WHERE run_id = ANY (?) ORDER BY run_id")) {
      s.setArray(1, c.createArrayOf("bigint", new Object[] {first, running.getLong("runId"), second, third}));
      var rs = s.executeQuery();
      StringBuilder decided = new StringBuilder();
      while (rs.next()) {
        decided.append(rs.getLong(1)).append(':').append(rs.getObject(2)).append(':').append(rs.getInt(3)).append(' ');
      }
      assertThat(decided.toString().trim()).isEqualTo(first + ":null:0 " + running.getLong("runId") + ":" + first
        + ":1 " + second + ":" + first + ":3 " + third + ":" + second + ":0");
    }
  }

  @Test
  @DisplayName("send test: one signed webhook.test attempt, answered with its log entry; failures are not retried")
  void sendTest() throws Exception {
    long projectId = project("wh-test");
    JsonObject ok = api.createWebhook(projectId, hook("/ok-test", "generic", "run.failed").put("enabled", false));
    JsonObject failing = api.createWebhook(projectId, hook("/fail-test", "slack", "run.failed"));
    JsonObject hanging = api.createWebhook(projectId, hook("/hang-test", "teams", "run.failed"));
    String base = "/api/projects/" + projectId + "/webhooks/";

    HttpResponse<Buffer> sent = api.admin("POST", base + ok.getLong("id") + "/test", null);
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    JsonObject delivery = sent.bodyAsJsonObject();
    assertThat(delivery.getString("event")).isEqualTo("webhook.test");
    assertThat(delivery.getString("status")).isEqualTo("delivered");
    assertThat(delivery.getInteger("attempts")).isEqualTo(1);
    assertThat(delivery.getInteger("responseCode")).isEqualTo(200);
    assertThat(delivery.getLong("runId")).isNull();
    Receiver.Request request = receiver.to("/ok-test").get(0);
    assertThat(request.header("X-Runboard-Event")).isEqualTo("webhook.test");
    assertThat(request.header("X-Runboard-Delivery")).isEqualTo(String.valueOf(delivery.getLong("id")));
    assertThat(request.signedWith(ok.getString("secret"))).isTrue();
    assertThat(request.json().getString("text")).isEqualTo("wh-test: test delivery from Runboard");

    JsonObject failed = api.admin("POST", base + failing.getLong("id") + "/test", null).bodyAsJsonObject();
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getInteger("responseCode")).isEqualTo(500);
    assertThat(failed.getString("error")).isEqualTo("HTTP 500");

    long began = System.currentTimeMillis();
    JsonObject hung = api.admin("POST", base + hanging.getLong("id") + "/test", null).bodyAsJsonObject();
    assertThat(System.currentTimeMillis() - began).as("bounded by webhooks.timeout").isBetween(900L, 5_000L);
    assertThat(hung.getString("status")).isEqualTo("failed");
    assertThat(hung.getString("error")).isEqualTo("no answer within 1000 ms (webhooks.timeout)");
    assertThat(hung.getInteger("responseCode")).isNull();

    quietly(700);
    assertThat(receiver.to("/fail-test")).as("a failed test is not retried").hasSize(1);
    assertThat(api.admin("POST", base + "999999/test", null).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a disabled webhook gets nothing; an ending no node handled is found by the scan and sent once")
  void disabledAndMissed() throws Exception {
    JsonObject first = api.start("wh-missed", null);
    api.finish(first, "passed");
    long projectId = first.getLong("projectId");
    long firstRun = first.getLong("runId");
    api.createWebhook(projectId, hook("/ok-disabled", "generic", "run.finished").put("enabled", false));
    long missed = api.run("wh-missed", null, "passed", attempt("works", 0, "passed"));
    quietly(500);
    assertThat(receiver.to("/ok-disabled")).isEmpty();
    // As if this webhook had been enabled for an hour and every node had missed the ending of that run.
    try (Connection c = TestDatabase.jdbc(db);
         PreparedStatement s = c.prepareStatement("INSERT INTO webhooks (project_id, url, events, format, secret, "
           + "active_since) VALUES (?, ?, '{run.finished}', 'generic', 'scan-secret-0123456789', "
           + "now() - interval '1 hour')")) {
      s.setLong(1, projectId);
      s.setString(2, receiver.url("/ok-scan"));
      s.executeUpdate();
    }
    Receiver.await(() -> receiver.to("/ok-scan").size() >= 2, 10_000, "the scan's deliveries");
    quietly(900);
    // Both ended runs of the project (the helper's first one too) are within the webhook's hour, each sent once.
    assertThat(receiver.to("/ok-scan").stream().map(r -> r.json().getJsonObject("run").getLong("id")))
      .containsExactlyInAnyOrder(firstRun, missed);
    assertThat(receiver.to("/ok-scan")).allSatisfy(r -> assertThat(r.signedWith("scan-secret-0123456789")).isTrue());
    assertThat(receiver.to("/ok-disabled")).isEmpty();
  }

  @Test
  @DisplayName("a run the sweeper interrupts is announced as run.interrupted")
  void interruptedBySweeper() throws Exception {
    long projectId = project("wh-stuck");
    api.createWebhook(projectId, hook("/ok-stuck", "generic", "run.interrupted", "run.failed"));
    JsonObject run = api.start("wh-stuck", null);
    api.events(run, attempt("slow", 0, "passed"));
    Receiver.await(() -> !receiver.to("/ok-stuck").isEmpty(), 15_000, "the interruption");
    quietly(500);
    assertThat(receiver.to("/ok-stuck")).hasSize(1);
    Receiver.Request request = receiver.to("/ok-stuck").get(0);
    assertThat(request.header("X-Runboard-Event")).isEqualTo("run.interrupted");
    assertThat(request.json().getJsonObject("run").getLong("id")).isEqualTo(run.getLong("runId"));
    assertThat(request.json().getJsonObject("run").getString("status")).isEqualTo("interrupted");
    assertThat(request.json().getString("text")).startsWith("wh-stuck: run #" + run.getLong("runId")
      + " was interrupted");
  }
}
