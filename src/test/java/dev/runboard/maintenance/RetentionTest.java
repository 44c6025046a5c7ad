package dev.runboard.maintenance;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention job and its API against real nodes on the embedded PostgreSQL: which runs a pass deletes (age,
 * last N, overrides; never pinned or running ones), files-only expiry on disk, {@code run-deleted} per deleted run,
 * two clustered nodes sharing one backlog, the settings API's validation, pins and usage figures.
 *
 * <p>Each test starts its own node (the defaults are configuration) with {@code retention.interval} of a day, so
 * no timed pass interferes (the first would come after a minute); passes are run on request
 * ({@link Addresses#RETENTION_PASS}), except in the test of the timer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Retention deletes what the settings no longer keep, once, and never pinned or running runs")
class RetentionTest {

  private static Vertx vertx;
  private static WebClient client;

  @TempDir
  Path data;
  private final List<Runboard> nodes = new ArrayList<>();
  private Runboard node;
  private DatabaseUrl db;
  private String reporter;
  private String admin;
  private String viewer;

  @BeforeAll
  static void client() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setFollowRedirects(false));
  }

  @AfterAll
  static void closeClient() {
    client.close();
    vertx.close().await();
  }

  @AfterEach
  void stopNodes() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).stop();
    }
  }

  // ----- helpers ------------------------------------------------------------------------------------------------

  /** A node on a fresh database with these retention settings and no timed pass during the test. */
  private Runboard start(JsonObject overrides) throws IOException {
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())
      .put(AppConfig.RETENTION_INTERVAL, "1d").mergeIn(overrides)));
    nodes.add(node);
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    admin = TestUsers.apiKey(db, "administrator");
    viewer = TestUsers.apiKey(db, "viewer");
    return node;
  }

  private HttpResponse<Buffer> send(HttpMethod method, String path, String key, Object body) {
    HttpRequest<Buffer> request = client.request(method, node.port(), "127.0.0.1", path);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    if (body instanceof Buffer raw) {
      return request.sendBuffer(raw).await();
    }
    return body == null ? request.send().await() : request.sendJson(body).await();
  }

  private JsonObject ok(HttpMethod method, String path, String key, Object body) {
    HttpResponse<Buffer> response = send(method, path, key, body);
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.bodyAsString()).isBetween(200, 201);
    return response.bodyAsJsonObject();
  }

  private static String daysAgo(int days) {
    return Instant.now().minus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /**
   * A finished one-shot run of {@code tests} tests that started {@code days} ago; the first test is flaky (failed,
   * then passed on retry 1), so the run has {@code tests} results and {@code tests + 1} attempts.
   */
  private long submit(String project, int days, int tests) {
    JsonArray cases = new JsonArray();
    for (int i = 0; i < tests; i++) {
      cases.add(new JsonObject().put("title", "t" + i).put("location", "a.spec.ts:" + (i + 1) + ":1")
        .put("status", i == 0 ? "failed" : "passed").put("duration", 5).put("retries", 0));
    }
    cases.add(new JsonObject().put("title", "t0").put("location", "a.spec.ts:1:1").put("status", "passed")
      .put("duration", 5).put("retries", 1));
    return ok(HttpMethod.POST, "/api/test-runs/submit", reporter, new JsonObject().put("projectName", project)
      .put("status", "passed").put("startTime", daysAgo(days)).put("duration", 1000).put("testCases", cases))
      .getLong("testRunId");
  }

  /** A streamed run that started {@code days} ago and is still running. */
  private long startRunning(String project, int days) {
    return ok(HttpMethod.POST, "/api/test-runs/start", reporter, new JsonObject().put("projectName", project)
      .put("startTime", daysAgo(days))).getLong("runId");
  }

  /** A one-shot upload (one test) with a report ({@code reportBytes}) and a trace ({@code traceBytes}). */
  private long uploadWithFiles(String project, int days, byte[] report, byte[] trace) {
    String boundary = "----retention" + UUID.randomUUID();
    Buffer body = Buffer.buffer();
    field(body, boundary, "projectName", project);
    field(body, boundary, "testRun", new JsonObject().put("status", "passed").put("startTime", daysAgo(days))
      .put("duration", 1000).encode());
    field(body, boundary, "testCases", new JsonArray().add(new JsonObject().put("title", "t0")
      .put("location", "a.spec.ts:1:1").put("status", "passed").put("duration", 5).put("retries", 0)).encode());
    file(body, boundary, "report_html", "index.html", "text/html", report);
    file(body, boundary, "trace_0", "trace.zip", "application/zip", trace);
    body.appendString("--" + boundary + "--\r\n");
    HttpResponse<Buffer> response = client.request(HttpMethod.POST, node.port(), "127.0.0.1",
        "/api/test-runs/upload").bearerTokenAuthentication(reporter)
      .putHeader("Content-Type", "multipart/form-data; boundary=" + boundary).sendBuffer(body).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getLong("testRunId");
  }

  private static void field(Buffer body, String boundary, String name, String value) {
    body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n")
      .appendString(value).appendString("\r\n");
  }

  private static void file(Buffer body, String boundary, String name, String fileName, String type, byte[] bytes) {
    body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
      + fileName + "\"\r\nContent-Type: " + type + "\r\n\r\n").appendBytes(bytes).appendString("\r\n");
  }

  private void pin(long runId) {
    assertThat(ok(HttpMethod.POST, "/api/test-runs/" + runId + "/pin", admin, null).getBoolean("pinned")).isTrue();
  }

  private void override(long projectId, JsonObject settings) {
    ok(HttpMethod.PUT, "/api/projects/" + projectId + "/retention", admin, settings);
  }

  private long projectOf(long runId) {
    return ok(HttpMethod.GET, "/api/test-runs/" + runId, viewer, null).getLong("projectId");
  }

  /** One pass on {@code on}, now; its reply. */
  private static JsonObject pass(Runboard on) {
    return on.vertx().eventBus().<JsonObject>request(Addresses.RETENTION_PASS, null).await().body();
  }

  /** The run-deleted updates published from now on, as seen by {@code on}'s event bus. */
  private static List<JsonObject> deletions(Runboard on) {
    List<JsonObject> deleted = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = on.vertx().eventBus().consumer(Addresses.RUN_UPDATES,
      (Message<JsonObject> m) -> {
        if ("run-deleted".equals(m.body().getString("type"))) {
          deleted.add(m.body());
        }
      });
    consumer.completion().await();
    return deleted;
  }

  private static List<Long> runIds(List<JsonObject> updates) {
    return updates.stream().map(u -> u.getLong("runId")).sorted().toList();
  }

  private static List<Long> longs(JsonArray array) {
    List<Long> ids = new ArrayList<>();
    array.forEach(id -> ids.add(((Number) id).longValue()));
    return ids.stream().sorted().toList();
  }

  /** Waits for a condition (up to 10 s), then a little more to see that nothing else arrives. */
  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(200);
  }

  private long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private List<Long> ids(String sql) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  private static String in(List<Long> ids) {
    return "(" + String.join(",", ids.stream().map(String::valueOf).toList()) + ")";
  }

  // ----- tests --------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("runs older than retention.runsDays go with their attempts, results and events, in batches; "
    + "newer, pinned and running runs stay; one run-deleted each")
  void olderThanDays() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_RUNS_DAYS, 30).put(AppConfig.RETENTION_BATCH_SIZE, 3));
    List<Long> old = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      old.add(submit("shop", 40 + i, 3));
    }
    List<Long> recent = List.of(submit("shop", 10, 3), submit("shop", 29, 3), submit("shop", 0, 3));
    long pinned = submit("shop", 400, 3);
    pin(pinned);
    long running = startRunning("shop", 60);
    long projectId = projectOf(running);
    List<JsonObject> deleted = deletions(node);

    JsonObject reply = pass(node);

    assertThat(longs(reply.getJsonArray("deletedRuns"))).containsExactlyElementsOf(old);
    assertThat(reply.getJsonArray("expiredFileRuns")).isEmpty();
    List<Long> kept = new ArrayList<>(recent);
    kept.add(pinned);
    kept.add(running);
    assertThat(ids("SELECT id FROM runs ORDER BY id")).containsExactlyElementsOf(kept.stream().sorted().toList());
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id IN " + in(old))).isZero();
    assertThat(scalar("SELECT count(*) FROM results WHERE run_id IN " + in(old))).isZero();
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id IN " + in(old))).isZero();
    // 4 finished runs kept × (3 results, 4 attempts); the running run has none.
    assertThat(scalar("SELECT count(*) FROM results")).isEqualTo(12);
    assertThat(scalar("SELECT count(*) FROM attempts")).isEqualTo(16);
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + running + " AND status = 'running'")).isEqualTo(1);

    await(() -> deleted.size() >= 7);
    assertThat(runIds(deleted)).containsExactlyElementsOf(old);
    assertThat(deleted).allSatisfy(u -> {
      assertThat(u.getLong("projectId")).isEqualTo(projectId);
      assertThat(u.getString("status")).isEqualTo("passed");
      assertThat(u.getJsonObject("counters").getInteger("total")).isEqualTo(3);
      assertThat(u.getJsonObject("counters").getInteger("attempts")).isEqualTo(4);
    });

    assertThat(longs(pass(node).getJsonArray("deletedRuns"))).as("a second pass finds nothing").isEmpty();
    assertThat(deleted).hasSize(7);
    assertThat(send(HttpMethod.GET, "/api/test-runs/" + old.get(0), viewer, null).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("keepRuns keeps a project's newest N runs (pinned ones besides); projects without an override "
    + "follow the default")
  void keepLastRuns() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_BATCH_SIZE, 2));
    List<Long> shop = new ArrayList<>();
    List<Long> other = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      shop.add(submit("shop", 0, 1));
      if (i < 6) {
        other.add(submit("other", 0, 1));
      }
    }
    pin(shop.get(1));
    override(projectOf(shop.get(0)), new JsonObject().put("keepRuns", 4));
    List<JsonObject> deleted = deletions(node);

    JsonObject reply = pass(node);

    List<Long> expected = List.of(shop.get(0), shop.get(2), shop.get(3), shop.get(4), shop.get(5));
    assertThat(longs(reply.getJsonArray("deletedRuns"))).containsExactlyElementsOf(expected);
    assertThat(ids("SELECT id FROM runs WHERE project_id = " + projectOf(shop.get(9)) + " ORDER BY id"))
      .containsExactly(shop.get(1), shop.get(6), shop.get(7), shop.get(8), shop.get(9));
    assertThat(ids("SELECT id FROM runs WHERE project_id = " + projectOf(other.get(0)) + " ORDER BY id"))
      .as("the default keeps every run").containsExactlyElementsOf(other);
    await(() -> deleted.size() >= 5);
    assertThat(runIds(deleted)).containsExactlyElementsOf(expected);

    // Newer runs push older ones out; the pinned run still does not count against it leaving.
    long newest = submit("shop", 0, 1);
    assertThat(longs(pass(node).getJsonArray("deletedRuns"))).containsExactly(shop.get(6));
    assertThat(ids("SELECT id FROM runs WHERE project_id = " + projectOf(newest) + " ORDER BY id"))
      .containsExactly(shop.get(1), shop.get(7), shop.get(8), shop.get(9), newest);
  }

  @Test
  @DisplayName("a project's override beats the default: 0 keeps forever, a shorter age deletes more")
  void overrideBeatsDefault() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_RUNS_DAYS, 30));
    long forever = submit("forever", 40, 1);
    long foreverOld = submit("forever", 4000, 1);
    long strict10 = submit("strict", 10, 1);
    long strict2 = submit("strict", 2, 1);
    long default40 = submit("plain", 40, 1);
    long default10 = submit("plain", 10, 1);
    override(projectOf(forever), new JsonObject().put("runsDays", 0));
    override(projectOf(strict10), new JsonObject().put("runsDays", 5));

    JsonObject reply = pass(node);

    assertThat(longs(reply.getJsonArray("deletedRuns"))).containsExactly(strict10, default40);
    assertThat(ids("SELECT id FROM runs ORDER BY id")).containsExactly(forever, foreverOld, strict2, default10);

    // Back to the default (PUT {} clears the overrides): the "forever" project's old runs go too.
    override(projectOf(forever), new JsonObject());
    assertThat(longs(pass(node).getJsonArray("deletedRuns"))).containsExactly(forever, foreverOld);
  }

  @Test
  @DisplayName("files-only expiry removes old runs' files on disk and their rows, keeps their results, publishes "
    + "nothing, and spares pinned runs")
  void filesOnlyExpiry() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_FILES_DAYS, 7));
    byte[] report = "<html><body>report</body></html>".getBytes(StandardCharsets.UTF_8);
    byte[] trace = new byte[4_321];
    long old = uploadWithFiles("shop", 10, report, trace);
    long recent = uploadWithFiles("shop", 2, report, trace);
    long pinned = uploadWithFiles("shop", 30, report, trace);
    pin(pinned);
    long bare = submit("shop", 30, 2);
    Path storage = data.resolve("files").resolve("runs");
    assertThat(storage.resolve(Long.toString(old))).isDirectory();
    long attemptsBefore = scalar("SELECT count(*) FROM attempts WHERE run_id = " + old);
    List<JsonObject> deleted = deletions(node);
    JsonObject usageBefore = usage("shop");
    assertThat(usageBefore.getLong("files")).isEqualTo(6);
    assertThat(usageBefore.getLong("filesBytes")).isEqualTo(3L * (report.length + trace.length));

    JsonObject reply = pass(node);

    assertThat(longs(reply.getJsonArray("deletedRuns"))).isEmpty();
    assertThat(longs(reply.getJsonArray("expiredFileRuns"))).containsExactly(old);
    assertThat(reply.getLong("files")).isEqualTo(2);
    assertThat(reply.getLong("bytes")).isEqualTo(report.length + trace.length);
    assertThat(storage.resolve(Long.toString(old))).doesNotExist();
    assertThat(storage.resolve(Long.toString(recent))).isDirectory();
    assertThat(storage.resolve(Long.toString(pinned))).isDirectory();
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + old)).isZero();
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id IN " + in(List.of(recent, pinned))))
      .isEqualTo(4);
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + old)).isEqualTo(attemptsBefore).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM results WHERE run_id = " + old)).isEqualTo(1);
    assertThat(ids("SELECT id FROM runs ORDER BY id")).containsExactly(old, recent, pinned, bare);

    JsonObject detail = ok(HttpMethod.GET, "/api/test-runs/" + old, viewer, null);
    assertThat(detail.getJsonArray("files")).isEmpty();
    assertThat(Instant.parse(detail.getString("filesExpiredAt"))).isAfter(Instant.now().minusSeconds(60));
    assertThat(ok(HttpMethod.GET, "/api/test-runs/" + recent, viewer, null).getString("filesExpiredAt")).isNull();
    JsonObject usageAfter = usage("shop");
    assertThat(usageAfter.getLong("files")).isEqualTo(4);
    assertThat(usageAfter.getLong("filesBytes")).isEqualTo(2L * (report.length + trace.length));

    JsonObject again = pass(node);
    assertThat(again.getJsonArray("expiredFileRuns")).isEmpty();
    assertThat(again.getLong("bytes")).isZero();
    Thread.sleep(200);
    assertThat(deleted).as("files-only expiry publishes no run-deleted").isEmpty();
  }

  @Test
  @DisplayName("the timer runs passes by itself every retention.interval")
  void timedPasses() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_RUNS_DAYS, 1).put(AppConfig.RETENTION_INTERVAL, "300ms"));
    List<JsonObject> deleted = deletions(node);
    long old = submit("shop", 3, 1);
    long fresh = submit("shop", 0, 1);
    await(() -> deleted.size() >= 1);
    assertThat(runIds(deleted)).containsExactly(old);
    assertThat(ids("SELECT id FROM runs")).containsExactly(fresh);
  }

  @Test
  @DisplayName("two clustered nodes purging one backlog at the same time delete each run exactly once")
  void twoNodesAtOnce() throws Exception {
    String cluster = "retention-test-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject clustered = new JsonObject()
      .put(AppConfig.CLUSTER_ENABLED, true).put(AppConfig.CLUSTER_NAME, cluster)
      .put(AppConfig.CLUSTER_HOST, "127.0.0.1").put(AppConfig.CLUSTER_PORT, 5841)
      .put(AppConfig.CLUSTER_MEMBERS, "127.0.0.1:5841,127.0.0.1:5842")
      .put(AppConfig.RETENTION_RUNS_DAYS, 30).put(AppConfig.RETENTION_BATCH_SIZE, 2);
    Runboard a = start(clustered);
    Runboard b = Runboard.start(AppConfig.of(a.config().json().put(AppConfig.CLUSTER_PORT, 5842)
      .put(AppConfig.HTTP_PORT, 0)));
    nodes.add(b);
    List<Long> old = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      old.add(submit(i % 2 == 0 ? "even" : "odd", 31 + i, 2));
    }
    long kept = submit("even", 1, 2);
    List<JsonObject> seenOnA = deletions(a);
    List<JsonObject> seenOnB = deletions(b);

    List<Future<Message<JsonObject>>> passes = List.of(
      a.vertx().eventBus().request(Addresses.RETENTION_PASS, null),
      b.vertx().eventBus().request(Addresses.RETENTION_PASS, null));
    Future.all(passes).await();
    List<Long> byA = longs(passes.get(0).result().body().getJsonArray("deletedRuns"));
    List<Long> byB = longs(passes.get(1).result().body().getJsonArray("deletedRuns"));

    Set<Long> overlap = new HashSet<>(byA);
    overlap.retainAll(byB);
    assertThat(overlap).as("runs deleted by both nodes").isEmpty();
    List<Long> all = new ArrayList<>(byA);
    all.addAll(byB);
    assertThat(all.stream().sorted().toList()).containsExactlyElementsOf(old);
    assertThat(ids("SELECT id FROM runs")).containsExactly(kept);
    assertThat(scalar("SELECT count(*) FROM attempts")).isEqualTo(3);
    await(() -> seenOnA.size() >= 40 && seenOnB.size() >= 40);
    assertThat(runIds(seenOnA)).as("each run-deleted once, heard on node A").containsExactlyElementsOf(old);
    assertThat(runIds(seenOnB)).as("and on node B").containsExactlyElementsOf(old);
  }

  @Test
  @DisplayName("retention settings: administrators only, checked field by field (400 naming it, nothing written), "
    + "404 before the body, effective values and defaults shown")
  void settingsApi() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_RUNS_DAYS, 90).put(AppConfig.RETENTION_FILES_DAYS, 14));
    long runId = submit("shop", 0, 1);
    long projectId = projectOf(runId);
    String path = "/api/projects/" + projectId + "/retention";

    JsonObject initial = ok(HttpMethod.GET, path, admin, null);
    assertThat(initial).isEqualTo(new JsonObject().put("projectId", projectId).putNull("runsDays")
      .putNull("keepRuns").putNull("filesDays").putNull("updatedAt")
      .put("effective", new JsonObject().put("runsDays", 90).put("keepRuns", 0).put("filesDays", 14))
      .put("defaults", new JsonObject().put("runsDays", 90).put("keepRuns", 0).put("filesDays", 14)));

    JsonObject set = ok(HttpMethod.PUT, path, admin, new JsonObject().put("keepRuns", 200).put("filesDays", 0)
      .putNull("runsDays"));
    assertThat(set.getInteger("keepRuns")).isEqualTo(200);
    assertThat(set.getInteger("filesDays")).isZero();
    assertThat(set.getValue("runsDays")).isNull();
    assertThat(set.getJsonObject("effective")).isEqualTo(new JsonObject().put("runsDays", 90).put("keepRuns", 200)
      .put("filesDays", 0));
    assertThat(set.getString("updatedAt")).isNotNull();

    record Bad(Object body, int status, String field) {
    }
    List<Bad> bad = List.of(
      new Bad(new JsonObject().put("runsDays", -1), 400, "runsDays"),
      new Bad(new JsonObject().put("runsDays", 36_501), 400, "runsDays"),
      new Bad(new JsonObject().put("keepRuns", "ten"), 400, "keepRuns"),
      new Bad(new JsonObject().put("keepRuns", 1_000_001), 400, "keepRuns"),
      new Bad(new JsonObject().put("filesDays", 1.5), 400, "filesDays"),
      new Bad(new JsonObject().put("filesDays", true), 400, "filesDays"),
      new Bad(new JsonObject().put("days", 3), 400, "days"),
      new Bad(new JsonObject().put("keepRuns", 5).put("runsDays", new JsonArray()), 400, "runsDays"),
      new Bad(new JsonArray().add(1), 400, null),
      new Bad(Buffer.buffer("{\"keepRuns\": 5,"), 400, null));
    for (Bad b : bad) {
      HttpRequest<Buffer> request = client.request(HttpMethod.PUT, node.port(), "127.0.0.1", path)
        .bearerTokenAuthentication(admin);
      HttpResponse<Buffer> response = b.body() instanceof Buffer raw
        ? request.putHeader("Content-Type", "application/json").sendBuffer(raw).await()
        : request.sendJson(b.body()).await();
      assertThat(response.statusCode()).as(b + ": " + response.bodyAsString()).isEqualTo(b.status());
      assertThat(response.bodyAsJsonObject().getString("field")).as(b.toString()).isEqualTo(b.field());
      assertThat(response.bodyAsJsonObject().getString("error")).isIn("validation_failed", "invalid_json");
    }
    assertThat(ok(HttpMethod.GET, path, admin, null).getInteger("keepRuns")).as("nothing written").isEqualTo(200);

    HttpResponse<Buffer> text = client.request(HttpMethod.PUT, node.port(), "127.0.0.1", path)
      .bearerTokenAuthentication(admin).putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("{}"))
      .await();
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(send(HttpMethod.PUT, "/api/projects/999999/retention", admin, new JsonObject().put("runsDays", -5))
      .statusCode()).as("existence before the body").isEqualTo(404);
    assertThat(send(HttpMethod.GET, "/api/projects/999999/retention", admin, null).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> badId = send(HttpMethod.GET, "/api/projects/abc/retention", admin, null);
    assertThat(badId.statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.GET, path + "?x=1", admin, null).bodyAsJsonObject().getString("field")).isEqualTo("x");
    assertThat(send(HttpMethod.GET, path, viewer, null).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.PUT, path, reporter, new JsonObject()).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.GET, "/api/admin/usage", viewer, null).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.PUT, path, null, new JsonObject()).statusCode()).isEqualTo(401);
    assertThat(scalar("SELECT updated_by FROM project_retention WHERE project_id = " + projectId)).isPositive();
  }

  @Test
  @DisplayName("pins: administrators pin and unpin (idempotent, 404 for no run); pinned shows on every run summary")
  void pins() throws Exception {
    start(new JsonObject());
    long runId = submit("shop", 0, 1);
    long projectId = projectOf(runId);
    assertThat(ok(HttpMethod.GET, "/api/test-runs/" + runId, viewer, null).getBoolean("pinned")).isFalse();

    JsonObject pinned = ok(HttpMethod.POST, "/api/test-runs/" + runId + "/pin", admin, null);
    assertThat(pinned).isEqualTo(new JsonObject().put("id", runId).put("pinned", true));
    assertThat(ok(HttpMethod.POST, "/api/test-runs/" + runId + "/pin", admin, null)).isEqualTo(pinned);
    assertThat(ok(HttpMethod.GET, "/api/test-runs/" + runId, viewer, null).getBoolean("pinned")).isTrue();
    assertThat(ok(HttpMethod.GET, "/api/test-runs", viewer, null).getJsonArray("runs").getJsonObject(0)
      .getBoolean("pinned")).isTrue();
    assertThat(ok(HttpMethod.GET, "/api/projects/" + projectId + "/runs", viewer, null).getJsonArray("runs")
      .getJsonObject(0).getBoolean("pinned")).isTrue();
    assertThat(ok(HttpMethod.GET, "/api/projects/" + projectId, viewer, null).getJsonObject("latestRun")
      .getBoolean("pinned")).isTrue();

    assertThat(ok(HttpMethod.DELETE, "/api/test-runs/" + runId + "/pin", admin, null))
      .isEqualTo(new JsonObject().put("id", runId).put("pinned", false));
    assertThat(ok(HttpMethod.GET, "/api/test-runs/" + runId, viewer, null).getBoolean("pinned")).isFalse();
    assertThat(send(HttpMethod.POST, "/api/test-runs/999999/pin", admin, null).statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.POST, "/api/test-runs/0/pin", admin, null).statusCode()).isEqualTo(400);
    assertThat(send(HttpMethod.POST, "/api/test-runs/" + runId + "/pin", reporter, null).statusCode())
      .isEqualTo(403);
    assertThat(send(HttpMethod.DELETE, "/api/test-runs/" + runId + "/pin", viewer, null).statusCode())
      .isEqualTo(403);
  }

  @Test
  @DisplayName("usage per project: runs, pinned, results, attempts, files and bytes as stored, the oldest start")
  void usageFigures() throws Exception {
    start(new JsonObject().put(AppConfig.RETENTION_KEEP_RUNS, 500));
    byte[] report = new byte[10_000];
    byte[] trace = new byte[2_500];
    long first = submit("shop", 12, 4);
    submit("shop", 3, 2);
    long withFiles = uploadWithFiles("shop", 1, report, trace);
    pin(first);
    startRunning("shop", 0);
    submit("api", 0, 1);
    long shopId = projectOf(first);
    override(shopId, new JsonObject().put("filesDays", 7));

    JsonObject usage = ok(HttpMethod.GET, "/api/admin/usage", admin, null);
    JsonObject shop = usage.getJsonArray("projects").getJsonObject(1);
    assertThat(usage.getJsonArray("projects").getJsonObject(0).getString("projectName")).isEqualTo("api");
    assertThat(shop.getLong("projectId")).isEqualTo(shopId);
    assertThat(shop.getLong("runs")).isEqualTo(4);
    assertThat(shop.getLong("pinnedRuns")).isEqualTo(1);
    assertThat(shop.getLong("results")).isEqualTo(7).isEqualTo(scalar("SELECT count(*) FROM results r JOIN runs u "
      + "ON u.id = r.run_id WHERE u.project_id = " + shopId));
    assertThat(shop.getLong("attempts")).isEqualTo(9).isEqualTo(scalar("SELECT count(*) FROM attempts a JOIN runs u "
      + "ON u.id = a.run_id WHERE u.project_id = " + shopId));
    assertThat(shop.getLong("files")).isEqualTo(2);
    assertThat(shop.getLong("filesBytes")).isEqualTo(12_500);
    assertThat(scalar("SELECT sum(size_bytes) FROM artifacts WHERE run_id = " + withFiles)).isEqualTo(12_500);
    assertThat(shop.getString("oldestRunStart"))
      .isEqualTo(ok(HttpMethod.GET, "/api/test-runs/" + first, viewer, null).getString("startTime"));
    assertThat(shop.getJsonObject("retention")).isEqualTo(new JsonObject().putNull("runsDays").putNull("keepRuns")
      .put("filesDays", 7));
    assertThat(shop.getJsonObject("effective")).isEqualTo(new JsonObject().put("runsDays", 0).put("keepRuns", 500)
      .put("filesDays", 7));
    assertThat(usage.getJsonObject("defaults")).isEqualTo(new JsonObject().put("runsDays", 0).put("keepRuns", 500)
      .put("filesDays", 0));
    assertThat(usage.getJsonObject("totals")).isEqualTo(new JsonObject().put("runs", 5L).put("pinnedRuns", 1L)
      .put("results", 8L).put("attempts", 11L).put("files", 2L).put("filesBytes", 12_500L));
  }

  private JsonObject usage(String projectName) {
    JsonArray projects = ok(HttpMethod.GET, "/api/admin/usage", admin, null).getJsonArray("projects");
    for (int i = 0; i < projects.size(); i++) {
      if (projects.getJsonObject(i).getString("projectName").equals(projectName)) {
        return projects.getJsonObject(i);
      }
    }
    throw new AssertionError("no project " + projectName);
  }
}
