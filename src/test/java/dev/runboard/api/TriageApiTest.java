package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Triage over real HTTP against a node on a real PostgreSQL: a project history made through the ingest API
 * (start, events, finish with {@code metadata.scm.branch}), then every field of the failure context and of the run
 * comparison, their parameters and access.
 */
@DisplayName("Triage labels a run's failures against its branch's history and compares it with another run")
@Timeout(180)
class TriageApiTest {

  private static final String FILE = "tests/triage.spec.ts";
  // Tests of project "triage", one letter each so that the title path order is the same in every collation.
  private static final String FAILING = "a checkout";
  private static final String NEW = "b cart";
  private static final String FLAKY = "c coupon";
  private static final String BROKEN = "d broken";
  private static final String KNOWN_BUG = "e known bug";
  private static final String REMOVED = "f removed";
  private static final String ADDED = "g added";
  private static final String SLOW = "h slow";
  private static final String STEADY = "i steady";
  private static final String SMALL = "j small";
  private static final String FIXED = "k fixed";
  private static final String SKIPPED = "l skipped";
  private static final String GAP = "m gap";
  private static final Instant START = Instant.parse("2026-11-01T10:00:00Z");

  private static Runboard node;
  private static Vertx vertx;
  private static WebClient client;
  private static String viewer;
  private static String reporter;
  /** Runs of branch main, R[1] … R[7] (R[7] is the run under triage); R[0] unused. */
  private static final long[] R = new long[8];
  private static long featureEarly;
  private static long featureLate;
  private static long unbranched1;
  private static long unbranched2;
  private static long runningOnMain;
  private static long elsewhere;
  private static final Map<String, Long> testIds = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    vertx = Vertx.vertx();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
    DatabaseUrl url = DatabaseUrl.parse(node.config().dbUrl());
    viewer = TestUsers.apiKey(url, "viewer");
    reporter = TestUsers.apiKey(url, "reporter");
    history();
  }

  @AfterAll
  static void stop() {
    client.close();
    vertx.close().await();
    node.stop();
  }

  /**
   * Branch main, runs 1–7 (7 is the run under triage), final results (P passed, U unexpected failure, F flaky, X
   * expected failure, S skipped, – no result):
   * <pre>
   *                1  2  3  4  5  6  7
   * a checkout     P  P  P  P  U  U  U     failing since 5
   * b cart         P  P  P  P  P  P  U     new
   * c coupon       P  P  F  P  F  P  U     flaky: 2 of the last 5 runs
   * d broken       U  U  U  U  U  U  U     failing since 1 (before a window of 5)
   * e known bug    X  X  X  X  X  X  X     expected failure (test.fail())
   * f removed      P  P  P  P  P  P  –     only in the base
   * g added        –  –  –  –  –  –  U     only in this run
   * h slow         100 ms … 100 ms 400 ms  slower
   * i steady       100 ms … 100 ms 140 ms  not slower (under +50 %)
   * j small        10 ms  …  10 ms  30 ms  +200 %, but only 20 ms more
   * k fixed        P  P  P  P  P  U  P     fixed
   * l skipped      S (0 ms) … S (500 ms)   skipped: never slower
   * m gap          P  P  P  U  –  U  U     failing since 4 (run 5 has no result for it)
   * </pre>
   * Between them: a finished run of feature/x (after run 3), a run without a branch (after run 6), a run of main
   * that never finishes (after run 6); after run 7 a second feature/x run, a second run without a branch and a run
   * of another project.
   */
  private static void history() {
    for (int i = 1; i <= 6; i++) {
      R[i] = run("triage", "main", i, mainRun(i));
      if (i == 3) {
        featureEarly = run("triage", "feature/x", 30, List.of(pass(FAILING, 100)));
      }
    }
    unbranched1 = run("triage", null, 40, List.of(fail(FAILING), pass(NEW, 100)));
    runningOnMain = start("triage", "main", 41).getLong("runId");
    R[7] = run("triage", "main", 7, mainRun(7));
    featureLate = run("triage", "feature/x", 50, List.of(pass(FAILING, 100)));
    unbranched2 = run("triage", null, 51, List.of(fail(FAILING), fail(NEW)));
    elsewhere = run("elsewhere", "main", 60, List.of(pass(FAILING, 100)));
    for (long runId : new long[]{R[6], R[7]}) {
      JsonArray results = get("/api/test-runs/" + runId + "/results?limit=200").getJsonArray("results");
      results.forEach(r -> testIds.put(((JsonObject) r).getString("title"), ((JsonObject) r).getLong("testId")));
    }
  }

  private static List<JsonObject> mainRun(int i) {
    List<JsonObject> items = new ArrayList<>();
    items.add(i >= 5 ? fail(FAILING) : pass(FAILING, 100));
    items.add(i == 7 ? fail(NEW) : pass(NEW, 100));
    if (i == 7) {
      items.add(attempt(FLAKY, 0, "failed", 100, "passed"));
      items.add(attempt(FLAKY, 1, "failed", 100, "passed"));
    } else if (i == 3 || i == 5) {
      items.add(attempt(FLAKY, 0, "failed", 100, "passed"));
      items.add(attempt(FLAKY, 1, "passed", 100, "passed"));
    } else {
      items.add(pass(FLAKY, 100));
    }
    items.add(fail(BROKEN));
    items.add(attempt(KNOWN_BUG, 0, "failed", 100, "failed"));
    if (i < 7) {
      items.add(pass(REMOVED, 100));
    } else {
      items.add(fail(ADDED));
    }
    items.add(pass(SLOW, i == 7 ? 400 : 100));
    items.add(pass(STEADY, i == 7 ? 140 : 100));
    items.add(pass(SMALL, i == 7 ? 30 : 10));
    items.add(i == 6 ? fail(FIXED) : pass(FIXED, 100));
    items.add(attempt(SKIPPED, 0, "skipped", i == 7 ? 500 : 0, "skipped"));
    if (i != 5) {
      items.add(i >= 4 ? fail(GAP) : pass(GAP, 100));
    }
    return items;
  }

  // ----- helpers ------------------------------------------------------------------------------------------------

  private static HttpResponse<Buffer> send(String path, String key) {
    HttpRequest<Buffer> request = client.get(path).timeout(30_000);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    return request.send().await();
  }

  private static JsonObject get(String path) {
    HttpResponse<Buffer> response = send(path, viewer);
    assertThat(response.statusCode()).as(path + " " + response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static void assertRefused(String path, int status, String error, String field) {
    HttpResponse<Buffer> response = send(path, viewer);
    assertThat(response.statusCode()).as(path + " " + response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getString("error")).as(path).isEqualTo(error);
    assertThat(response.bodyAsJsonObject().getString("field")).as(path).isEqualTo(field);
  }

  private static String time(int hour) {
    return START.plusSeconds(3_600L * hour).toString();
  }

  private static JsonObject start(String project, String branch, int hour) {
    JsonObject body = new JsonObject().put("projectName", project).put("startTime", time(hour));
    if (branch != null) {
      body.put("metadata", new JsonObject().put("scm", new JsonObject().put("branch", branch)));
    }
    HttpResponse<Buffer> started = client.post("/api/test-runs/start").timeout(30_000)
      .bearerTokenAuthentication(reporter).sendJsonObject(body).await();
    assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(201);
    return started.bodyAsJsonObject();
  }

  /** A finished run of {@code project} on {@code branch} (null: none) started at START + {@code hour} h. */
  private static long run(String project, String branch, int hour, List<JsonObject> items) {
    JsonObject started = start(project, branch, hour);
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    HttpResponse<Buffer> sent = client.post("/api/test-runs/" + runId + "/events").timeout(30_000)
      .putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(new ArrayList<>(items)))).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> finished = client.post("/api/test-runs/" + runId + "/finish").timeout(30_000)
      .putHeader("X-Stream-Token", token).sendJsonObject(new JsonObject().put("status", "failed")).await();
    assertThat(finished.statusCode()).as(finished.bodyAsString()).isEqualTo(200);
    return runId;
  }

  private static JsonObject attempt(String title, int retry, String status, long ms, String expectedStatus) {
    JsonObject item = new JsonObject().put("title", title).put("titlePath", new JsonArray().add("triage").add(title))
      .put("location", FILE + ":" + (10 + title.charAt(0) - 'a') + ":3").put("retry", retry).put("status", status)
      .put("duration", ms).put("expectedStatus", expectedStatus);
    return status.equals("failed") ? item.put("error", new JsonObject().put("message", "Error: " + title)) : item;
  }

  private static JsonObject pass(String title, long ms) {
    return attempt(title, 0, "passed", ms, "passed");
  }

  private static JsonObject fail(String title) {
    return attempt(title, 0, "failed", 100, "passed");
  }

  /** A test as the triage answers name it. */
  private static JsonObject test(String title, String status, String outcome) {
    return new JsonObject().put("testId", testIds.get(title)).put("title", title)
      .put("titlePath", new JsonArray().add("triage").add(title)).put("file", FILE).put("playwrightProject", "")
      .put("status", status).put("outcome", outcome);
  }

  /** The {@code recent} entries of runs {@code runs} with {@code letters}: P, U, F, X (expected failure). */
  private static JsonArray recent(long[] runs, String letters) {
    JsonArray recent = new JsonArray();
    for (int i = 0; i < runs.length; i++) {
      JsonObject entry = new JsonObject().put("runId", runs[i]);
      switch (letters.charAt(i)) {
        case 'P' -> entry.put("status", "passed").put("outcome", "expected");
        case 'F' -> entry.put("status", "passed").put("outcome", "flaky");
        case 'U' -> entry.put("status", "failed").put("outcome", "unexpected");
        case 'X' -> entry.put("status", "failed").put("outcome", "expected");
        default -> throw new IllegalArgumentException(letters);
      }
      recent.add(entry);
    }
    return recent;
  }

  private static JsonObject context(String title, String outcome, String label, Long sinceRun, Integer sinceHour,
                                    boolean beyondWindow, Double flakeRate, int flakyRuns, int windowRuns,
                                    JsonArray recent) {
    return test(title, "failed", outcome).put("label", label).put("failingSinceRunId", sinceRun)
      .put("failingSinceStartTime", sinceHour == null ? null : time(sinceHour)).put("beyondWindow", beyondWindow)
      .put("flakeRate", flakeRate).put("flakyRuns", flakyRuns).put("windowRuns", windowRuns).put("recent", recent);
  }

  private static long[] runs(int... indexes) {
    long[] ids = new long[indexes.length];
    for (int i = 0; i < indexes.length; i++) {
      ids[i] = R[indexes[i]];
    }
    return ids;
  }

  // ----- failure context ----------------------------------------------------------------------------------------

  @Test
  @DisplayName("failure context over the last 5 runs of the branch: failing since, new, flaky, expected, every field")
  void failureContextOverFiveRuns() {
    JsonObject answer = get("/api/test-runs/" + R[7] + "/failure-context?window=5");
    long[] window = runs(2, 3, 4, 5, 6, 7);
    JsonObject expected = new JsonObject()
      .put("runId", R[7]).put("branch", "main").put("window", 5).put("previousRunId", R[6]).put("truncated", false)
      .put("tests", new JsonArray()
        .add(context(FAILING, "unexpected", "failing", R[5], 5, false, 0.0, 0, 5, recent(window, "PPPUUU")))
        .add(context(NEW, "unexpected", "new", R[7], 7, false, 0.0, 0, 5, recent(window, "PPPPPU")))
        .add(context(FLAKY, "unexpected", "flaky", R[7], 7, false, 0.4, 2, 5, recent(window, "PFPFPU")))
        .add(context(BROKEN, "unexpected", "failing", R[1], 1, true, 0.0, 0, 5, recent(window, "UUUUUU")))
        .add(context(KNOWN_BUG, "expected", "expected", null, null, false, 0.0, 0, 5, recent(window, "XXXXXX")))
        .add(context(ADDED, "unexpected", "new", R[7], 7, false, null, 0, 0, recent(new long[]{R[7]}, "U")))
        .add(context(GAP, "unexpected", "failing", R[4], 4, false, 0.0, 0, 4, recent(runs(2, 3, 4, 6, 7), "PPUUU"))));
    assertThat(answer).isEqualTo(expected);
    assertThat(get("/api/test-runs/" + R[5]).getString("startTime")).isEqualTo("2026-11-01T15:00:00Z");
  }

  @Test
  @DisplayName("the default window (10) holds the branch's whole history: the streak starts inside it, rates over 6")
  void failureContextDefaultWindow() {
    JsonObject answer = get("/api/test-runs/" + R[7] + "/failure-context");
    assertThat(answer.getInteger("window")).isEqualTo(10);
    JsonArray tests = answer.getJsonArray("tests");
    assertThat(tests.stream().map(t -> ((JsonObject) t).getString("title")).toList())
      .containsExactly(FAILING, NEW, FLAKY, BROKEN, KNOWN_BUG, ADDED, GAP);
    long[] all = runs(1, 2, 3, 4, 5, 6, 7);
    assertThat(tests.getJsonObject(2)).isEqualTo(
      context(FLAKY, "unexpected", "flaky", R[7], 7, false, 0.3333, 2, 6, recent(all, "PPFPFPU")));
    assertThat(tests.getJsonObject(3)).isEqualTo(
      context(BROKEN, "unexpected", "failing", R[1], 1, false, 0.0, 0, 6, recent(all, "UUUUUUU")));
  }

  @Test
  @DisplayName("a window of 1 is the previous run only; the first run of a branch has no previous run")
  void failureContextEdges() {
    JsonObject one = get("/api/test-runs/" + R[7] + "/failure-context?window=1");
    assertThat(one.getLong("previousRunId")).isEqualTo(R[6]);
    assertThat(one.getJsonArray("tests").getJsonObject(0)).as("the streak walks on before the window")
      .isEqualTo(context(FAILING, "unexpected", "failing", R[5], 5, true, 0.0, 0, 1, recent(runs(6, 7), "UU")));

    JsonObject first = get("/api/test-runs/" + R[1] + "/failure-context");
    assertThat(first.getLong("previousRunId")).isNull();
    assertThat(first.getJsonArray("tests")).containsExactly(
      context(BROKEN, "unexpected", "new", R[1], 1, false, null, 0, 0, recent(runs(1), "U")),
      context(KNOWN_BUG, "expected", "expected", null, null, false, null, 0, 0, recent(runs(1), "X")));

    JsonObject passing = get("/api/test-runs/" + featureLate + "/failure-context");
    assertThat(passing).isEqualTo(new JsonObject().put("runId", featureLate).put("branch", "feature/x")
      .put("window", 10).put("previousRunId", featureEarly).put("truncated", false).put("tests", new JsonArray()));
  }

  @Test
  @DisplayName("runs without a branch compare with the project's runs without a branch, not with main")
  void failureContextWithoutBranch() {
    JsonObject answer = get("/api/test-runs/" + unbranched2 + "/failure-context");
    assertThat(answer).isEqualTo(new JsonObject().put("runId", unbranched2).putNull("branch").put("window", 10)
      .put("previousRunId", unbranched1).put("truncated", false).put("tests", new JsonArray()
        .add(context(FAILING, "unexpected", "failing", unbranched1, 40, false, 0.0, 0, 1,
          recent(new long[]{unbranched1, unbranched2}, "UU")))
        .add(context(NEW, "unexpected", "new", unbranched2, 51, false, 0.0, 0, 1,
          recent(new long[]{unbranched1, unbranched2}, "PU")))));
  }

  // ----- comparison ---------------------------------------------------------------------------------------------

  private static JsonObject counts(int newlyFailing, int fixed, int stillFailing, int newTests, int removedTests,
                                   int slower) {
    return new JsonObject().put("newlyFailing", newlyFailing).put("fixed", fixed).put("stillFailing", stillFailing)
      .put("newTests", newTests).put("removedTests", removedTests).put("slower", slower);
  }

  private static JsonObject slower(String title, long duration, long baseDuration) {
    return test(title, "passed", "expected").put("duration", duration).put("baseDuration", baseDuration);
  }

  @Test
  @DisplayName("a run against the previous finished run of its branch: every list, sorted by title path")
  void compareWithPrevious() {
    JsonObject answer = get("/api/test-runs/" + R[7] + "/compare");
    JsonObject expected = new JsonObject()
      .put("runId", R[7]).put("baseRunId", R[6]).putNull("reason").put("truncated", false)
      .put("counts", counts(3, 1, 3, 1, 1, 1))
      .put("newlyFailing", new JsonArray().add(test(NEW, "failed", "unexpected"))
        .add(test(FLAKY, "failed", "unexpected")).add(test(ADDED, "failed", "unexpected")))
      .put("fixed", new JsonArray().add(test(FIXED, "passed", "expected")))
      .put("stillFailing", new JsonArray().add(test(FAILING, "failed", "unexpected"))
        .add(test(BROKEN, "failed", "unexpected")).add(test(GAP, "failed", "unexpected")))
      .put("newTests", new JsonArray().add(test(ADDED, "failed", "unexpected")))
      .put("removedTests", new JsonArray().add(test(REMOVED, "passed", "expected")))
      .put("slower", new JsonArray().add(slower(SLOW, 400, 100)));
    assertThat(answer).isEqualTo(expected);

    JsonObject sensitive = get("/api/test-runs/" + R[7] + "/compare?with=" + R[6] + "&slowerBy=30&minDelta=10");
    assertThat(sensitive.getLong("baseRunId")).isEqualTo(R[6]);
    assertThat(sensitive.getJsonArray("slower")).containsExactly(slower(SLOW, 400, 100), slower(STEADY, 140, 100),
      slower(SMALL, 30, 10));
    assertThat(get("/api/test-runs/" + R[7] + "/compare?minDelta=0&slowerBy=10000").getJsonArray("slower"))
      .as("+10,000 % is 101 times the base duration").isEmpty();
  }

  @Test
  @DisplayName("with= names any run of the project; base= the latest finished run of a branch, even a later one")
  void compareWithRunOrBranch() {
    JsonObject withFirst = get("/api/test-runs/" + R[7] + "/compare?with=" + R[1]);
    assertThat(withFirst.getLong("baseRunId")).isEqualTo(R[1]);
    assertThat(withFirst.getJsonObject("counts")).isEqualTo(counts(5, 0, 1, 1, 1, 1));
    assertThat(withFirst.getJsonArray("stillFailing")).containsExactly(test(BROKEN, "failed", "unexpected"));
    assertThat(withFirst.getJsonArray("newlyFailing")).containsExactly(test(FAILING, "failed", "unexpected"),
      test(NEW, "failed", "unexpected"), test(FLAKY, "failed", "unexpected"), test(ADDED, "failed", "unexpected"),
      test(GAP, "failed", "unexpected"));

    JsonObject feature = get("/api/test-runs/" + R[7] + "/compare?base=feature/x");
    assertThat(feature.getLong("baseRunId")).isEqualTo(featureLate);
    assertThat(feature.getJsonObject("counts")).isEqualTo(counts(6, 0, 0, 11, 0, 0));
    assertThat(feature.getJsonArray("newlyFailing").getJsonObject(0)).isEqualTo(test(FAILING, "failed", "unexpected"));
    assertThat(feature.getJsonArray("newTests")).hasSize(11);

    JsonObject nothing = get("/api/test-runs/" + R[7] + "/compare?base=nope");
    assertThat(nothing).isEqualTo(new JsonObject().put("runId", R[7]).putNull("baseRunId")
      .put("reason", "No finished run of branch 'nope' in this project other than this one.").put("truncated", false)
      .put("counts", counts(0, 0, 0, 0, 0, 0)).put("newlyFailing", new JsonArray()).put("fixed", new JsonArray())
      .put("stillFailing", new JsonArray()).put("newTests", new JsonArray()).put("removedTests", new JsonArray())
      .put("slower", new JsonArray()));
    JsonObject self = get("/api/test-runs/" + featureLate + "/compare?base=feature/x");
    assertThat(self.getLong("baseRunId")).as("never the run itself").isEqualTo(featureEarly);

    JsonObject first = get("/api/test-runs/" + R[1] + "/compare");
    assertThat(first.getLong("baseRunId")).isNull();
    assertThat(first.getString("reason")).isEqualTo("No earlier finished run of branch 'main'.");
    JsonObject unbranched = get("/api/test-runs/" + unbranched1 + "/compare");
    assertThat(unbranched.getString("reason")).isEqualTo("No earlier finished run without a branch in this project.");
    assertThat(get("/api/test-runs/" + unbranched2 + "/compare").getLong("baseRunId")).isEqualTo(unbranched1);
    JsonObject running = get("/api/test-runs/" + R[7] + "/compare?with=" + runningOnMain);
    assertThat(running.getLong("baseRunId")).as("a running run named explicitly").isEqualTo(runningOnMain);
    assertThat(running.getJsonObject("counts").getInteger("newTests")).isEqualTo(12);
  }

  // ----- validation and access ----------------------------------------------------------------------------------

  @Test
  @DisplayName("every parameter is checked; unknown runs are 404, a run of another project is 400; viewers may read")
  void validationAndAccess() {
    String context = "/api/test-runs/" + R[7] + "/failure-context";
    String compare = "/api/test-runs/" + R[7] + "/compare";
    assertRefused(context + "?window=0", 400, "validation_failed", "window");
    assertRefused(context + "?window=101", 400, "validation_failed", "window");
    assertRefused(context + "?window=ten", 400, "validation_failed", "window");
    assertRefused(context + "?window=5&window=6", 400, "validation_failed", "window");
    assertRefused(context + "?limit=5", 400, "validation_failed", "limit");
    assertRefused("/api/test-runs/abc/failure-context", 400, "validation_failed", "runId");
    assertRefused("/api/test-runs/999999/failure-context", 404, "not_found", null);

    assertRefused(compare + "?with=abc", 400, "validation_failed", "with");
    assertRefused(compare + "?with=0", 400, "validation_failed", "with");
    assertRefused(compare + "?with=" + R[6] + "&base=main", 400, "validation_failed", "base");
    assertRefused(compare + "?base=", 400, "validation_failed", "base");
    assertRefused(compare + "?slowerBy=0", 400, "validation_failed", "slowerBy");
    assertRefused(compare + "?slowerBy=10001", 400, "validation_failed", "slowerBy");
    assertRefused(compare + "?minDelta=-1", 400, "validation_failed", "minDelta");
    assertRefused(compare + "?window=5", 400, "validation_failed", "window");
    assertRefused(compare + "?with=999999", 404, "not_found", null);
    assertRefused("/api/test-runs/999999/compare?with=" + R[6], 404, "not_found", null);
    assertRefused(compare + "?with=" + elsewhere, 400, "validation_failed", "with");

    assertThat(send(context, null).statusCode()).isEqualTo(401);
    assertThat(send(compare, null).statusCode()).isEqualTo(401);
    assertThat(send(context, viewer).statusCode()).isEqualTo(200);
    assertThat(send(compare, viewer).statusCode()).isEqualTo(200);
  }
}
