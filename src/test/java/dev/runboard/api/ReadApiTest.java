package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The read API over real HTTP against a node on a real PostgreSQL: pages, filters, validation, access. */
@DisplayName("The read API pages with cursors, filters, validates every parameter and checks access")
class ReadApiTest {

  @TempDir
  static Path data;
  private static Runboard node;
  private static Vertx vertx;
  private static WebClient client;
  private static String viewer;
  private static String reporter;
  private static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())));
    vertx = Vertx.vertx();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
    DatabaseUrl url = DatabaseUrl.parse(node.config().dbUrl());
    viewer = TestUsers.apiKey(url, "viewer");
    reporter = TestUsers.apiKey(url, "reporter");
    admin = TestUsers.apiKey(url, "administrator");
  }

  @AfterAll
  static void stop() {
    client.close();
    vertx.close().await();
    node.stop();
  }

  // ----- helpers ------------------------------------------------------------------------------------------------

  private static HttpResponse<Buffer> send(HttpMethod method, String path, String key, JsonObject body) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (key != null) {
      request.putHeader("Authorization", "Bearer " + key);
    }
    return body == null ? request.send().await() : request.sendJson(body).await();
  }

  private static JsonObject get(String path) {
    HttpResponse<Buffer> response = send(HttpMethod.GET, path, viewer, null);
    assertThat(response.statusCode()).as(path + " " + response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static void assertInvalid(String path, String field) {
    HttpResponse<Buffer> response = send(HttpMethod.GET, path, viewer, null);
    assertThat(response.statusCode()).as(path + " " + response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(response.bodyAsJsonObject().getString("field")).as(path).isEqualTo(field);
  }

  /** A streamed run: start, one batch of complete events, finish. Returns the start response. */
  private static JsonObject run(String project, String branch, String status, JsonArray testCases) {
    JsonObject started = send(HttpMethod.POST, "/api/test-runs/start", reporter, new JsonObject()
      .put("projectName", project)
      .put("metadata", new JsonObject().put("scm", new JsonObject().put("branch", branch).put("commit", "abc1234"))))
      .bodyAsJsonObject();
    String token = started.getString("streamToken");
    long runId = started.getLong("runId");
    if (!testCases.isEmpty()) {
      HttpResponse<Buffer> events = client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
        .sendJson(new JsonObject().put("testCases", testCases)).await();
      assertThat(events.statusCode()).as(events.bodyAsString()).isEqualTo(200);
    }
    if (status != null) {
      HttpResponse<Buffer> finished = client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
        .sendJson(new JsonObject().put("status", status).put("duration", 1000)).await();
      assertThat(finished.statusCode()).as(finished.bodyAsString()).isEqualTo(200);
    }
    return started;
  }

  private static JsonObject result(String file, String describe, String title, String status, int retry, long ms,
                                   String error) {
    JsonObject test = new JsonObject().put("title", title).put("titlePath", new JsonArray().add(describe).add(title))
      .put("location", file + ":3:5").put("status", status).put("retry", retry).put("duration", ms);
    return error == null ? test : test.put("error", new JsonObject().put("message", error));
  }

  private static List<Long> ids(JsonArray items, String field) {
    List<Long> ids = new ArrayList<>();
    items.forEach(item -> ids.add(((JsonObject) item).getLong(field)));
    return ids;
  }

  // ----- tests --------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("run lists page newest first with opaque cursors until nextCursor is null, without gaps or repeats")
  void runsPageWithCursors() {
    List<Long> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(run("paging", "main", "passed", new JsonArray()).getLong("runId"));
    }
    long projectId = get("/api/test-runs?limit=1").getJsonArray("runs").getJsonObject(0).getLong("projectId");
    List<Long> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = get("/api/projects/" + projectId + "/runs?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.getJsonArray("runs").size()).isBetween(1, 2);
      seen.addAll(ids(page.getJsonArray("runs"), "id"));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    Collections.reverse(made);
    assertThat(seen).containsExactlyElementsOf(made);
    assertThat(pages).isEqualTo(3);

    JsonObject first = get("/api/test-runs?limit=2");
    assertThat(first.getString("nextCursor")).matches("[A-Za-z0-9_-]+");
    JsonObject run = first.getJsonArray("runs").getJsonObject(0);
    assertThat(run.getString("branch")).isEqualTo("main");
    assertThat(run.getString("commit")).isEqualTo("abc1234");
    assertThat(run.getJsonObject("counters").getInteger("total")).isZero();

    JsonObject paging = get("/api/projects/" + projectId);
    assertThat(paging.getString("name")).isEqualTo("paging");
    assertThat(paging.getJsonObject("latestRun").getLong("id")).isEqualTo(made.get(0));
    assertThat(paging.getDouble("passRate")).isNull();
    assertThat(paging.getInteger("passRateRuns")).isEqualTo(5);
    List<String> names = new ArrayList<>();
    String projectCursor = null;
    do {
      JsonObject page = get("/api/projects?limit=1" + (projectCursor == null ? "" : "&cursor=" + projectCursor));
      assertThat(page.getJsonArray("projects")).hasSize(1);
      names.add(page.getJsonArray("projects").getJsonObject(0).getString("name"));
      projectCursor = page.getString("nextCursor");
    } while (projectCursor != null && names.size() < 50);
    assertThat(names).contains("paging").isSorted().doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("runs filter by status, branch and start date; results by status, flaky and text in titles and errors")
  void filters() {
    JsonObject failing = run("filters", "feature/x", "failed", new JsonArray()
      .add(result("a.spec.ts", "login", "works", "passed", 0, 120, null))
      .add(result("a.spec.ts", "login", "rejects", "failed", 0, 300, "\u001b[31mExpected\u001b[39m 401 got 500"))
      .add(result("b.spec.ts", "cart", "flaky add", "failed", 0, 50, "race"))
      .add(result("b.spec.ts", "cart", "flaky add", "passed", 1, 60, null))
      .add(result("b.spec.ts", "cart", "skips", "skipped", 0, 0, null)));
    run("filters", "main", "passed", new JsonArray().add(result("a.spec.ts", "login", "works", "passed", 0, 100, null)));
    long projectId = failing.getLong("projectId");
    long runId = failing.getLong("runId");

    JsonArray failed = get("/api/projects/" + projectId + "/runs?status=failed").getJsonArray("runs");
    assertThat(ids(failed, "id")).containsExactly(runId);
    assertThat(get("/api/projects/" + projectId + "/runs?status=failed,passed").getJsonArray("runs")).hasSize(2);
    assertThat(ids(get("/api/projects/" + projectId + "/runs?branch=feature/x").getJsonArray("runs"), "id"))
      .containsExactly(runId);
    assertThat(get("/api/projects/" + projectId + "/runs?from=2000-01-01&to=2001-01-01").getJsonArray("runs")).isEmpty();
    assertThat(get("/api/test-runs?from=2000-01-01T00:00:00Z&status=failed").getJsonArray("runs")).isNotEmpty();

    String results = "/api/test-runs/" + runId + "/results";
    assertThat(get(results).getJsonArray("results")).hasSize(4);
    JsonArray failures = get(results + "?status=failed,timedOut").getJsonArray("results");
    assertThat(failures).hasSize(1);
    assertThat(failures.getJsonObject(0).getJsonObject("error").getString("message")).contains("Expected");
    JsonArray flaky = get(results + "?flaky=true").getJsonArray("results");
    assertThat(flaky).hasSize(1);
    JsonObject flakyResult = flaky.getJsonObject(0);
    assertThat(flakyResult.getString("title")).isEqualTo("flaky add");
    assertThat(flakyResult.getInteger("retry")).isEqualTo(1);
    assertThat(flakyResult.getInteger("attempts")).isEqualTo(2);
    assertThat(flakyResult.getJsonArray("earlierAttempts")).hasSize(1);
    assertThat(flakyResult.getJsonArray("earlierAttempts").getJsonObject(0).getString("status")).isEqualTo("failed");
    assertThat(get(results + "?flaky=false").getJsonArray("results")).hasSize(3);
    assertThat(ids(get(results + "?q=REJECTS").getJsonArray("results"), "testId")).hasSize(1);
    assertThat(get(results + "?q=got%20500").getJsonArray("results")).hasSize(1);
    assertThat(get(results + "?q=cart").getJsonArray("results")).hasSize(2);

    JsonObject page = get(results + "?limit=3");
    assertThat(page.getJsonArray("results")).hasSize(3);
    JsonObject rest = get(results + "?limit=3&cursor=" + page.getString("nextCursor"));
    assertThat(rest.getJsonArray("results")).hasSize(1);
    assertThat(rest.getString("nextCursor")).isNull();

    JsonObject detail = get("/api/test-runs/" + runId);
    assertThat(detail.getString("status")).isEqualTo("failed");
    assertThat(detail.getJsonArray("files")).isEmpty();
    assertThat(detail.getString("source")).isEqualTo("stream");

    long testId = flakyResult.getLong("testId");
    JsonObject history = get("/api/tests/" + testId + "/history");
    assertThat(history.getJsonObject("test").getString("title")).isEqualTo("flaky add");
    assertThat(history.getJsonArray("history").getJsonObject(0).getBoolean("flaky")).isTrue();
    JsonArray flakyTests = get("/api/projects/" + projectId + "/flaky-tests?runs=10").getJsonArray("tests");
    assertThat(ids(flakyTests, "testId")).containsExactly(testId);
    assertThat(flakyTests.getJsonObject(0).getDouble("flakeRate")).isEqualTo(1.0);
    // Final durations: rejects 300; works 120 then 100; flaky add 60; skips left out.
    JsonObject slowestPage = get("/api/projects/" + projectId + "/slowest-tests?limit=1");
    assertThat(slowestPage.getJsonArray("tests").getJsonObject(0).getString("title")).isEqualTo("rejects");
    JsonObject works = get("/api/projects/" + projectId + "/slowest-tests?limit=1&cursor="
      + slowestPage.getString("nextCursor")).getJsonArray("tests").getJsonObject(0);
    assertThat(works.getString("title")).isEqualTo("works");
    assertThat(works.getLong("meanDuration")).isEqualTo(110);
    assertThat(works.getLong("p90Duration")).isEqualTo(120);
    assertThat(works.getLong("maxDuration")).isEqualTo(120);
    assertThat(works.getJsonArray("trend").stream().map(t -> ((JsonObject) t).getLong("duration")))
      .containsExactly(120L, 100L);
    assertThat(get("/api/projects/" + projectId + "/slowest-tests").getJsonArray("tests").stream()
      .map(t -> ((JsonObject) t).getString("title"))).containsExactly("rejects", "works", "flaky add");
    JsonArray trend = get("/api/projects/" + projectId + "/trends").getJsonArray("runs");
    assertThat(trend).hasSize(2);
    assertThat(trend.getJsonObject(0).getLong("runId")).isEqualTo(runId);
    assertThat(trend.getJsonObject(0).getDouble("passRate")).isEqualTo(0.6667);
    assertThat(trend.getJsonObject(0).getLong("testDurationP50")).isEqualTo(120);
    assertThat(trend.getJsonObject(0).getLong("testDurationP90")).isEqualTo(300);
    assertThat(trend.getJsonObject(1).getLong("testDurationP90")).isEqualTo(100);
  }

  @Test
  @DisplayName("every query parameter is checked: unknown, repeated, out of range, malformed or foreign cursor → 400 naming it")
  void validation() {
    JsonObject started = run("validation", "main", "passed", new JsonArray());
    long projectId = started.getLong("projectId");
    long runId = started.getLong("runId");
    assertInvalid("/api/test-runs?limt=5", "limt");
    assertInvalid("/api/test-runs?limit=1&limit=2", "limit");
    assertInvalid("/api/test-runs?limit=0", "limit");
    assertInvalid("/api/test-runs?limit=201", "limit");
    assertInvalid("/api/test-runs?limit=ten", "limit");
    assertInvalid("/api/test-runs?cursor=not-a-cursor", "cursor");
    assertInvalid("/api/test-runs?cursor=" + Cursor.encode("text"), "cursor");
    assertInvalid("/api/projects?cursor=" + Cursor.encode(5L), "cursor");
    assertInvalid("/api/test-runs?status=green", "status");
    assertInvalid("/api/test-runs?from=yesterday", "from");
    assertInvalid("/api/test-runs?from=2026-02-01&to=2026-01-01", "to");
    assertInvalid("/api/test-runs?branch=", "branch");
    assertInvalid("/api/test-runs/" + runId + "/results?flaky=yes", "flaky");
    assertInvalid("/api/test-runs/" + runId + "/results?status=timedout", "status");
    assertInvalid("/api/projects/" + projectId + "/flaky-tests?runs=0", "runs");
    assertInvalid("/api/projects/" + projectId + "/trends?runs=501", "runs");
    assertInvalid("/api/test-runs/abc", "runId");
    assertInvalid("/api/tests/0/history", "testId");
    assertInvalid("/api/test-runs/" + runId + "?x=1", "x");

    for (String missing : List.of("/api/test-runs/999999", "/api/test-runs/999999/results", "/api/projects/999999",
      "/api/projects/999999/runs", "/api/projects/999999/flaky-tests", "/api/tests/999999/history")) {
      HttpResponse<Buffer> response = send(HttpMethod.GET, missing, viewer, null);
      assertThat(response.statusCode()).as(missing).isEqualTo(404);
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    }
  }

  @Test
  @DisplayName("reads need credentials; only administrators edit projects and delete runs (files, rows, run-deleted)")
  void access() throws Exception {
    JsonObject started = run("access", "main", "passed", new JsonArray()
      .add(result("a.spec.ts", "x", "y", "passed", 0, 10, null)));
    long projectId = started.getLong("projectId");
    long runId = started.getLong("runId");
    run("access-other", "main", "passed", new JsonArray());

    assertThat(send(HttpMethod.GET, "/api/test-runs", null, null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/api/projects", "rb_wrong", null).statusCode()).isEqualTo(401);
    assertThat(send(HttpMethod.GET, "/api/projects", reporter, null).statusCode()).isEqualTo(200);
    JsonObject rename = new JsonObject().put("name", "access renamed").put("description", "d")
      .put("tags", new JsonArray().add("web").add("nightly"));
    assertThat(send(HttpMethod.PATCH, "/api/projects/" + projectId, viewer, rename).statusCode()).isEqualTo(403);
    assertThat(send(HttpMethod.DELETE, "/api/test-runs/" + runId, reporter, null).statusCode()).isEqualTo(403);

    HttpResponse<Buffer> renamed = send(HttpMethod.PATCH, "/api/projects/" + projectId, admin, rename);
    assertThat(renamed.statusCode()).as(renamed.bodyAsString()).isEqualTo(200);
    assertThat(renamed.bodyAsJsonObject().getString("name")).isEqualTo("access renamed");
    assertThat(renamed.bodyAsJsonObject().getJsonArray("tags")).containsExactly("nightly", "web");
    HttpResponse<Buffer> taken = send(HttpMethod.PATCH, "/api/projects/" + projectId, admin,
      new JsonObject().put("name", "access-other"));
    assertThat(taken.statusCode()).isEqualTo(409);
    HttpResponse<Buffer> unknown = send(HttpMethod.PATCH, "/api/projects/" + projectId, admin,
      new JsonObject().put("owner", "me"));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.bodyAsJsonObject().getString("field")).isEqualTo("owner");
    HttpResponse<Buffer> badTag = send(HttpMethod.PATCH, "/api/projects/" + projectId, admin,
      new JsonObject().put("tags", new JsonArray().add("ok").add(7)));
    assertThat(badTag.bodyAsJsonObject().getString("field")).isEqualTo("tags[1]");
    HttpResponse<Buffer> cleared = send(HttpMethod.PATCH, "/api/projects/" + projectId, admin,
      new JsonObject().putNull("description"));
    assertThat(cleared.bodyAsJsonObject().getString("description")).isNull();
    assertThat(send(HttpMethod.PATCH, "/api/projects/999999", admin, rename).statusCode()).isEqualTo(404);

    Path files = node.config().storageDir().resolve("runs").resolve(Long.toString(runId)).resolve("reports");
    Files.createDirectories(files);
    Files.writeString(files.resolve("index.html"), "report");
    CompletableFuture<JsonObject> deleted = new CompletableFuture<>();
    MessageConsumer<JsonObject> consumer = node.vertx().eventBus().consumer(Addresses.RUN_UPDATES, message -> {
      if ("run-deleted".equals(message.body().getString("type"))) {
        deleted.complete(message.body());
      }
    });
    consumer.completion().await();
    try {
      assertThat(send(HttpMethod.DELETE, "/api/test-runs/" + runId, admin, null).statusCode()).isEqualTo(204);
      JsonObject update = deleted.get(30, TimeUnit.SECONDS);
      assertThat(update.getLong("runId")).isEqualTo(runId);
      assertThat(update.getLong("projectId")).isEqualTo(projectId);
      assertThat(update.getString("status")).isEqualTo("passed");
      assertThat(update.getJsonObject("counters").getInteger("total")).isEqualTo(1);
    } finally {
      consumer.unregister().await();
    }
    assertThat(Files.exists(files.getParent())).isFalse();
    assertThat(send(HttpMethod.GET, "/api/test-runs/" + runId, viewer, null).statusCode()).isEqualTo(404);
    assertThat(send(HttpMethod.DELETE, "/api/test-runs/" + runId, admin, null).statusCode()).isEqualTo(404);
  }
}
