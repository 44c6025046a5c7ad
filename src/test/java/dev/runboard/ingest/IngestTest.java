package dev.runboard.ingest;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Streaming and one-shot ingest store every result exactly once, on real PostgreSQL")
class IngestTest {

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporterKey;
  private static String viewerKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject().put("ingest.maxEventsBytes", "256KiB")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    viewerKey = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static HttpResponse<Buffer> post(String path, String key, Object body) {
    var request = client.post(path);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    return (body instanceof JsonObject json ? request.sendJsonObject(json)
      : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(String.valueOf(body))))
      .await();
  }

  private static HttpResponse<Buffer> events(long runId, String token, JsonObject body) {
    var request = client.post("/api/test-runs/" + runId + "/events");
    if (token != null) {
      request.putHeader("X-Stream-Token", token);
    }
    return request.sendJsonObject(body).await();
  }

  private static JsonObject startRun(String project, String runKey) {
    JsonObject body = new JsonObject().put("projectName", project).put("expectedTests", 3)
      .put("metadata", new JsonObject().put("scm", new JsonObject().put("branch", "main")));
    if (runKey != null) {
      body.put("runKey", runKey);
    }
    HttpResponse<Buffer> response = post("/api/test-runs/start", reporterKey, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isIn(200, 201);
    return response.bodyAsJsonObject();
  }

  private static JsonObject complete(String title, int retry, String status, long duration) {
    return new JsonObject().put("type", "complete").put("title", title)
      .put("titlePath", new JsonArray().add("suite").add(title)).put("playwrightProject", "chromium")
      .put("location", "tests/a.spec.ts:10:5").put("retry", retry).put("status", status).put("duration", duration);
  }

  private static JsonObject batch(JsonObject... items) {
    return new JsonObject().put("testCases", new JsonArray(List.of((Object[]) items)));
  }

  private static long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** An aggregate over every seq of a run's event log: run_events plus the attempts (test-completed). */
  private static String eventLogSeqs(long runId, String aggregate) {
    return "SELECT " + aggregate + " FROM (SELECT seq FROM run_events WHERE run_id = " + runId
      + " UNION ALL SELECT seq FROM attempts WHERE run_id = " + runId + " AND seq IS NOT NULL) log";
  }

  /**
   * The counters as computed from scratch over the stored attempts, with Playwright's outcome rule written again
   * in SQL (independent of the server's Java and of the stored outcome columns).
   */
  private static Map<String, Long> truth(long runId) throws SQLException {
    String sql = "WITH t AS (SELECT (array_agg(status ORDER BY retry DESC))[1] AS final_status, "
      + "(array_agg(expected_status ORDER BY retry DESC))[1] AS exp, array_agg(status) AS statuses "
      + "FROM attempts WHERE run_id = " + runId + " GROUP BY test_id), "
      + "c AS (SELECT final_status, "
      + "(SELECT count(*) FROM unnest(statuses) x WHERE x = 'skipped' AND exp = 'skipped') AS s, "
      + "(SELECT count(*) FROM unnest(statuses) x WHERE x NOT IN ('skipped', 'interrupted') AND x = exp) AS e, "
      + "(SELECT count(*) FROM unnest(statuses) x WHERE x NOT IN ('skipped', 'interrupted') AND x <> exp) AS u "
      + "FROM t), "
      + "o AS (SELECT final_status, CASE WHEN e = 0 AND u = 0 THEN 'skipped' WHEN u = 0 THEN 'expected' "
      + "WHEN e = 0 AND s = 0 THEN 'unexpected' ELSE 'flaky' END AS outcome FROM c) "
      + "SELECT count(*), "
      + "count(*) FILTER (WHERE final_status <> 'interrupted' AND outcome IN ('expected', 'flaky')), "
      + "count(*) FILTER (WHERE final_status NOT IN ('interrupted', 'timedOut') AND outcome = 'unexpected'), "
      + "count(*) FILTER (WHERE final_status = 'timedOut' AND outcome = 'unexpected'), "
      + "count(*) FILTER (WHERE final_status <> 'interrupted' AND outcome = 'skipped'), "
      + "count(*) FILTER (WHERE final_status = 'interrupted'), "
      + "count(*) FILTER (WHERE outcome = 'flaky'), "
      + "(SELECT count(*) FROM attempts WHERE run_id = " + runId + ") FROM o";
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return Map.of("total", rs.getLong(1), "passed", rs.getLong(2), "failed", rs.getLong(3),
        "timedOut", rs.getLong(4), "skipped", rs.getLong(5), "interrupted", rs.getLong(6), "flaky", rs.getLong(7),
        "attempts", rs.getLong(8));
    }
  }

  private static void assertCountersMatchAttempts(long runId) throws SQLException {
    Map<String, Long> truth = truth(runId);
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT total, passed, failed, timed_out, skipped, interrupted, flaky, "
           + "attempts FROM runs WHERE id = " + runId)) {
      rs.next();
      assertThat(Map.of("total", rs.getLong(1), "passed", rs.getLong(2), "failed", rs.getLong(3),
        "timedOut", rs.getLong(4), "skipped", rs.getLong(5), "interrupted", rs.getLong(6), "flaky", rs.getLong(7),
        "attempts", rs.getLong(8))).isEqualTo(truth);
    }
  }

  // ----- streaming --------------------------------------------------------------------------------------------

  @Test
  @DisplayName("start, events (resent), finish: each attempt stored once, counters right, seqs gap-free")
  void streamingRun() throws Exception {
    JsonObject started = startRun("streaming", null);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    assertThat(token).hasSizeGreaterThanOrEqualTo(22);

    JsonObject first = batch(complete("a", 0, "passed", 0), complete("b", 0, "failed", 120),
      complete("c", 0, "failed", 50));
    JsonObject stored = events(runId, token, first).bodyAsJsonObject();
    assertThat(stored).isEqualTo(new JsonObject().put("processed", 3).put("stored", 3).put("duplicates", 0));
    JsonObject again = events(runId, token, first).bodyAsJsonObject();
    assertThat(again).isEqualTo(new JsonObject().put("processed", 3).put("stored", 0).put("duplicates", 3));

    // c passes on retry (flaky); a duplicate inside one batch counts once; begin events are accepted, not stored.
    JsonObject second = batch(complete("c", 1, "passed", 40), complete("c", 1, "passed", 40),
      new JsonObject().put("type", "begin").put("title", "d").put("location", "tests/a.spec.ts:30:1").put("retry", 0));
    assertThat(events(runId, token, second).bodyAsJsonObject())
      .isEqualTo(new JsonObject().put("processed", 3).put("stored", 1).put("duplicates", 1));
    assertThat(events(runId, token, new JsonObject().put("testCases", new JsonArray())).statusCode())
      .as("keep-alive").isEqualTo(200);

    HttpResponse<Buffer> finish = client.post("/api/test-runs/" + runId + "/finish")
      .sendJsonObject(new JsonObject().put("streamToken", token).put("status", "failed")
        .put("metadata", new JsonObject().put("ci", new JsonObject().put("buildId", "42")))).await();
    assertThat(finish.statusCode()).isEqualTo(200);
    JsonObject summary = finish.bodyAsJsonObject();
    assertThat(summary.getString("status")).isEqualTo("failed");
    assertThat(summary.getString("projectName")).isEqualTo("streaming");
    assertThat(summary.getJsonObject("counters")).isEqualTo(new JsonObject().put("total", 3).put("passed", 2)
      .put("failed", 1).put("timedOut", 0).put("skipped", 0).put("interrupted", 0).put("flaky", 1)
      .put("attempts", 4).put("expectedTests", 3));
    assertThat(summary.getJsonObject("metadata").getJsonObject("scm").getString("branch")).isEqualTo("main");
    assertThat(summary.getJsonObject("metadata").getJsonObject("ci").getString("buildId")).isEqualTo("42");
    assertThat(summary.getString("endTime")).endsWith("Z");
    assertThat(summary.getLong("duration")).isNotNegative();
    assertCountersMatchAttempts(runId);
    // Final durations 0, 120 and 40 ms: the run keeps their p50 and p90 for the trends.
    assertThat(scalar("SELECT test_p50_ms FROM runs WHERE id = " + runId)).isEqualTo(40);
    assertThat(scalar("SELECT test_p90_ms FROM runs WHERE id = " + runId)).isEqualTo(120);
    assertThat(scalar("SELECT duration_ms FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = "
      + runId + " AND t.title = 'a'")).as("an explicit 0 is kept").isZero();

    // Seqs: 3 results + progress, 1 result + progress, run-finished → 1..7 without gaps (results are their own
    // test-completed events, the rest is in run_events).
    assertThat(scalar(eventLogSeqs(runId, "count(*)"))).isEqualTo(7);
    assertThat(scalar(eventLogSeqs(runId, "count(DISTINCT seq)"))).isEqualTo(7);
    assertThat(scalar(eventLogSeqs(runId, "max(seq)"))).isEqualTo(7);
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + runId)).isEqualTo(7);

    HttpResponse<Buffer> repeated = client.post("/api/test-runs/" + runId + "/finish")
      .putHeader("X-Stream-Token", token).sendBuffer(Buffer.buffer("not even json")).await();
    assertThat(repeated.statusCode()).as("a repeated finish answers the stored summary").isEqualTo(200);
    assertThat(repeated.bodyAsJsonObject()).isEqualTo(summary);
    assertThat(events(runId, token, first).statusCode()).as("events after finish").isEqualTo(409);
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + runId)).isEqualTo(7);
  }

  @Test
  @DisplayName("a retried start with the same runKey resumes the run with a new token; a finished one is 409")
  void retriedStart() {
    JsonObject first = startRun("keyed", "ci-1234-attempt-1");
    JsonObject second = startRun("keyed", "ci-1234-attempt-1");
    assertThat(second.getLong("runId")).isEqualTo(first.getLong("runId"));
    assertThat(second.getString("streamToken")).isNotEqualTo(first.getString("streamToken"));
    long runId = first.getLong("runId");
    assertThat(events(runId, first.getString("streamToken"), batch()).statusCode()).isEqualTo(403);
    assertThat(events(runId, second.getString("streamToken"), batch()).statusCode()).isEqualTo(200);
    client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", second.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("status", "passed")).await();
    HttpResponse<Buffer> again = post("/api/test-runs/start", reporterKey,
      new JsonObject().put("projectName", "keyed").put("runKey", "ci-1234-attempt-1"));
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
  }

  @Test
  @DisplayName("concurrent starts with one runKey make one run")
  void concurrentStarts() throws Exception {
    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      starts.add(client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
        .sendJsonObject(new JsonObject().put("projectName", "racing-starts").put("runKey", "same")));
    }
    Future.all(starts).await();
    assertThat(starts.stream().map(f -> f.result().bodyAsJsonObject().getLong("runId")).distinct()).hasSize(1);
    assertThat(starts.stream().filter(f -> f.result().statusCode() == 201)).hasSize(1);
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = "
      + "'racing-starts'")).isEqualTo(1);
  }

  @Test
  @DisplayName("batches racing on many connections leave the same rows and counters as one delivery")
  void concurrentWriters() throws Exception {
    JsonObject started = startRun("racing", null);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    // 40 tests; every batch overlaps others: retries arrive out of order and twice.
    List<JsonObject> batches = new ArrayList<>();
    for (int b = 0; b < 16; b++) {
      List<JsonObject> items = new ArrayList<>();
      for (int t = 0; t < 40; t++) {
        int retry = (t + b) % 3;
        String status = retry == 2 ? "passed" : (t % 5 == 0 ? "timedOut" : "failed");
        items.add(complete("t" + t, retry, t % 7 == 0 ? "skipped" : status, 10 + t));
      }
      batches.add(batch(items.toArray(JsonObject[]::new)));
    }
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (JsonObject b : batches) {
      sent.add(client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
        .sendJsonObject(b));
    }
    Future.all(sent).await();
    int stored = 0;
    for (Future<HttpResponse<Buffer>> f : sent) {
      assertThat(f.result().statusCode()).isEqualTo(200);
      stored += f.result().bodyAsJsonObject().getInteger("stored");
    }
    assertThat(stored).isEqualTo(120);
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isEqualTo(120);
    assertCountersMatchAttempts(runId);
    assertThat(scalar("SELECT flaky FROM runs WHERE id = " + runId)).isEqualTo(34);
    long events = scalar(eventLogSeqs(runId, "count(DISTINCT seq)"));
    assertThat(scalar(eventLogSeqs(runId, "max(seq)"))).isEqualTo(events);
    assertThat(scalar(eventLogSeqs(runId, "count(*)"))).isEqualTo(events);
  }

  @Test
  @DisplayName("runs of one project creating the same new tests at once all succeed, each test made once")
  void concurrentRunsShareTests() throws Exception {
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int r = 0; r < 6; r++) {
      JsonObject started = startRun("shared-tests", null);
      List<JsonObject> items = new ArrayList<>();
      for (int t = 0; t < 60; t++) {
        items.add(complete("shared" + t, 0, "passed", 3));
      }
      if (r % 2 == 1) {
        java.util.Collections.reverse(items);
      }
      sent.add(client.post("/api/test-runs/" + started.getLong("runId") + "/events")
        .putHeader("X-Stream-Token", started.getString("streamToken"))
        .sendJsonObject(batch(items.toArray(JsonObject[]::new))));
    }
    Future.all(sent).await();
    for (Future<HttpResponse<Buffer>> f : sent) {
      assertThat(f.result().statusCode()).as(f.result().bodyAsString()).isEqualTo(200);
      assertThat(f.result().bodyAsJsonObject().getInteger("stored")).isEqualTo(60);
    }
    assertThat(scalar("SELECT count(*) FROM tests t JOIN projects p ON p.id = t.project_id WHERE p.name = "
      + "'shared-tests'")).isEqualTo(60);
  }

  // ----- checks and validation --------------------------------------------------------------------------------

  @Test
  @DisplayName("stream-token routes check existence, then the token, then the state, then the body")
  void checkOrder() {
    JsonObject started = startRun("order", null);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    String other = startRun("order", null).getString("streamToken");

    assertThat(events(999_999, null, batch()).statusCode()).isEqualTo(404);
    assertThat(client.post("/api/test-runs/abc/events").sendJsonObject(batch()).await().statusCode()).isEqualTo(400);
    assertThat(client.post("/api/test-runs/0/events").sendJsonObject(batch()).await().statusCode()).isEqualTo(400);
    assertThat(client.post("/api/test-runs/9223372036854775808/events").sendJsonObject(batch()).await()
      .statusCode()).isEqualTo(400);
    assertThat(events(runId, null, batch()).statusCode()).isEqualTo(401);
    assertThat(events(runId, other, batch()).statusCode()).isEqualTo(403);
    assertThat(events(runId, other, new JsonObject().put("nonsense", 1)).statusCode()).as("token before body")
      .isEqualTo(403);
    HttpResponse<Buffer> differ = events(runId, token, batch().put("streamToken", other));
    assertThat(differ.statusCode()).isEqualTo(400);
    assertThat(differ.bodyAsJsonObject().getString("field")).isEqualTo("streamToken");
    HttpResponse<Buffer> inBody = client.post("/api/test-runs/" + runId + "/events")
      .sendJsonObject(batch(complete("x", 0, "passed", 1)).put("streamToken", token)).await();
    assertThat(inBody.statusCode()).isEqualTo(200);
    assertThat(post("/api/test-runs/start", null, new JsonObject().put("projectName", "x")).statusCode())
      .isEqualTo(401);
    assertThat(post("/api/test-runs/start", viewerKey, new JsonObject().put("projectName", "x")).statusCode())
      .isEqualTo(403);
  }

  @Test
  @DisplayName("malformed bodies get a 4xx naming the field, and nothing is written")
  void validation() throws Exception {
    JsonObject started = startRun("validation", null);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");

    assertError(events(runId, token, batch(complete("a", 0, "exploded", 1))), 400, "validation_failed",
      "testCases[0].status");
    assertError(events(runId, token, batch(complete("a", 0, "passed", 1), complete("b", 0, "passed", -1))), 400,
      "validation_failed", "testCases[1].duration");
    assertError(events(runId, token, batch(complete("a", 0, "passed", 1).put("retries", 2))), 400,
      "validation_failed", "testCases[0].retry");
    assertError(events(runId, token, batch(complete("a", 0, "passed", 1).put("error", "x".repeat(70_000)))),
      400, "validation_failed", "testCases[0].error");
    assertError(events(runId, token, batch(complete("a", 0, "passed", 1).put("duration", "slow"))), 400,
      "validation_failed", "testCases[0].duration");
    assertError(events(runId, token, batch().put("testCase", complete("a", 0, "passed", 1))), 400,
      "validation_failed", "testCases");
    JsonArray many = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      many.add(new JsonObject());
    }
    assertError(events(runId, token, new JsonObject().put("testCases", many)), 413, "payload_too_large", null);
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isZero();
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + runId)).isZero();

    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\": "), 400, "invalid_json", null);
    assertError(post("/api/test-runs/start", reporterKey, "[1, 2]"), 400, "validation_failed", null);
    assertError(post("/api/test-runs/start", reporterKey, new JsonObject().put("projectName", "")), 400,
      "validation_failed", "projectName");
    assertError(post("/api/test-runs/start", reporterKey, new JsonObject().put("projectName", "p".repeat(101))),
      400, "validation_failed", "projectName");
    assertError(post("/api/test-runs/start", reporterKey, new JsonObject().put("projectName", "never-made")
      .put("startTime", "yesterday")), 400, "validation_failed", "startTime");
    assertError(post("/api/test-runs/start", reporterKey, new JsonObject().put("projectName", "never-made")
      .put("metadata", new JsonObject().put("big", "x".repeat(70_000)))), 400, "validation_failed", "metadata");
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = 'never-made'")).isZero();

    // Bad UTF-8 is refused, not replaced.
    byte[] bad = "{\"projectName\": \"caf\u0000\"}".getBytes(StandardCharsets.UTF_8);
    bad[bad.length - 3] = (byte) 0xC3;
    HttpResponse<Buffer> badUtf8 = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(bad)).await();
    assertError(badUtf8, 400, "invalid_json", null);

    HttpResponse<Buffer> finishBad = client.post("/api/test-runs/" + runId + "/finish")
      .putHeader("X-Stream-Token", token).sendJsonObject(new JsonObject().put("status", "done")).await();
    assertError(finishBad, 400, "validation_failed", "status");
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND status = 'running'")).isEqualTo(1);
  }

  @Test
  @DisplayName("a chunked body over the limit is refused with 413 while it is read; a finished run says 409 first")
  void oversizeChunkedBody(Vertx vertx) throws Exception {
    JsonObject started = startRun("oversize", null);
    long runId = started.getLong("runId");
    HttpClient http = vertx.createHttpClient();
    int status = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(node.port()).setURI("/api/test-runs/" + runId + "/events")
        .putHeader("X-Stream-Token", started.getString("streamToken")))
      .compose(request -> {
        request.setChunked(true);
        request.write("{\"testCases\": [");
        for (int i = 0; i < 4_000; i++) {
          request.write("{\"title\": \"" + "x".repeat(90) + "\", \"location\": \"a:1\"},");
        }
        return request.end("{}]}").compose(v -> request.response()).map(HttpClientResponse::statusCode);
      }).await(10, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(413);

    // With the token in the header, a finished run answers 409 before the body is read, over its limit or not.
    client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", started.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("status", "passed")).await();
    int finished = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(node.port()).setURI("/api/test-runs/" + runId + "/events")
        .putHeader("X-Stream-Token", started.getString("streamToken")))
      .compose(request -> {
        request.setChunked(true);
        request.write("{\"testCases\": [");
        for (int i = 0; i < 4_000; i++) {
          request.write("{\"title\": \"" + "x".repeat(90) + "\", \"location\": \"a:1\"},");
        }
        return request.end("{}]}").compose(v -> request.response()).map(HttpClientResponse::statusCode);
      }).await(10, TimeUnit.SECONDS);
    assertThat(finished).isEqualTo(409);
    http.close();
  }

  @Test
  @DisplayName("locations keep Windows drive letters: the rightmost numbers are line and column")
  void locations() {
    assertThat(Location.parse("C:\\repo\\tests\\a.spec.ts:10:5")).isEqualTo(new Location("C:/repo/tests/a.spec.ts",
      10, 5));
    assertThat(Location.parse("a.spec.ts:10")).isEqualTo(new Location("a.spec.ts", 10, null));
    assertThat(Location.parse("tests/a.spec.ts")).isEqualTo(new Location("tests/a.spec.ts", null, null));
    assertThat(Location.parse("weird:name.ts:x:7")).isEqualTo(new Location("weird:name.ts:x", 7, null));
  }

  // ----- events on the bus ------------------------------------------------------------------------------------

  @Test
  @DisplayName("a committed batch publishes one bus message in seq order; a rejected one publishes nothing")
  void publishesAfterCommit(Vertx vertx) throws Exception {
    JsonObject started = startRun("published", null);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.vertx().eventBus().consumer(Addresses.runEvents(runId),
      message -> received.add(message.body()));
    consumer.completion().await();
    try {
      events(runId, token, batch(complete("a", 0, "passed", 1), complete("b", 0, "exploded", 1)));
      events(runId, token, batch(complete("a", 0, "passed", 1), complete("b", 0, "failed", 1)));
      long deadline = System.currentTimeMillis() + 5_000;
      while (received.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      assertThat(received).hasSize(1);
      JsonArray published = received.get(0).getJsonArray("events");
      assertThat(published.stream().map(e -> ((JsonObject) e).getString("type")))
        .containsExactly("test-completed", "test-completed", "run-progress");
      assertThat(published.stream().map(e -> ((JsonObject) e).getJsonObject("data").getLong("seq")))
        .containsExactly(1L, 2L, 3L);
      assertThat(published.getJsonObject(0).getJsonObject("data").getJsonObject("result").getString("title"))
        .isEqualTo("a");
    } finally {
      consumer.unregister();
    }
  }

  // ----- outcomes ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("outcomes and counters follow Playwright: an expected failure passes, an unexpected pass fails")
  void outcomes() throws Exception {
    JsonObject run = startRun("outcomes", null);
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");
    JsonObject expectedFailure = complete("fails as expected", 0, "failed", 5).put("expectedStatus", "failed");
    JsonObject unexpectedPass = complete("was fixed", 0, "passed", 5).put("expectedStatus", "failed");
    JsonObject flakyFirst = complete("flaky", 0, "failed", 5);
    JsonObject timedOut = complete("slow", 0, "timedOut", 1000);
    JsonObject skipped = complete("skipped", 0, "skipped", 0).put("expectedStatus", "skipped");
    JsonObject interrupted = complete("cut", 0, "interrupted", 3);
    HttpResponse<Buffer> first = events(runId, token, batch(expectedFailure, unexpectedPass, flakyFirst, timedOut,
      skipped, interrupted));
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    // The flaky test's retry arrives in a later batch and turns its outcome from unexpected to flaky.
    assertThat(events(runId, token, batch(complete("flaky", 1, "passed", 5))).statusCode()).isEqualTo(200);
    assertCountersMatchAttempts(runId);

    HttpResponse<Buffer> finished = client.post("/api/test-runs/" + runId + "/finish")
      .putHeader("X-Stream-Token", token).sendJsonObject(new JsonObject().put("status", "failed")).await();
    assertThat(finished.bodyAsJsonObject().getJsonObject("counters")).isEqualTo(new JsonObject()
      .put("total", 6).put("passed", 2).put("failed", 1).put("timedOut", 1).put("skipped", 1).put("interrupted", 1)
      .put("flaky", 1).put("attempts", 7).put("expectedTests", 3));

    JsonArray results = client.get("/api/test-runs/" + runId + "/results").bearerTokenAuthentication(viewerKey)
      .send().await().bodyAsJsonObject().getJsonArray("results");
    Map<String, String> outcomes = new java.util.TreeMap<>();
    results.forEach(r -> outcomes.put(((JsonObject) r).getString("title"), ((JsonObject) r).getString("outcome")
      + "/" + ((JsonObject) r).getString("expectedStatus")));
    assertThat(outcomes).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("fails as expected",
      "expected/failed", "was fixed", "unexpected/failed", "flaky", "flaky/passed", "slow", "unexpected/passed",
      "skipped", "skipped/skipped", "cut", "skipped/passed")));
    HttpResponse<Buffer> onlyUnexpected = client.get("/api/test-runs/" + runId + "/results?outcome=unexpected")
      .bearerTokenAuthentication(viewerKey).send().await();
    assertThat(onlyUnexpected.bodyAsJsonObject().getJsonArray("results").stream()
      .map(r -> ((JsonObject) r).getString("title"))).containsExactlyInAnyOrder("was fixed", "slow");
    JsonObject flaky = results.stream().map(JsonObject.class::cast).filter(r -> r.getString("title").equals("flaky"))
      .findFirst().orElseThrow();
    assertThat(flaky.getBoolean("flaky")).isTrue();
    assertThat(flaky.getJsonArray("earlierAttempts").getJsonObject(0).getString("outcome"))
      .as("earlier attempts carry the test's outcome").isEqualTo("flaky");
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId + " AND retry = 0 AND outcome = "
      + "'unexpected' AND test_id = (SELECT id FROM tests WHERE title = 'flaky' AND project_id = (SELECT project_id "
      + "FROM runs WHERE id = " + runId + "))")).as("an attempt keeps the outcome its test had when it was stored")
      .isEqualTo(1);
  }

  // ----- one-shot submit --------------------------------------------------------------------------------------

  @Test
  @DisplayName("an old reporter's submit stores every entry, also two tests sharing title and location")
  void submit() throws Exception {
    JsonObject payload = new JsonObject(new String(IngestTest.class.getResourceAsStream(
      "/fixtures/submit-playwright-dashboard.json").readAllBytes(), StandardCharsets.UTF_8));
    HttpResponse<Buffer> response = post("/api/test-runs/submit", reporterKey, payload);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    long runId = body.getLong("testRunId");
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isEqualTo(payload
      .getJsonArray("testCases").size());
    assertCountersMatchAttempts(runId);
    assertThat(scalar("SELECT total FROM runs WHERE id = " + runId)).isEqualTo(4);
    assertThat(scalar("SELECT flaky FROM runs WHERE id = " + runId)).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND status = 'failed' AND "
      + "reported_counts->>'totalTests' = '4'")).isEqualTo(1);
    assertThat(scalar("SELECT count(DISTINCT variant) FROM tests t JOIN attempts a ON a.test_id = t.id WHERE "
      + "a.run_id = " + runId + " AND t.title = 'renders the header'")).isEqualTo(2);
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + runId)).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND expected_tests IS NULL"))
      .as("an old reporter's totalTests counts attempts: it is not the run's expectedTests").isEqualTo(1);

    assertPercentilesAsPostgresComputesThem(runId);

    JsonObject bad = payload.copy();
    bad.put("projectName", "submit-never-made");
    bad.getJsonArray("testCases").getJsonObject(2).put("status", "weird");
    assertError(post("/api/test-runs/submit", reporterKey, bad), 400, "validation_failed", "testCases[2].status");
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = 'submit-never-made'")).isZero();
  }

  @Test
  @DisplayName("a submitted run's p50 and p90 are percentile_disc of its final non-skipped results, as a finish sets")
  void submitPercentiles() throws Exception {
    Random random = new Random(18);
    JsonArray cases = new JsonArray();
    for (int i = 0; i < 23; i++) {
      String location = "tests/p" + i + ".spec.ts:1:1";
      if (i % 5 == 0) {
        // Retried: the first try's duration is not its result's.
        cases.add(new JsonObject().put("title", "t" + i).put("location", location).put("status", "failed")
          .put("duration", 90_000).put("retries", 0));
      }
      String status = i % 7 == 3 ? "skipped" : "passed";
      int duration = status.equals("skipped") ? 100_000 : random.nextInt(5_000);
      cases.add(new JsonObject().put("title", "t" + i).put("location", location).put("status", status)
        .put("duration", duration).put("retries", i % 5 == 0 ? 1 : 0));
    }
    JsonObject payload = new JsonObject().put("projectName", "percentiles").put("status", "passed")
      .put("startTime", "2026-11-20T09:15:00.000Z").put("duration", 1000).put("testCases", cases);
    HttpResponse<Buffer> response = post("/api/test-runs/submit", reporterKey, payload);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    long runId = response.bodyAsJsonObject().getLong("testRunId");
    assertThat(scalar("SELECT count(*) FROM results WHERE run_id = " + runId)).isEqualTo(23);
    assertPercentilesAsPostgresComputesThem(runId);
    assertThat(scalar("SELECT test_p90_ms FROM runs WHERE id = " + runId)).as("no skipped or first-try duration")
      .isLessThan(5_000);

    JsonObject allSkipped = payload.copy().put("testCases", new JsonArray().add(new JsonObject().put("title", "s")
      .put("location", "tests/s.spec.ts:1:1").put("status", "skipped").put("duration", 0).put("retries", 0)));
    long skippedRun = post("/api/test-runs/submit", reporterKey, allSkipped).bodyAsJsonObject().getLong("testRunId");
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + skippedRun
      + " AND test_p50_ms IS NULL AND test_p90_ms IS NULL")).as("nothing ran, nothing to rank").isEqualTo(1);
  }

  /** The run's stored p50 and p90 are set and equal what set-run-percentiles.sql computes from its results. */
  private static void assertPercentilesAsPostgresComputesThem(long runId) throws SQLException {
    String recount = "SELECT percentile_disc(%s) WITHIN GROUP (ORDER BY duration_ms) FROM results WHERE run_id = "
      + runId + " AND status <> 'skipped'";
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND test_p50_ms IS NOT NULL"))
      .isEqualTo(1);
    assertThat(scalar("SELECT test_p50_ms FROM runs WHERE id = " + runId))
      .isEqualTo(scalar(recount.formatted("0.5")));
    assertThat(scalar("SELECT test_p90_ms FROM runs WHERE id = " + runId))
      .isEqualTo(scalar(recount.formatted("0.9")));
  }

  @Test
  @DisplayName("start and submit neither lock nor wait for their project's row, so runs of one project do not queue")
  void projectRowNotLocked() throws Exception {
    JsonObject payload = new JsonObject(new String(IngestTest.class.getResourceAsStream(
      "/fixtures/submit-playwright-dashboard.json").readAllBytes(), StandardCharsets.UTF_8));
    payload.put("projectName", "never-queued").remove("projectDescription");
    assertThat(post("/api/test-runs/submit", reporterKey, payload).statusCode()).isEqualTo(201);
    try (Connection holder = TestDatabase.jdbc(db); Statement s = holder.createStatement()) {
      holder.setAutoCommit(false);
      // The lock an upsert's DO UPDATE takes on the project row and holds until its run commits.
      s.execute("SELECT 1 FROM projects WHERE name = 'never-queued' FOR NO KEY UPDATE");
      HttpResponse<Buffer> submitted = client.post("/api/test-runs/submit").bearerTokenAuthentication(reporterKey)
        .timeout(20_000).sendJsonObject(payload).await();
      assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(201);
      HttpResponse<Buffer> started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
        .timeout(20_000).sendJsonObject(new JsonObject().put("projectName", "never-queued")).await();
      assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(201);
      holder.rollback();
    }
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id "
      + "WHERE p.name = 'never-queued'")).isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = 'never-queued' AND description IS NULL"))
      .isEqualTo(1);
    // A project made without a description takes the first one a run brings, and keeps it.
    payload.put("projectDescription", "first");
    assertThat(post("/api/test-runs/submit", reporterKey, payload).statusCode()).isEqualTo(201);
    payload.put("projectDescription", "second");
    assertThat(post("/api/test-runs/submit", reporterKey, payload).statusCode()).isEqualTo(201);
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = 'never-queued' AND description = 'first'"))
      .isEqualTo(1);
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    if (field != null) {
      assertThat(body.getString("field")).isEqualTo(field);
    }
  }
}
