package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Failure groups: a run's and a project's unexpected failures grouped by cause")
class FailureGroupsTest {

  private static final String REFUSED = "Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:%d/cart\n"
    + "Call log:\n  - navigating to \"http://localhost:%d/cart\", waiting until \"load\"";
  private static final String TEXT = "Error: expect(locator).toHaveText(expected) failed\n\nLocator: getByTestId('total')\n"
    + "Expected: \"%s\"\nReceived: \"0\"\nTimeout: 5000ms";

  private static Runboard node;
  private static WebClient client;
  private static String reporter;
  private static String viewer;
  private static String administrator;
  private static DatabaseUrl db;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    viewer = TestUsers.apiKey(db, "viewer");
    administrator = TestUsers.apiKey(db, "administrator");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static JsonObject failure(String title, int retry, String message, int line) {
    return new JsonObject().put("title", title).put("titlePath", new JsonArray().add("shop").add(title))
      .put("location", "tests/shop.spec.ts:" + line + ":3").put("retry", retry).put("status", "failed")
      .put("duration", 100).put("error", new JsonObject().put("message", message)
        .put("stack", message.lines().findFirst().orElse("") + "\n    at /ci/work/tests/shop.spec.ts:" + line + ":14"));
  }

  /** A finished run of project "groups" with the given events. */
  private static long run(List<JsonObject> items) {
    return run("groups", null, items);
  }

  /** A finished run of the project that started at {@code startTime} (null: now) with the given events. */
  private static long run(String project, String startTime, List<JsonObject> items) {
    JsonObject start = new JsonObject().put("projectName", project);
    if (startTime != null) {
      start.put("startTime", startTime);
    }
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
      .sendJsonObject(start).await().bodyAsJsonObject();
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    HttpResponse<Buffer> sent = client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(new ArrayList<>(items)))).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("status", "failed")).await();
    return runId;
  }

  @Test
  @DisplayName("20 connection errors on other ports are one group; values and lines tell the rest apart")
  void groups() {
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      // The navigation happens in a beforeEach at line 5: the same frame for every test of the file.
      items.add(failure("checkout " + i, 0, String.format(REFUSED, 40000 + i, 40000 + i), 5));
    }
    items.add(failure("checkout 0", 1, String.format(REFUSED, 41000, 41000), 5));
    items.add(failure("total a", 0, String.format(TEXT, "12.50"), 30));
    items.add(failure("total b", 0, String.format(TEXT, "99.00"), 30));
    items.add(failure("total c", 0, String.format(TEXT, "1.00"), 44));
    items.add(failure("known bug", 0, "Error: still broken", 50).put("expectedStatus", "failed"));
    items.add(new JsonObject().put("title", "fine").put("location", "tests/shop.spec.ts:60:3").put("retry", 0)
      .put("status", "passed").put("duration", 3));
    long runId = run(items);

    JsonArray groups = client.get("/api/test-runs/" + runId + "/failure-groups").bearerTokenAuthentication(viewer)
      .send().await().bodyAsJsonObject().getJsonArray("groups");
    assertThat(groups).hasSize(3);
    JsonObject refused = groups.getJsonObject(0);
    assertThat(refused.getInteger("tests")).isEqualTo(20);
    assertThat(refused.getInteger("attempts")).isEqualTo(21);
    assertThat(refused.getString("signature"))
      .isEqualTo("Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:<port>/cart");
    assertThat(refused.getJsonObject("example").getString("title")).isEqualTo("checkout 0");
    assertThat(groups.getJsonObject(1).getInteger("tests")).as("toHaveText at line 30").isEqualTo(2);
    assertThat(groups.getJsonObject(1).getString("signature")).contains("Locator: getByTestId('total')")
      .doesNotContain("12.50");
    assertThat(groups.getJsonObject(2).getInteger("tests")).as("the same check at line 44").isEqualTo(1);

    JsonArray results = client.get("/api/test-runs/" + runId + "/results?limit=200").bearerTokenAuthentication(viewer)
      .send().await().bodyAsJsonObject().getJsonArray("results");
    JsonObject known = results.stream().map(JsonObject.class::cast).filter(r -> r.getString("title")
      .equals("known bug")).findFirst().orElseThrow();
    assertThat(known.containsKey("fingerprint")).as("an expected failure is no failure to group").isFalse();
    JsonObject first = results.stream().map(JsonObject.class::cast).filter(r -> r.getString("title")
      .equals("checkout 3")).findFirst().orElseThrow();
    assertThat(first.getString("fingerprint")).isEqualTo(refused.getString("fingerprint"));

    assertThat(client.get("/api/test-runs/999999/failure-groups").bearerTokenAuthentication(viewer).send().await()
      .statusCode()).isEqualTo(404);
    HttpResponse<Buffer> bad = client.get("/api/test-runs/" + runId + "/failure-groups?limit=0")
      .bearerTokenAuthentication(viewer).send().await();
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("field")).isEqualTo("limit");
  }

  @Test
  @DisplayName("a project's groups over its recent runs: runs and tests affected, first and last seen, trend")
  void projectGroups() {
    long first = run(List.of(failure("a", 0, "Error: boom 1", 70), failure("b", 0, "Error: other", 80)));
    long second = run(List.of(failure("a", 0, "Error: boom 2", 70), failure("c", 0, "Error: boom 3", 70)));
    long projectId = client.get("/api/test-runs/" + second).bearerTokenAuthentication(viewer).send().await()
      .bodyAsJsonObject().getLong("projectId");
    JsonObject answer = client.get("/api/projects/" + projectId + "/failure-groups?days=7")
      .bearerTokenAuthentication(viewer).send().await().bodyAsJsonObject();
    JsonObject boom = answer.getJsonArray("groups").stream().map(JsonObject.class::cast)
      .filter(g -> g.getString("signature").equals("Error: boom <n>")).findFirst().orElseThrow();
    assertThat(boom.getInteger("runs")).isEqualTo(2);
    assertThat(boom.getInteger("tests")).isEqualTo(2);
    assertThat(boom.getInteger("attempts")).isEqualTo(3);
    assertThat(boom.getLong("lastRunId")).isEqualTo(second);
    assertThat(boom.getString("firstSeen")).isLessThanOrEqualTo(boom.getString("lastSeen"));
    assertThat(boom.getJsonArray("trend")).hasSize(1);
    assertThat(boom.getJsonArray("trend").getJsonObject(0).getInteger("runs")).isEqualTo(2);
    assertThat(first).isLessThan(second);
    assertThat(client.get("/api/projects/" + projectId + "/failure-groups?days=0").bearerTokenAuthentication(viewer)
      .send().await().statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("a project's groups over days: runs add up, tests are counted once, a deleted run leaves them")
  void projectGroupsOverDays() throws Exception {
    String today = OffsetDateTime.now(ZoneOffset.UTC).toString();
    String threeDaysAgo = OffsetDateTime.now(ZoneOffset.UTC).minusDays(3).toString();
    String tenDaysAgo = OffsetDateTime.now(ZoneOffset.UTC).minusDays(10).toString();
    long old;
    long middle;
    long morning;
    long latest;
    long projectId;
    JsonArray queued30;
    JsonArray queued7;
    try (Connection job = TestDatabase.jdbc(db); Statement s = job.createStatement()) {
      // Holding the rollup's lock keeps the job from moving anything: the first reads see only the queue.
      job.setAutoCommit(false);
      s.execute("SELECT id FROM failure_rollup_lock FOR UPDATE");
      // One cause (line 70 of the file) in four runs on three days; test "a" fails on every day, "b" on one.
      old = run("days", tenDaysAgo, List.of(failure("a", 0, "Error: boom 1", 70), failure("z", 0, "Error: old", 90)));
      middle = run("days", threeDaysAgo, List.of(failure("a", 0, "Error: boom 2", 70),
        failure("a", 1, "Error: boom 3", 70)));
      morning = run("days", today, List.of(failure("a", 0, "Error: boom 4", 70)));
      latest = run("days", today, List.of(failure("b", 0, "Error: boom 5", 70)));
      projectId = client.get("/api/test-runs/" + latest).bearerTokenAuthentication(viewer).send().await()
        .bodyAsJsonObject().getLong("projectId");
      queued30 = groups(projectId, 30);
      queued7 = groups(projectId, 7);
      try (Connection c = TestDatabase.jdbc(db); Statement other = c.createStatement()) {
        assertThat(rows(other, "SELECT count(*) FROM failure_pending WHERE project_id = " + projectId))
          .as("six failing attempts queued").containsExactly("6|");
      }
      job.rollback();
    }
    awaitRolledUp();
    assertThat(groups(projectId, 30)).as("the same answer from the rollup as from the queue").isEqualTo(queued30);
    assertThat(groups(projectId, 7)).isEqualTo(queued7);

    JsonObject boom = group(projectId, 30, "Error: boom <n>");
    assertThat(boom.getInteger("runs")).isEqualTo(4);
    assertThat(boom.getInteger("tests")).as("a on three days and b: two tests").isEqualTo(2);
    assertThat(boom.getInteger("attempts")).isEqualTo(5);
    assertThat(boom.getLong("lastRunId")).isEqualTo(latest);
    assertThat(boom.getJsonArray("trend").stream().map(JsonObject.class::cast).map(d -> d.getInteger("runs")))
      .containsExactly(1, 1, 2);
    assertThat(boom.getJsonArray("trend").getJsonObject(2).getString("day")).isEqualTo(today.substring(0, 10));
    assertThat(boom.getString("firstSeen")).startsWith(tenDaysAgo.substring(0, 10));

    JsonObject week = group(projectId, 7, "Error: boom <n>");
    assertThat(week.getInteger("runs")).as("the run of ten days ago is outside 7 days").isEqualTo(3);
    assertThat(week.getInteger("attempts")).isEqualTo(4);
    assertThat(week.getJsonArray("trend")).hasSize(2);
    assertThat(groups(projectId, 7).stream().map(JsonObject.class::cast).map(g -> g.getString("signature")))
      .containsExactly("Error: boom <n>");
    assertThat(groups(projectId, 1).getJsonObject(0).getInteger("runs")).as("today only").isEqualTo(2);

    // An administrator deletes the latest run and the one of three days ago: their days are counted again.
    for (long gone : new long[]{latest, middle}) {
      assertThat(client.delete("/api/test-runs/" + gone).bearerTokenAuthentication(administrator).send().await()
        .statusCode()).isEqualTo(204);
    }
    JsonObject after = group(projectId, 30, "Error: boom <n>");
    assertThat(after.getInteger("runs")).isEqualTo(2);
    assertThat(after.getInteger("tests")).as("b failed only in the deleted run").isEqualTo(1);
    assertThat(after.getInteger("attempts")).isEqualTo(2);
    assertThat(after.getLong("lastRunId")).isEqualTo(morning);
    assertThat(after.getJsonArray("trend")).hasSize(2);
    assertThat(old).isLessThan(morning);

    // What the job kept, batch by batch, equals the failures stored, counted at once.
    awaitRolledUp();
    String stored = "FROM attempts a JOIN runs r ON r.id = a.run_id WHERE a.fingerprint IS NOT NULL ";
    String day = "(r.start_time AT TIME ZONE 'UTC')::date";
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT project_id, day, fingerprint, runs, attempts, first_seen, last_seen, last_run_id, "
        + "signature FROM failure_days ORDER BY project_id, day, fingerprint COLLATE \"C\""))
        .hasSizeGreaterThan(4)
        .isEqualTo(rows(s, "SELECT r.project_id, " + day + " AS day, a.fingerprint, count(DISTINCT r.id), count(*), "
          + "min(r.start_time), max(r.start_time), (array_agg(r.id ORDER BY r.start_time DESC, r.id DESC))[1], "
          + "(array_agg(a.error_signature ORDER BY r.start_time DESC, r.id DESC))[1] " + stored
          + "GROUP BY 1, 2, 3 ORDER BY r.project_id, day, a.fingerprint COLLATE \"C\""));
      assertThat(rows(s, "SELECT project_id, day, fingerprint, test_id FROM failure_day_tests "
        + "ORDER BY project_id, day, fingerprint COLLATE \"C\", test_id"))
        .isEqualTo(rows(s, "SELECT * FROM (SELECT DISTINCT r.project_id, " + day + " AS day, a.fingerprint, a.test_id "
          + stored + ") d ORDER BY project_id, day, fingerprint COLLATE \"C\", test_id"));
    }
  }

  /** Waits (at most 10 s) until the rollup job has moved every queued failure. */
  private static void awaitRolledUp() throws Exception {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement()) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!rows(s, "SELECT count(*) FROM failure_pending").equals(List.of("0|"))) {
        assertThat(System.nanoTime()).as("the queue is emptied within 10 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  private static JsonArray groups(long projectId, int days) {
    HttpResponse<Buffer> answer = client.get("/api/projects/" + projectId + "/failure-groups?days=" + days)
      .bearerTokenAuthentication(viewer).send().await();
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject().getJsonArray("groups");
  }

  private static JsonObject group(long projectId, int days, String signature) {
    return groups(projectId, days).stream().map(JsonObject.class::cast)
      .filter(g -> g.getString("signature").equals(signature)).findFirst().orElseThrow();
  }

  private static List<String> rows(Statement s, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (ResultSet r = s.executeQuery(sql)) {
      int columns = r.getMetaData().getColumnCount();
      while (r.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(r.getString(i)).append('|');
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }
}
