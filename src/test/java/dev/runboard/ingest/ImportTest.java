package dev.runboard.ingest;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/test-runs/import} over real HTTP against a node on the embedded PostgreSQL: report files of
 * real runners (Surefire, pytest) and documented samples (jest-junit, Playwright's JSON report, Surefire's rerun
 * elements), stored as streamed runs are; hostile and broken documents refused quickly, with nothing stored.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Imports of JUnit XML and Playwright JSON reports: mapped like streamed runs, hostile files refused")
class ImportTest {

  private static final String IMPORT = "/api/test-runs/import";
  private static final String XML = "application/xml";
  /** The node's ingest.maxSubmitBytes, small so that limits are cheap to reach. */
  private static final int MAX_BODY = 4 * 1024 * 1024;
  /** How long a refusal of a hostile document may take. */
  private static final long QUICK_MS = 2_000;

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporterKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.INGEST_MAX_SUBMIT_BYTES, MAX_BODY)));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  // ----- real runners -----------------------------------------------------------------------------------------

  @Test
  @DisplayName("a Surefire report of this project's build: 19 passed tests, one per <testcase>, source import")
  void surefire() throws Exception {
    String project = "surefire-" + UUID.randomUUID();
    HttpResponse<Buffer> response = importFile(project, "surefire-TEST-dev.runboard.model.OutcomeTest.xml", XML);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("success", "testRunId", "projectId", "format", "tests",
      "attempts");
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getString("format")).isEqualTo("junit");
    assertThat(List.of(body.getInteger("tests"), body.getInteger("attempts"))).containsExactly(19, 19);
    long runId = body.getLong("testRunId");
    assertThat(counters(runId)).containsExactly(19, 19, 0, 0, 0, 0, 0, 19);
    assertThat(text("SELECT source || ' ' || status || ' ' || (expected_tests IS NULL) || ' ' || duration_ms "
      + "FROM runs WHERE id = " + runId)).isEqualTo("import passed true 1502");
    assertThat(text("SELECT t.file || ' | ' || array_to_string(t.title_path, ' > ') || ' | ' || a.duration_ms "
      + "FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId + " ORDER BY a.id LIMIT 1"))
      .isEqualTo("A test's outcome follows Playwright's computeTestCaseOutcome | outcome(String, String, String)[1] | 297");
  }

  @Test
  @DisplayName("a pytest --junitxml report: failure and error fail, skip and xfail skip, messages and reasons kept")
  void pytest() throws Exception {
    String project = "pytest-" + UUID.randomUUID();
    HttpResponse<Buffer> response = importFile(project, "pytest-junit.xml", "text/xml");

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    long runId = response.bodyAsJsonObject().getLong("testRunId");
    // total, passed, failed, timedOut, skipped, interrupted, flaky, attempts
    assertThat(counters(runId)).containsExactly(6, 2, 2, 0, 2, 0, 0, 6);
    assertThat(text("SELECT status || ' ' || start_time::text || ' ' || duration_ms || ' ' || reported_counts::text "
      + "FROM runs WHERE id = " + runId))
      .isEqualTo("failed 2026-12-02 10:42:59.938211+00 239 {\"tests\": 6, \"errors\": 1, \"skipped\": 2, \"failures\": 1}");
    assertThat(text(attempt(runId, "test_subtract_fails", "t.file || ' ' || a.status || ' ' || a.error_message")))
      .isEqualTo("tests.test_calc failed AssertionError: subtraction is broken\nassert (5 - 3) == 1");
    assertThat(text(attempt(runId, "test_subtract_fails", "a.error_stack"))).startsWith("def test_subtract_fails():")
      .endsWith("tests/test_calc.py:9: AssertionError");
    assertThat(text(attempt(runId, "test_uses_broken_fixture", "a.error_message")))
      .isEqualTo("failed on setup with \"RuntimeError: fixture setup failed\"");
    assertThat(text(attempt(runId, "test_skipped", "a.status || ' ' || a.expected_status || ' ' || a.annotations")))
      .isEqualTo("skipped skipped [{\"type\": \"skip\", \"description\": \"not on this platform\"}]");
    assertThat(text(attempt(runId, "test_by_zero", "t.file || ' ' || a.status"))).isEqualTo("tests.test_calc.TestDivide skipped");
  }

  @Test
  @DisplayName("a jest-junit report sent as application/octet-stream is told XML by its first character")
  void jestJunit() throws Exception {
    String project = "jest-" + UUID.randomUUID();
    HttpResponse<Buffer> response = importFile(project, "jest-junit.xml", "application/octet-stream");

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    long runId = response.bodyAsJsonObject().getLong("testRunId");
    assertThat(counters(runId)).containsExactly(5, 3, 1, 0, 1, 0, 0, 5);
    assertThat(text(attempt(runId, "cart totals prices", "t.file || ' | ' || a.error_message")))
      .isEqualTo("cart | Error: expect(received).toBe(expected) // Object.is equality");
    assertThat(text("SELECT start_time::text || ' ' || duration_ms FROM runs WHERE id = " + runId))
      .as("a timestamp without a zone is UTC").isEqualTo("2026-12-02 09:15:04+00 1482");
    assertThat(text(attempt(runId, "cart coupon > expired coupons are refused", "t.file")))
      .as("jest-junit's classname is the name: the suite names the file").isEqualTo("cart");
  }

  // ----- dialects ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("Surefire's flaky and rerun elements are attempts; Playwright's junit dialect keeps project and title path")
  void rerunDialect() throws Exception {
    String xml = """
      <?xml version="1.0" encoding="UTF-8"?>
      <testsuites tests="3" failures="1" errors="0" skipped="0" time="4.5">
      <testsuite name="tests/shop.spec.ts" hostname="firefox" tests="2" failures="1" time="2.5"
                 timestamp="2026-11-30T08:00:00.000Z">
      <testcase name="[firefox] shop › cart › adds an item" classname="tests/shop.spec.ts" time="0.4">
        <flakyFailure message="first" type="expect.toBe" time="0.2"><stackTrace>at a.spec.ts:1</stackTrace>
          <system-out>[[ATTACHMENT|results/a/trace.zip]]</system-out></flakyFailure>
        <flakyError message="second" type="Error" time="0.3"><stackTrace>boom</stackTrace></flakyError>
        <system-out>[[ATTACHMENT|results/a-retry2/test-finished-1.png]]</system-out>
      </testcase>
      <testcase name="shop › checkout" classname="tests/shop.spec.ts" time="1.5">
        <properties><property name="issue" value="#42"/><property name="owner">team-a</property></properties>
        <failure message="Expected: 3" type="expect.toBe">the first run's stack</failure>
        <rerunFailure message="Expected: 3 (again)" type="expect.toBe" time="0.7"><stackTrace>rerun stack</stackTrace></rerunFailure>
      </testcase>
      </testsuite>
      <testsuite name="com.example.CartTest" hostname="build-42" tests="1" time="2">
        <testcase name="totals()" classname="com.example.CartTest" time="2"/>
      </testsuite>
      </testsuites>
      """;
    HttpResponse<Buffer> response = send("dialect-" + UUID.randomUUID(), XML, xml.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(List.of(body.getInteger("tests"), body.getInteger("attempts"))).containsExactly(3, 6);
    long runId = body.getLong("testRunId");
    assertThat(counters(runId)).containsExactly(3, 2, 1, 0, 0, 0, 1, 6);
    assertThat(rows("SELECT t.file || ' | ' || t.playwright_project || ' | ' || array_to_string(t.title_path, ' > ') "
      + "|| ' #' || a.retry || ' ' || a.status || ' ' || a.duration_ms || ' ' || coalesce(a.error_message, '-') "
      + "FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId + " ORDER BY t.file, t.title, a.retry"))
      .containsExactly(
        "com.example.CartTest |  | totals() #0 passed 2000 -",
        "tests/shop.spec.ts | firefox | shop > cart > adds an item #0 failed 200 first",
        "tests/shop.spec.ts | firefox | shop > cart > adds an item #1 failed 300 second",
        "tests/shop.spec.ts | firefox | shop > cart > adds an item #2 passed 400 -",
        "tests/shop.spec.ts | firefox | shop > checkout #0 failed 1500 Expected: 3",
        "tests/shop.spec.ts | firefox | shop > checkout #1 failed 700 Expected: 3 (again)");
    assertThat(text(attempt(runId, "adds an item", "a.attachments::text") + " AND a.retry = 0"))
      .isEqualTo("[{\"name\": \"trace.zip\", \"contentType\": \"application/zip\"}]");
    assertThat(text(attempt(runId, "adds an item", "a.attachments::text") + " AND a.retry = 2"))
      .isEqualTo("[{\"name\": \"test-finished-1.png\", \"contentType\": \"image/png\"}]");
    assertThat(text(attempt(runId, "checkout", "a.annotations::text") + " AND a.retry = 1"))
      .isEqualTo("[{\"type\": \"issue\", \"description\": \"#42\"}, {\"type\": \"owner\", \"description\": \"team-a\"}]");
    assertThat(text("SELECT metadata->'import' FROM runs WHERE id = " + runId))
      .isEqualTo("{\"format\": \"junit\", \"dialect\": \"playwright\"}");
  }

  @Test
  @DisplayName("Playwright's JSON report: projects, retries, expected failures, errors, steps, annotations, attachments")
  void playwrightJson() throws Exception {
    JsonObject error = new JsonObject().put("message", "Error: expect(received).toBe(expected)")
      .put("stack", "Error: expect(received)\n    at /ci/repo/tests/a.spec.ts:7:9")
      .put("location", new JsonObject().put("file", "/ci/repo/tests/a.spec.ts").put("line", 7).put("column", 9));
    JsonObject spec = new JsonObject().put("title", "adds an item").put("file", "a.spec.ts").put("line", 5)
      .put("column", 3).put("tests", new JsonArray()
        .add(test("desktop", "passed", new JsonArray()
          .add(result(0, "failed", 120.4).put("errors", new JsonArray().add(error)
            .add(new JsonObject().put("message", "second error"))))
          .add(result(1, "passed", 80).put("steps", new JsonArray().add(new JsonObject().put("title", "outer")
            .put("duration", 50).put("steps", new JsonArray().add(new JsonObject().put("title", "inner")
              .put("duration", 20).put("error", new JsonObject().put("message", "x")))))))))
        .add(test("mobile", "failed", new JsonArray().add(result(0, "failed", 30)))
          .put("annotations", new JsonArray().add(new JsonObject().put("type", "fail").put("description", "bug #7")
            .put("location", new JsonObject().put("file", "/ci/repo/tests/a.spec.ts").put("line", 6))))));
    JsonObject report = new JsonObject()
      .put("config", new JsonObject().put("rootDir", "/ci/repo/tests").put("version", "1.65.1").put("workers", 2)
        .put("projects", new JsonArray().add(new JsonObject().put("name", "desktop").put("retries", 1))
          .add(new JsonObject().put("name", "mobile").put("retries", 0))))
      .put("suites", new JsonArray().add(new JsonObject().put("title", "a.spec.ts").put("file", "a.spec.ts")
        .put("specs", new JsonArray()).put("suites", new JsonArray().add(new JsonObject().put("title", "cart")
          .put("file", "a.spec.ts").put("specs", new JsonArray().add(spec)).put("suites", new JsonArray()
            .add(new JsonObject().put("title", "").put("file", "a.spec.ts").put("specs", new JsonArray()
              .add(new JsonObject().put("title", "in an anonymous describe").put("file", "a.spec.ts")
                .put("line", 12).put("column", 5).put("tests", new JsonArray().add(test("desktop", "skipped",
                  new JsonArray().add(result(0, "skipped", -1)))))))))))))
      .put("errors", new JsonArray())
      .put("stats", new JsonObject().put("startTime", "2026-11-30T08:00:00.250Z").put("duration", 4321.7)
        .put("expected", 1).put("skipped", 1).put("unexpected", 0).put("flaky", 1));

    HttpResponse<Buffer> response = send("pw-json-" + UUID.randomUUID(), "application/json", report.toBuffer().getBytes());

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("format")).isEqualTo("playwright-json");
    assertThat(List.of(body.getInteger("tests"), body.getInteger("attempts"))).containsExactly(3, 4);
    long runId = body.getLong("testRunId");
    // flaky desktop test, expected failure on mobile (passed), skipped: nothing failed.
    assertThat(counters(runId)).containsExactly(3, 2, 0, 0, 1, 0, 1, 4);
    assertThat(text("SELECT status || ' ' || start_time::text || ' ' || duration_ms || ' ' || playwright_version "
      + "|| ' ' || (metadata->'playwright')::text FROM runs WHERE id = " + runId))
      .isEqualTo("passed 2026-11-30 08:00:00.25+00 4322 1.65.1 {\"retries\": 1, \"version\": \"1.65.1\", "
        + "\"workers\": 2, \"projects\": [\"desktop\", \"mobile\"]}");
    assertThat(rows("SELECT t.file || ' | ' || t.playwright_project || ' | ' || array_to_string(t.title_path, ' > ') "
      + "|| ' #' || a.retry || ' ' || a.status || '/' || a.expected_status || ' ' || a.duration_ms || ' ' || a.line "
      + "|| ':' || a.col FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId
      + " ORDER BY t.playwright_project, t.title, a.retry"))
      .containsExactly(
        "a.spec.ts | desktop | cart > adds an item #0 failed/passed 120 5:3",
        "a.spec.ts | desktop | cart > adds an item #1 passed/passed 80 5:3",
        "a.spec.ts | desktop | cart > in an anonymous describe #0 skipped/skipped 0 12:5",
        "a.spec.ts | mobile | cart > adds an item #0 failed/failed 30 5:3");
    assertThat(text(attempt(runId, "adds an item", "a.error_message") + " AND a.retry = 0 AND t.playwright_project = 'desktop'"))
      .isEqualTo("Error: expect(received).toBe(expected)\n\n[error 2 of 2] second error");
    assertThat(text(attempt(runId, "adds an item", "a.error_location::text") + " AND a.retry = 0 AND t.playwright_project = 'desktop'"))
      .isEqualTo("{\"file\": \"a.spec.ts\", \"line\": 7, \"column\": 9}");
    assertThat(text(attempt(runId, "adds an item", "a.steps::text") + " AND a.retry = 1"))
      .isEqualTo("[{\"title\": \"outer\", \"duration\": 50}, {\"depth\": 1, \"error\": true, \"title\": \"inner\", "
        + "\"duration\": 20}]");
    assertThat(text(attempt(runId, "adds an item", "a.annotations::text") + " AND t.playwright_project = 'mobile'"))
      .isEqualTo("[{\"type\": \"fail\", \"description\": \"bug #7\"}]");
    assertThat(text(attempt(runId, "adds an item", "a.attachments::text") + " AND a.retry = 1"))
      .isEqualTo("[{\"name\": \"trace\", \"contentType\": \"application/zip\"}]");
  }

  @Test
  @DisplayName("query parameters: branch, commit, tags and metadata go into the run's metadata; rootDir shortens files")
  void parameters() throws Exception {
    String project = "params-" + UUID.randomUUID();
    String xml = "<testsuite name=\"s\"><testcase name=\"t\" classname=\"c\" "
      + "file=\"/home/ci/repo/test/a_test.py\" time=\"0.5\"/></testsuite>";
    HttpResponse<Buffer> response = client.post(IMPORT).bearerTokenAuthentication(reporterKey)
      .addQueryParam("projectName", project).addQueryParam("projectDescription", "imported")
      .addQueryParam("branch", "main").addQueryParam("commit", "3f2a9c1").addQueryParam("tags", "nightly, py,nightly")
      .addQueryParam("metadata", "{\"ci\":{\"buildUrl\":\"https://ci.example/1\"},\"scm\":{\"author\":\"ann\"}}")
      .addQueryParam("rootDir", "/home/ci/repo/")
      .putHeader("Content-Type", XML).sendBuffer(Buffer.buffer(xml)).await();

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    long runId = response.bodyAsJsonObject().getLong("testRunId");
    assertThat(text("SELECT branch || ' ' || metadata::text FROM runs WHERE id = " + runId))
      .isEqualTo("main {\"ci\": {\"buildUrl\": \"https://ci.example/1\"}, \"scm\": {\"author\": \"ann\", \"branch\": "
        + "\"main\", \"commit\": \"3f2a9c1\"}, \"tags\": [\"nightly\", \"py\"], \"import\": {\"format\": \"junit\"}}");
    assertThat(text("SELECT description FROM projects WHERE name = '" + project + "'")).isEqualTo("imported");
    assertThat(text(attempt(runId, "t", "t.file || ' | ' || array_to_string(t.title_path, ' > ')")))
      .isEqualTo("test/a_test.py | c > t");
  }

  // ----- refusals ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("XXE, external DTDs, billion laughs, deep nesting, huge attributes and comments: 400 at once, nothing read")
  void hostileXml(Vertx vertx) throws Exception {
    AtomicInteger fetched = new AtomicInteger();
    HttpServer bait = vertx.createHttpServer().requestHandler(request -> {
      fetched.incrementAndGet();
      request.response().end("<!ENTITY x 'pwned'>");
    }).listen(0, "127.0.0.1").await();
    Path secret = Files.createTempFile("runboard-xxe", ".txt");
    Files.writeString(secret, "TOP-SECRET-" + UUID.randomUUID());
    String project = "hostile-" + UUID.randomUUID();
    try {
      Map<String, byte[]> cases = new LinkedHashMap<>();
      cases.put("XXE to a local file", ("<?xml version=\"1.0\"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM \""
        + secret.toUri() + "\">]><testsuite name=\"s\"><testcase name=\"&xxe;\" classname=\"c\"/></testsuite>")
        .getBytes(StandardCharsets.UTF_8));
      cases.put("external DTD over HTTP", ("<?xml version=\"1.0\"?><!DOCTYPE testsuite SYSTEM \"http://127.0.0.1:"
        + bait.actualPort() + "/evil.dtd\"><testsuite name=\"s\"><testcase name=\"&x;\" classname=\"c\"/></testsuite>")
        .getBytes(StandardCharsets.UTF_8));
      cases.put("parameter entity", ("<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:" + bait.actualPort()
        + "/p.dtd\"> %p;]><testsuite/>").getBytes(StandardCharsets.UTF_8));
      StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
      for (int i = 1; i <= 9; i++) {
        laughs.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10))
          .append("\">");
      }
      laughs.append("]><testsuites><testsuite name=\"&lol9;\"/></testsuites>");
      cases.put("billion laughs", laughs.toString().getBytes(StandardCharsets.UTF_8));
      cases.put("100,000 levels deep", ("<testsuites>" + "<testsuite>".repeat(100_000) + "</testsuite>".repeat(100_000)
        + "</testsuites>").getBytes(StandardCharsets.UTF_8));
      cases.put("a 3 MiB attribute", ("<testsuites><testsuite name=\"" + "A".repeat(3 * 1024 * 1024) + "\"/></testsuites>")
        .getBytes(StandardCharsets.UTF_8));
      cases.put("a 3 MiB comment", ("<testsuites><!--" + "-x".repeat(1536 * 1024) + "--></testsuites>")
        .getBytes(StandardCharsets.UTF_8));
      cases.put("more than 1,000,000 elements", ("<testsuites>" + "<x/>".repeat(1_000_001) + "</testsuites>")
        .getBytes(StandardCharsets.UTF_8));
      Map<String, String> messages = new LinkedHashMap<>();
      for (Map.Entry<String, byte[]> c : cases.entrySet()) {
        long started = System.nanoTime();
        HttpResponse<Buffer> response = send(project, XML, c.getValue());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertError(response, 400, "validation_failed", null);
        // A million elements is real parsing work (4 MB); the others are refused before anything is expanded.
        assertThat(ms).as(c.getKey() + " refused in " + ms + " ms")
          .isLessThan(c.getKey().contains("elements") ? 5 * QUICK_MS : QUICK_MS);
        assertThat(response.bodyAsString()).doesNotContain("TOP-SECRET").doesNotContain("pwned");
        messages.put(c.getKey(), response.bodyAsJsonObject().getString("message") + " (" + ms + " ms)");
      }
      assertThat(messages.get("XXE to a local file")).contains("DTD");
      assertThat(messages.get("billion laughs")).contains("DTD");
      assertThat(messages.get("100,000 levels deep")).contains("deeper than 64 levels");
      assertThat(messages.get("a 3 MiB attribute")).contains("longer than 1048576 bytes");
      assertThat(messages.get("a 3 MiB comment")).contains("longer than 1048576 bytes");
      assertThat(messages.get("more than 1,000,000 elements")).contains("more than 1000000 elements");
      assertThat(fetched.get()).as("requests the parser made for external resources").isZero();
      assertNothingStored(project);
      messages.forEach((what, message) -> System.out.println("[import refusal] " + what + ": " + message));
    } finally {
      bait.close().await();
      Files.deleteIfExists(secret);
    }
  }

  @Test
  @DisplayName("malformed XML or JSON names line and column; other shapes, encodings and types are refused by name")
  void brokenDocuments() throws Exception {
    String project = "broken-" + UUID.randomUUID();
    HttpResponse<Buffer> xml = send(project, XML, "<testsuites>\n  <testsuite name=\"a\">\n</testsuites>"
      .getBytes(StandardCharsets.UTF_8));
    assertError(xml, 400, "invalid_xml", null);
    assertThat(xml.bodyAsJsonObject().getString("message")).startsWith("The body is not well-formed XML (line 3, column");
    HttpResponse<Buffer> json = send(project, "application/json", "{\"config\": {},\n \"suites\": [,]}"
      .getBytes(StandardCharsets.UTF_8));
    assertError(json, 400, "invalid_json", null);
    assertThat(json.bodyAsJsonObject().getString("message")).contains("(line 2, column");

    assertThat(message(send(project, XML, "<html><body/></html>".getBytes(StandardCharsets.UTF_8)), 400))
      .isEqualTo("Expected JUnit XML: a <testsuites> or <testsuite> root element, got <html>.");
    assertThat(message(send(project, "application/json", "{\"tests\": []}".getBytes(StandardCharsets.UTF_8)), 400))
      .startsWith("Expected Playwright's JSON report (npx playwright test --reporter=json)");
    assertThat(message(send(project, "application/json", "[1]".getBytes(StandardCharsets.UTF_8)), 400))
      .isEqualTo("The body must be a JSON object, got an array.");
    assertThat(message(send(project, null, "hello".getBytes(StandardCharsets.UTF_8)), 400))
      .startsWith("The body is neither JSON nor XML");
    assertThat(message(send(project, null, new byte[0]), 400)).startsWith("The body is empty");
    assertThat(message(send(project, XML, "<testsuites/>".getBytes(StandardCharsets.UTF_16)), 400))
      .contains("UTF-16");
    assertError(send(project, "text/html", "<testsuites/>".getBytes(StandardCharsets.UTF_8)), 415,
      "unsupported_media_type", null);
    assertError(send(project, XML, ("<testsuite name=\"s\"><testcase name=\"t\" time=\"soon\"/></testsuite>")
      .getBytes(StandardCharsets.UTF_8)), 400, "validation_failed", "testsuite.testcase[0].time");
    JsonObject badStatus = new JsonObject().put("config", new JsonObject()).put("suites", new JsonArray()
      .add(new JsonObject().put("title", "a.spec.ts").put("specs", new JsonArray().add(new JsonObject()
        .put("title", "t").put("file", "a.spec.ts").put("tests", new JsonArray().add(test("p", "passed",
          new JsonArray().add(result(0, "exploded", 1)))))))));
    assertError(send(project, "application/json", badStatus.toBuffer().getBytes()), 400, "validation_failed",
      "suites[0].specs[0].tests[0].results[0].status");

    String valid = "<testsuite name=\"s\"><testcase name=\"t\"/></testsuite>";
    assertError(client.post(IMPORT).bearerTokenAuthentication(reporterKey).putHeader("Content-Type", XML)
      .sendBuffer(Buffer.buffer(valid)).await(), 400, "validation_failed", "projectName");
    assertError(client.post(IMPORT).bearerTokenAuthentication(reporterKey).addQueryParam("projectName", project)
      .addQueryParam("project", "typo").putHeader("Content-Type", XML).sendBuffer(Buffer.buffer(valid)).await(),
      400, "validation_failed", "project");
    assertError(client.post(IMPORT).bearerTokenAuthentication(reporterKey).addQueryParam("projectName", project)
      .addQueryParam("branch", "a").addQueryParam("branch", "b").putHeader("Content-Type", XML)
      .sendBuffer(Buffer.buffer(valid)).await(), 400, "validation_failed", "branch");
    assertError(client.post(IMPORT).bearerTokenAuthentication(reporterKey).addQueryParam("projectName", project)
      .addQueryParam("metadata", "[1]").putHeader("Content-Type", XML).sendBuffer(Buffer.buffer(valid)).await(),
      400, "validation_failed", "metadata");
    assertError(client.post(IMPORT).putHeader("Content-Type", XML).sendBuffer(Buffer.buffer(valid)).await(), 401,
      "unauthorized", null);
    assertError(client.post(IMPORT).bearerTokenAuthentication(TestUsers.apiKey(db, "viewer"))
      .addQueryParam("projectName", project).putHeader("Content-Type", XML).sendBuffer(Buffer.buffer(valid)).await(),
      403, "forbidden", null);
    assertNothingStored(project);
  }

  @Test
  @DisplayName("a body over ingest.maxSubmitBytes is 413 while it is read: with Content-Length, and chunked")
  void tooLarge(Vertx vertx) throws Exception {
    String project = "large-" + UUID.randomUUID();
    byte[] big = ("<testsuites>" + "<testsuite name=\"s\"/>".repeat(MAX_BODY / 20) + "</testsuites>")
      .getBytes(StandardCharsets.UTF_8);
    assertThat(big.length).isGreaterThan(MAX_BODY);
    assertError(send(project, XML, big), 413, "payload_too_large", null);

    HttpClient http = vertx.createHttpClient();
    try {
      long started = System.nanoTime();
      int status = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
          .setPort(node.port()).setURI(IMPORT + "?projectName=" + project)
          .putHeader("Authorization", "Bearer " + reporterKey).putHeader("Content-Type", XML))
        .compose(request -> {
          request.setChunked(true);
          request.write("<testsuites>");
          for (int i = 0; i < 300; i++) {
            request.write("<testsuite name=\"" + "s".repeat(20_000) + "\"/>");
          }
          return request.end("</testsuites>").compose(v -> request.response()).map(HttpClientResponse::statusCode);
        }).await(20, TimeUnit.SECONDS);
      assertThat(status).isEqualTo(413);
      System.out.println("[import refusal] chunked 6 MB body over a 4 MiB limit: 413 in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
    } finally {
      http.close().await();
    }
    assertNothingStored(project);
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static JsonObject test(String project, String expectedStatus, JsonArray results) {
    return new JsonObject().put("timeout", 10_000).put("annotations", new JsonArray())
      .put("expectedStatus", expectedStatus).put("projectId", project).put("projectName", project)
      .put("results", results).put("status", "expected");
  }

  private static JsonObject result(int retry, String status, double duration) {
    return new JsonObject().put("workerIndex", 0).put("status", status).put("duration", duration)
      .put("errors", new JsonArray()).put("stdout", new JsonArray()).put("stderr", new JsonArray())
      .put("retry", retry).put("startTime", "2026-11-30T08:00:01.000Z")
      .put("attachments", new JsonArray().add(new JsonObject().put("name", "trace")
        .put("contentType", "application/zip").put("path", "/ci/repo/test-results/x/trace.zip")));
  }

  private static HttpResponse<Buffer> importFile(String project, String sample, String type) throws IOException {
    try (InputStream in = ImportTest.class.getResourceAsStream("/fixtures/import/" + sample)) {
      assertThat(in).as(sample).isNotNull();
      return send(project, type, in.readAllBytes());
    }
  }

  private static HttpResponse<Buffer> send(String project, String type, byte[] body) {
    HttpRequest<Buffer> request = client.post(IMPORT).bearerTokenAuthentication(reporterKey)
      .addQueryParam("projectName", project);
    if (type != null) {
      request.putHeader("Content-Type", type);
    }
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  private static String message(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    return response.bodyAsJsonObject().getString("message");
  }

  /** The protocol's error body, exactly: error, message and (when expected) field, nothing else. */
  private static void assertError(HttpResponse<Buffer> response, int status, String code, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).as(body.encode()).isEqualTo(code);
    assertThat(body.getString("message")).as(body.encode()).isNotBlank();
    assertThat(body.getString("field")).as(body.encode()).isEqualTo(field);
    assertThat(body.fieldNames()).isSubsetOf("error", "message", "field");
  }

  private static void assertNothingStored(String project) throws SQLException {
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = '" + project + "'")).as("no project").isZero();
  }

  /** total, passed, failed, timedOut, skipped, interrupted, flaky, attempts of a run. */
  private static List<Integer> counters(long runId) throws SQLException {
    List<String> row = rows("SELECT concat_ws(',', total, passed, failed, timed_out, skipped, interrupted, flaky, "
      + "attempts) FROM runs WHERE id = " + runId);
    List<Integer> out = new ArrayList<>();
    for (String n : row.get(0).split(",")) {
      out.add(Integer.parseInt(n));
    }
    return out;
  }

  private static String attempt(long runId, String title, String columns) {
    return "SELECT " + columns + " FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId
      + " AND t.title = '" + title.replace("'", "''") + "'";
  }

  private static long scalar(String sql) throws SQLException {
    return Long.parseLong(text(sql));
  }

  private static String text(String sql) throws SQLException {
    List<String> rows = rows(sql);
    assertThat(rows).as(sql).hasSize(1);
    return rows.get(0);
  }

  private static List<String> rows(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(sql);
         ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
