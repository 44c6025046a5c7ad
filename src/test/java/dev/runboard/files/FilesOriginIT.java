package dev.runboard.files;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.Multipart;
import dev.runboard.files.FileFixtures.StartedRun;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end in a real browser: a real Playwright run of the reporter's fixture project ({@code trace: 'on'}),
 * streamed by the reporter, which attaches its HTML report and each attempt's trace; then the browser specs in
 * {@code e2e/files/} (Debian's Chromium) against the node: the report renders from the files origin, its trace
 * viewer shows a trace, a trace attached on its own opens in that viewer from the run page, other sites cannot
 * frame files, and a hostile report achieves nothing against a signed-in dashboard. Skipped, with the reason, when
 * the npm packages of {@code reporter/} or {@code e2e/}, or the browser, are missing.
 */
@DisplayName("Reports and traces open from the files origin in a real browser, and a hostile report achieves nothing")
class FilesOriginIT {

  private static final Logger logger = LoggerFactory.getLogger(FilesOriginIT.class);
  private static final Path E2E = Path.of("e2e").toAbsolutePath();
  private static final Path FIXTURES = Path.of("reporter/test/fixtures").toAbsolutePath();
  private static final Path HOSTILE = Path.of("src/test/resources/fixtures/hostile-report");
  private static final String ADMIN = "files-admin";
  private static final String PASSWORD = "files origin password";
  private static final long TIMEOUT_SECONDS = 240;

  @Test
  @DisplayName("report, trace viewer, standalone trace, framing and a hostile report, in Chromium")
  void inChromium(@TempDir Path data, @TempDir Path work) throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
    assumeTrue(Files.isDirectory(E2E.resolve("node_modules/@playwright/test")),
      "e2e/node_modules is missing: run (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)");
    assumeTrue(Files.isDirectory(FIXTURES.resolve("../../node_modules/@playwright/test")),
      "reporter/node_modules is missing: run (cd reporter && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)");
    assumeTrue(Files.isExecutable(Path.of(chromium)), chromium + " is missing: apt-get install chromium");

    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())
      .put(AppConfig.ADMIN_USERNAME, ADMIN).put(AppConfig.ADMIN_PASSWORD, PASSWORD)));
    Vertx vertx = Vertx.vertx();
    Runboard shortLived = null;
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporterKey = TestUsers.apiKey(db, "reporter");
      String origin = "http://127.0.0.1:" + node.port();

      // A real run: the fixture's cart tests in two Playwright projects, traces on, streamed and attached.
      String project = "files-" + UUID.randomUUID();
      Map<String, String> env = new HashMap<>();
      env.put("RUNBOARD_URL", origin);
      env.put("RUNBOARD_API_KEY", reporterKey);
      env.put("RUNBOARD_PROJECT", project);
      env.put("RUNBOARD_RUN_KEY", "files-" + UUID.randomUUID());
      env.put("CHROMIUM_PATH", chromium);
      env.put("PLAYWRIGHT_HTML_OUTPUT_DIR", work.resolve("report").toString());
      Run fixture = run(FIXTURES, env, work, "npx", "playwright", "test", "--grep", "cart",
        "--output=" + work.resolve("results"));
      assertThat(fixture.exitCode()).as(fixture.output()).isEqualTo(1);
      assertThat(fixture.output().lines().filter(l -> l.contains("[runboard]")).toList()).as(fixture.output())
        .isEmpty();
      long runId = scalar(db, "SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ?",
        project);
      assertThat(scalar(db, "SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'report'", runId))
        .isEqualTo(1);
      assertThat(scalar(db, "SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'trace'", runId))
        .as("a trace per attempt: 2 tests, the failing one retried, in 2 projects").isEqualTo(6);

      // The reporter sent the trace viewer of its playwright-core once; a run with a trace and no HTML report.
      assertThat(scalar(db, "SELECT count(*) FROM trace_viewers WHERE version = ?", "1.65.1"))
        .as("the trace viewer of the fixture's Playwright, uploaded by the reporter").isEqualTo(1);
      long noReportRunId = runWithoutReport(vertx, node, runId, reporterKey, TestUsers.apiKey(db, "viewer"));

      // A hostile report, attached like any other to a run of its own.
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      StartedRun hostile = FileFixtures.startRun(client, reporterKey, "hostile-" + UUID.randomUUID());
      Map<String, byte[]> entries = new HashMap<>(FileFixtures.folder(HOSTILE));
      entries.put("dashboard.js", ("window.DASHBOARD = '" + origin + "';\n").getBytes(StandardCharsets.UTF_8));
      FileFixtures.attach(client, hostile, new Multipart()
        .file("report_html", "report.zip", "application/zip", FileFixtures.zip(entries))
        .field("report_label_html", "Playwright HTML report"));

      // A second node on the same database and storage whose file URLs live 2 s.
      shortLived = Runboard.start(AppConfig.of(node.config().json().put(AppConfig.HTTP_PORT, 0)
        .put(AppConfig.FILES_PORT, 0).put(AppConfig.FILES_URL_TTL, "2s")));

      Map<String, String> browser = new HashMap<>();
      browser.put("BASE_URL", origin);
      browser.put("RUN_ID", Long.toString(runId));
      browser.put("HOSTILE_RUN_ID", Long.toString(hostile.runId()));
      browser.put("NO_REPORT_RUN_ID", Long.toString(noReportRunId));
      browser.put("SHORT_TTL_URL", "http://127.0.0.1:" + shortLived.port());
      browser.put("ADMIN_USERNAME", ADMIN);
      browser.put("ADMIN_PASSWORD", PASSWORD);
      browser.put("CHROMIUM_PATH", chromium);
      browser.put("CI", "1");
      // Screenshots of the run page with inline media (1440/390 px, light/dark), e.g. for docs/images.
      if (System.getenv("RUNBOARD_SCREENSHOT_DIR") != null) {
        browser.put("SCREENSHOT_DIR", System.getenv("RUNBOARD_SCREENSHOT_DIR"));
      }
      Run specs = run(E2E, browser, work, "npx", "playwright", "test", "--config", "files.config.js");
      assertThat(specs.exitCode()).as(specs.output()).isZero();
      assertThat(specs.output()).contains("8 passed");

      // Server side: the hostile report made no key, ended no session.
      assertThat(scalar(db, "SELECT count(*) FROM api_keys WHERE name LIKE ?", "stolen%")).isZero();
      assertThat(scalar(db, "SELECT count(*) FROM sessions"))
        .as("one session per sign-in of the 8 specs: the hostile logouts ended none").isEqualTo(8);
    } finally {
      vertx.close().await();
      if (shortLived != null) {
        shortLived.stop();
      }
      node.stop();
    }
  }

  private record Run(int exitCode, String output) {
  }

  /**
   * A streamed run of its own with a failing attempt of "adds an item", its trace and screenshot (the bytes of the
   * fixture run's files of that test) and no report; its id.
   */
  private static long runWithoutReport(Vertx vertx, Runboard node, long runId, String reporterKey, String viewerKey) {
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
    JsonObject run = client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewerKey).send().await()
      .bodyAsJsonObject();
    Map<String, byte[]> bytes = new HashMap<>();
    for (String kind : List.of("trace", "screenshot")) {
      JsonObject file = run.getJsonArray("files").stream().map(JsonObject.class::cast)
        .filter(f -> kind.equals(f.getString("kind")) && f.getJsonObject("attempt") != null
          && f.getJsonObject("attempt").getJsonArray("titlePath").contains("adds an item"))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " of 'adds an item' in " + run.encode()));
      bytes.put(kind, WebClient.create(vertx).getAbs(file.getString("url")).send().await().body().getBytes());
    }
    StartedRun started = FileFixtures.startRun(client, reporterKey, "no-report-" + UUID.randomUUID());
    JsonObject attempt = new JsonObject().put("type", "complete").put("title", "adds an item")
      .put("titlePath", new JsonArray().add("cart").add("adds an item")).put("playwrightProject", "chromium")
      .put("location", "tests/shop.spec.js:5:5").put("retry", 0).put("status", "failed").put("duration", 812)
      .put("error", new JsonObject().put("message", "Error: expect(locator).toHaveText(expected) failed"));
    HttpResponse<Buffer> events = client.post("/api/test-runs/" + started.runId() + "/events")
      .putHeader("X-Stream-Token", started.token())
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray().add(attempt))).await();
    assertThat(events.statusCode()).as(events.bodyAsString()).isEqualTo(200);
    String[][] files = {{"trace", "application/zip", "trace.zip"}, {"screenshot", "image/png", "screenshot.png"}};
    JsonArray described = new JsonArray();
    for (int i = 0; i < files.length; i++) {
      described.add(new JsonObject().put("part", "attachment_" + i).put("titlePath", attempt.getJsonArray("titlePath"))
        .put("file", "tests/shop.spec.js").put("playwrightProject", "chromium").put("retry", 0)
        .put("name", files[i][0]).put("contentType", files[i][1]));
    }
    Multipart form = new Multipart().field("attachments", described.encode());
    for (int i = 0; i < files.length; i++) {
      form.file("attachment_" + i, files[i][2], files[i][1], bytes.get(files[i][0]));
    }
    FileFixtures.attach(client, started, form);
    HttpResponse<Buffer> finished = client.post("/api/test-runs/" + started.runId() + "/finish")
      .putHeader("X-Stream-Token", started.token())
      .sendJsonObject(new JsonObject().put("status", "failed").put("duration", 900)).await();
    assertThat(finished.statusCode()).as(finished.bodyAsString()).isEqualTo(200);
    JsonObject detail = client.get("/api/test-runs/" + started.runId()).bearerTokenAuthentication(viewerKey).send()
      .await().bodyAsJsonObject();
    assertThat(detail.getJsonObject("traceViewer")).as(detail.encode()).isNotNull();
    return started.runId();
  }

  private static Run run(Path dir, Map<String, String> env, Path work, String... command) throws Exception {
    Path output = work.resolve("out-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
      .redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("RUNBOARD_") || name.startsWith("PLAYWRIGHT_HTML")
      || List.of("GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CIRCLECI", "TF_BUILD", "TRAVIS", "BUILDKITE")
      .contains(name));
    builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    builder.environment().put("FORCE_COLOR", "0");
    builder.environment().putAll(env);
    Process process = builder.start();
    boolean ended = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    text.lines().forEach(line -> logger.info("{}: {}", command[1], line));
    assertThat(ended).as("ended within " + TIMEOUT_SECONDS + " s:\n" + text).isTrue();
    return new Run(process.exitValue(), text);
  }

  private static long scalar(DatabaseUrl db, String sql, Object... parameters) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).as(sql).isTrue();
        return rs.getLong(1);
      }
    }
  }
}
