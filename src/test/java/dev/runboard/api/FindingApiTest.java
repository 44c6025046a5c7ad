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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Finding things: runs by project, branch prefix and text, a project's lists by branch, tests by name")
class FindingApiTest {

  private static Runboard node;
  private static WebClient client;
  private static String reporter;
  private static String viewer;
  private static long shop;
  private static long docs;
  private static long mainRun;
  private static long featureRun;
  private static long featureRun2;
  private static long docsRun;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    viewer = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
    mainRun = run("find-shop", "main", "a1b2c3d4e5", "Speed up the cart", "9001", "passed", List.of(
      test("tests/cart.spec.ts", "cart", "adds an item", "passed"),
      test("tests/cart_100%.spec.ts", "cart", "keeps 100% of items", "passed")));
    featureRun = run("find-shop", "feature/cart-totals", "ffee0011", "Totals: round half up", "9002", "failed",
      List.of(test("tests/cart.spec.ts", "cart", "adds an item", "failed"),
        test("tests/cart_100%.spec.ts", "cart", "keeps 100% of items", "passed")));
    featureRun2 = run("find-shop", "feature/cart-totals", "ffee0022", "Totals: fix", "9003", "passed",
      List.of(test("tests/cart.spec.ts", "cart", "adds an item", "passed"),
        test("tests/checkout.spec.ts", "checkout", "pays by card", "passed")));
    docsRun = run("find-docs", "feature/cartography", "0badc0de", "Maps page", "77", "passed",
      List.of(test("tests/maps.spec.ts", "maps", "zooms", "passed")));
    shop = project(mainRun);
    docs = project(docsRun);
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static JsonObject test(String file, String describe, String title, String status) {
    return new JsonObject().put("title", title).put("titlePath", new JsonArray().add(describe).add(title))
      .put("location", file + ":3:1").put("retry", 0).put("status", status).put("duration", 10)
      .put("error", status.equals("failed") ? new JsonObject().put("message", "Error: nope") : null);
  }

  private static long run(String project, String branch, String commit, String message, String build, String status,
                          List<JsonObject> tests) {
    JsonObject metadata = new JsonObject()
      .put("scm", new JsonObject().put("branch", branch).put("commit", commit).put("message", message))
      .put("ci", new JsonObject().put("provider", "github-actions").put("buildId", build));
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
      .sendJsonObject(new JsonObject().put("projectName", project).put("metadata", metadata)).await()
      .bodyAsJsonObject();
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    HttpResponse<Buffer> sent = client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(List.copyOf(tests)))).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("status", status)).await();
    return runId;
  }

  private static long project(long runId) {
    return get("/api/test-runs/" + runId).bodyAsJsonObject().getLong("projectId");
  }

  private static HttpResponse<Buffer> get(String uri) {
    return client.get(uri).bearerTokenAuthentication(viewer).send().await();
  }

  private static String q(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static List<Long> runIds(String uri) {
    HttpResponse<Buffer> answer = get(uri);
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject().getJsonArray("runs").stream()
      .map(r -> ((JsonObject) r).getLong("id")).toList();
  }

  private static void assertInvalid(String uri, String field) {
    HttpResponse<Buffer> answer = get(uri);
    assertThat(answer.statusCode()).as(uri + " → " + answer.bodyAsString()).isEqualTo(400);
    assertThat(answer.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(answer.bodyAsJsonObject().getString("field")).isEqualTo(field);
  }

  @Test
  @DisplayName("the runs feed filters by project, branch prefix, status and text (branch, commit, message, build, #id)")
  void runsFeed() {
    assertThat(runIds("/api/test-runs?project=" + shop)).containsExactly(featureRun2, featureRun, mainRun);
    assertThat(runIds("/api/test-runs?branchPrefix=feature/cart")).containsExactly(docsRun, featureRun2, featureRun);
    assertThat(runIds("/api/test-runs?branchPrefix=feature/cart-&project=" + shop))
      .containsExactly(featureRun2, featureRun);
    assertThat(runIds("/api/test-runs?branchPrefix=feature/cart&status=failed")).containsExactly(featureRun);
    assertThat(runIds("/api/test-runs?branchPrefix=main")).containsExactly(mainRun);
    assertThat(runIds("/api/test-runs?branchPrefix=ma")).containsExactly(mainRun);
    assertThat(runIds("/api/test-runs?branchPrefix=" + q("feature/%"))).as("% is no wildcard").isEmpty();
    assertThat(runIds("/api/test-runs?q=ROUND%20HALF")).as("commit message, any case").containsExactly(featureRun);
    assertThat(runIds("/api/test-runs?q=ffee00")).as("commit prefix").containsExactly(featureRun2, featureRun);
    assertThat(runIds("/api/test-runs?q=9002")).as("CI build").containsExactly(featureRun);
    assertThat(runIds("/api/test-runs?q=cartog")).as("branch").containsExactly(docsRun);
    assertThat(runIds("/api/test-runs?q=" + q("#" + mainRun))).as("run number").contains(mainRun);
    assertThat(runIds("/api/test-runs?q=" + q("cart%totals"))).as("% matches itself").isEmpty();
    assertThat(runIds("/api/test-runs?q=" + q("cart_totals"))).as("_ matches itself").isEmpty();
    assertThat(runIds("/api/test-runs?q=" + q("cart-totals"))).containsExactly(featureRun2, featureRun);
    assertThat(runIds("/api/projects/" + shop + "/runs?q=fix")).containsExactly(featureRun2);
    assertThat(runIds("/api/projects/" + docs + "/runs?branchPrefix=feature/")).containsExactly(docsRun);
    List<Long> page = runIds("/api/test-runs?branchPrefix=feature/cart&limit=2");
    assertThat(page).containsExactly(docsRun, featureRun2);

    assertInvalid("/api/test-runs?project=abc", "project");
    assertInvalid("/api/test-runs?project=0", "project");
    assertInvalid("/api/test-runs?status=done", "status");
    assertInvalid("/api/test-runs?q=", "q");
    assertInvalid("/api/test-runs?q=%20%20", "q");
    assertInvalid("/api/test-runs?q=" + "x".repeat(201), "q");
    assertInvalid("/api/test-runs?branchPrefix=" + "x".repeat(501), "branchPrefix");
    assertInvalid("/api/test-runs?branchPrefix=a%00b", "branchPrefix");
    assertInvalid("/api/projects/" + shop + "/runs?project=" + docs, "project");
    assertThat(runIds("/api/test-runs?project=999999")).isEmpty();
  }

  @Test
  @DisplayName("a project's trends, flaky and slowest tests read only the runs of the branch asked for")
  void projectListsByBranch() {
    JsonArray trend = get("/api/projects/" + shop + "/trends?branch=" + q("feature/cart-totals")).bodyAsJsonObject()
      .getJsonArray("runs");
    assertThat(trend.stream().map(p -> ((JsonObject) p).getLong("runId")).toList())
      .containsExactly(featureRun, featureRun2);
    assertThat(get("/api/projects/" + shop + "/trends?branch=main").bodyAsJsonObject().getJsonArray("runs"))
      .hasSize(1);
    JsonArray slow = get("/api/projects/" + shop + "/slowest-tests?branch=main").bodyAsJsonObject()
      .getJsonArray("tests");
    assertThat(slow).hasSize(2);
    JsonArray slowFeature = get("/api/projects/" + shop + "/slowest-tests?branch=" + q("feature/cart-totals"))
      .bodyAsJsonObject().getJsonArray("tests");
    assertThat(slowFeature).hasSize(3);
    assertThat(get("/api/projects/" + shop + "/flaky-tests?branch=none").bodyAsJsonObject().getJsonArray("tests"))
      .isEmpty();
    assertInvalid("/api/projects/" + shop + "/trends?branch=", "branch");
    assertInvalid("/api/projects/" + shop + "/flaky-tests?branch=" + "b".repeat(501), "branch");
    assertInvalid("/api/projects/" + shop + "/slowest-tests?branch=a&branch=b", "branch");
  }

  @Test
  @DisplayName("tests of a project by file or title substring, each with its recent statuses, newest first")
  void testSearch() {
    JsonObject found = get("/api/projects/" + shop + "/tests?q=ADDS").bodyAsJsonObject();
    JsonArray tests = found.getJsonArray("tests");
    assertThat(tests).hasSize(1);
    JsonObject adds = tests.getJsonObject(0);
    assertThat(adds.getString("file")).isEqualTo("tests/cart.spec.ts");
    assertThat(adds.getJsonArray("titlePath")).containsExactly("cart", "adds an item");
    assertThat(adds.getJsonArray("recent").stream().map(r -> ((JsonObject) r).getLong("runId")).toList())
      .containsExactly(featureRun2, featureRun, mainRun);
    assertThat(adds.getJsonArray("recent").getJsonObject(1).getString("status")).isEqualTo("failed");
    assertThat(adds.getString("lastRunAt")).isNotNull();

    JsonArray byFile = get("/api/projects/" + shop + "/tests?q=checkout.spec").bodyAsJsonObject()
      .getJsonArray("tests");
    assertThat(byFile).hasSize(1);
    assertThat(byFile.getJsonObject(0).getString("title")).isEqualTo("pays by card");
    assertThat(get("/api/projects/" + shop + "/tests?q=" + q("100%")).bodyAsJsonObject().getJsonArray("tests"))
      .hasSize(1);
    assertThat(get("/api/projects/" + shop + "/tests?q=" + q("t_")).bodyAsJsonObject().getJsonArray("tests"))
      .as("_ matches itself: only cart_100%").hasSize(1);
    assertThat(get("/api/projects/" + shop + "/tests?q=" + q("%")).bodyAsJsonObject().getJsonArray("tests"))
      .hasSize(1);
    assertThat(get("/api/projects/" + shop + "/tests?q=zooms").bodyAsJsonObject().getJsonArray("tests"))
      .as("another project's test").isEmpty();

    JsonObject first = get("/api/projects/" + shop + "/tests?limit=2").bodyAsJsonObject();
    assertThat(first.getJsonArray("tests")).hasSize(2);
    JsonObject second = get("/api/projects/" + shop + "/tests?limit=2&cursor=" + first.getString("nextCursor"))
      .bodyAsJsonObject();
    assertThat(second.getJsonArray("tests")).hasSize(1);
    assertThat(second.getString("nextCursor")).isNull();

    assertInvalid("/api/projects/" + shop + "/tests?q=", "q");
    assertInvalid("/api/projects/" + shop + "/tests?q=" + "x".repeat(201), "q");
    assertInvalid("/api/projects/" + shop + "/tests?limit=500", "limit");
    assertInvalid("/api/projects/" + shop + "/tests?cursor=xyz", "cursor");
    assertInvalid("/api/projects/" + shop + "/tests?sort=name", "sort");
    assertThat(get("/api/projects/999999/tests?q=a").statusCode()).isEqualTo(404);
    assertThat(get("/api/projects/abc/tests").statusCode()).isEqualTo(400);
  }
}
