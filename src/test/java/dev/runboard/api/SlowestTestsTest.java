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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slowest tests, ranked in memory from each run's kept durations ({@link SlowestTests}), against PostgreSQL's
 * own aggregation of the stored results (the query the endpoint ran before, {@code slowest-tests-oracle.sql}).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Slowest tests: the ranking kept in memory equals PostgreSQL's aggregation, and follows a running run")
class SlowestTestsTest {

  private static final int TESTS = 30;

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporter;
  private static String viewer;
  private static long projectId;
  private static long runningRun;
  private static String runningToken;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    viewer = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
    Random random = new Random(18);
    for (int run = 0; run < 7; run++) {
      JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "slowest").put("metadata", new JsonObject()
          .put("scm", new JsonObject().put("branch", run % 3 == 0 ? "feature/x" : "main")))).await()
        .bodyAsJsonObject();
      long runId = started.getLong("runId");
      String token = started.getString("streamToken");
      projectId = started.getLong("projectId");
      JsonArray cases = new JsonArray();
      for (int test = 0; test < TESTS; test++) {
        if (random.nextInt(10) == 0) {
          continue;  // not in this run
        }
        String status = random.nextInt(8) == 0 ? "skipped" : "passed";
        if (test == TESTS - 1) {
          // Durations near the largest allowed (10^15 ms).
          cases.add(testCase(test, 0, "passed", 999_999_999_999_000L - run));
        } else if (random.nextInt(6) == 0) {
          // Failed first, then passed on retry: the result is the retry's duration.
          cases.add(testCase(test, 0, "failed", random.nextInt(5_000)));
          cases.add(testCase(test, 1, "passed", random.nextInt(5_000)));
        } else {
          // Few distinct durations, so that means tie and halves round.
          cases.add(testCase(test, 0, status, 100L * random.nextInt(12) + random.nextInt(2)));
        }
      }
      send(runId, token, cases);
      if (run < 6) {
        client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
          .sendJsonObject(new JsonObject().put("status", "passed")).await();
      } else {
        runningRun = runId;
        runningToken = token;
      }
    }
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static JsonObject testCase(int test, int retry, String status, long duration) {
    String title = "test " + test;
    return new JsonObject().put("title", title).put("titlePath", new JsonArray().add("slow").add(title))
      .put("location", "tests/slow.spec.ts:" + (test + 1) + ":1").put("retry", retry).put("status", status)
      .put("duration", duration)
      .put("error", status.equals("failed") ? new JsonObject().put("message", "Error: nope") : null);
  }

  private static void send(long runId, String token, JsonArray cases) {
    HttpResponse<Buffer> sent = client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", cases)).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
  }

  @Test
  @DisplayName("every window and branch, paged four at a time, equals the SQL aggregation; a retry in the running run moves its test")
  void equalsTheSqlAggregation() throws Exception {
    for (int pass = 0; pass < 2; pass++) {
      // The second pass asks again: the runs are kept now, and must still give the same answer.
      compareAll();
    }
    // The running run gets a retry of a test it already has, far slower than anything, and a test it had not.
    String slowest = "test 3";
    send(runningRun, runningToken, new JsonArray()
      .add(testCase(3, 0, "failed", 10))
      .add(testCase(3, 1, "passed", 900_000))
      .add(testCase(TESTS, 0, "passed", 7)));
    send(runningRun, runningToken, new JsonArray().add(testCase(3, 2, "passed", 800_000)));
    JsonObject top = get("/api/projects/" + projectId + "/slowest-tests?runs=1&limit=1").getJsonArray("tests")
      .getJsonObject(0);
    assertThat(top.getString("title")).isEqualTo(slowest);
    assertThat(top.getLong("meanDuration")).isEqualTo(800_000);
    compareAll();
  }

  @Test
  @DisplayName("means round halves up, the largest durations add up exactly, p90 is percentile_disc, ties go by test id")
  void ranking() {
    List<SlowestTests.RunDurations> runs = new ArrayList<>();
    for (long run = 1; run <= 20; run++) {
      // Test 9: 10^15 (the largest duration) in every run. Test 5: 1 and 2 alternately (mean 1.5 → 2). Test 7: 2 always.
      runs.add(new SlowestTests.RunDurations(run, 1, new long[] {5, 7, 9},
        new long[] {run % 2 + 1, 2, 1_000_000_000_000_000L}));
    }
    List<SlowestTests.Ranked> ranked = SlowestTests.rank(runs, null, null, 10);
    assertThat(ranked).extracting(SlowestTests.Ranked::testId).containsExactly(9L, 5L, 7L);
    assertThat(ranked).extracting(SlowestTests.Ranked::mean).containsExactly(1_000_000_000_000_000L, 2L, 2L);
    assertThat(ranked.get(1).p90()).isEqualTo(2);
    assertThat(ranked.get(1).runIds()).hasSize(20).startsWith(1L, 2L);
    assertThat(ranked.get(1).durations()).startsWith(2L, 1L);
    assertThat(SlowestTests.rank(runs, 2L, 5L, 10)).extracting(SlowestTests.Ranked::testId).containsExactly(7L);
    // Ten values 1..10: percentile_disc(0.9) is the 9th.
    List<SlowestTests.RunDurations> ten = new ArrayList<>();
    for (long run = 1; run <= 10; run++) {
      ten.add(new SlowestTests.RunDurations(run, 1, new long[] {1}, new long[] {11 - run}));
    }
    assertThat(SlowestTests.rank(ten, null, null, 1).get(0).p90()).isEqualTo(9);
    assertThat(SlowestTests.rank(ten, null, null, 1).get(0).mean()).isEqualTo(6);
  }

  private void compareAll() throws Exception {
    for (int window : new int[] {1, 3, 20}) {
      for (String branch : Arrays.asList(null, "main", "feature/x", "none")) {
        List<Map<String, Object>> expected = oracle(window, branch);
        List<Map<String, Object>> paged = new ArrayList<>();
        String cursor = null;
        do {
          JsonObject page = get("/api/projects/" + projectId + "/slowest-tests?limit=4&runs=" + window
            + (branch == null ? "" : "&branch=" + branch) + (cursor == null ? "" : "&cursor=" + cursor));
          assertThat(page.getInteger("runs")).isEqualTo(window);
          for (Object test : page.getJsonArray("tests")) {
            paged.add(figures((JsonObject) test));
          }
          cursor = page.getString("nextCursor");
        } while (cursor != null);
        assertThat(paged).as("runs=%d branch=%s", window, branch).isEqualTo(expected);
        if (!"none".equals(branch)) {
          assertThat(expected).as("runs=%d branch=%s", window, branch).isNotEmpty();
        }
      }
    }
  }

  private static Map<String, Object> figures(JsonObject test) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("testId", test.getLong("testId"));
    figures.put("title", test.getString("title"));
    figures.put("mean", test.getLong("meanDuration"));
    figures.put("p90", test.getLong("p90Duration"));
    figures.put("max", test.getLong("maxDuration"));
    figures.put("runs", test.getInteger("runs"));
    List<Long> runIds = new ArrayList<>();
    List<Long> durations = new ArrayList<>();
    for (Object point : test.getJsonArray("trend")) {
      runIds.add(((JsonObject) point).getLong("runId"));
      durations.add(((JsonObject) point).getLong("duration"));
    }
    figures.put("runIds", runIds);
    figures.put("durations", durations);
    return figures;
  }

  /** The whole ranking as PostgreSQL aggregates it from the stored results. */
  private static List<Map<String, Object>> oracle(int window, String branch) throws SQLException, IOException {
    String query;
    try (InputStream in = SlowestTestsTest.class.getResourceAsStream("/slowest-tests-oracle.sql")) {
      query = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    query = query.replace("$1", Long.toString(projectId)).replace("$2", Integer.toString(window))
      .replace("$3", "NULL").replace("$4", "NULL").replace("$5", "1000")
      .replace("$6", branch == null ? "NULL" : "'" + branch + "'");
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
      while (r.next()) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("testId", r.getLong("test_id"));
        figures.put("title", r.getString("title"));
        figures.put("mean", r.getLong("mean_ms"));
        figures.put("p90", r.getLong("p90_ms"));
        figures.put("max", r.getLong("max_ms"));
        figures.put("runs", r.getInt("runs"));
        figures.put("runIds", longs(r.getArray("run_ids")));
        figures.put("durations", longs(r.getArray("durations")));
        rows.add(figures);
      }
    }
    return rows;
  }

  private static List<Long> longs(Array array) throws SQLException {
    return Arrays.asList((Long[]) array.getArray());
  }

  private static JsonObject get(String uri) {
    HttpResponse<Buffer> answer = client.get(uri).bearerTokenAuthentication(viewer).send().await();
    assertThat(answer.statusCode()).as(uri + " → " + answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject();
  }
}
