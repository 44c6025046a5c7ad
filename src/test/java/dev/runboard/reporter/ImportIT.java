package dev.runboard.reporter;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Imports of the files real Playwright writes, against what the streaming reporter stores for the same run: one
 * run of the sample project ({@code reporter/test/fixtures/reports.config.js}) streams to a real node and writes
 * Playwright's JSON report, its JUnit report and its JUnit report with retries; each is imported into the same
 * Runboard project, through the HTTP API and through {@code npx runboard-reporter import}. Skipped, with the
 * reason, when {@code reporter/node_modules} or Chromium is missing (CI installs both).
 */
@DisplayName("Imported Playwright reports of a real run: the JSON report stores what streaming stored, JUnit what it can say")
class ImportIT {

  private static final Path REPORTER = Path.of("reporter").toAbsolutePath();
  private static final Path FIXTURES = REPORTER.resolve("test/fixtures");
  private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
  private static final long PROCESS_TIMEOUT_SECONDS = 150;
  private static final String COUNTERS = "total, passed, failed, timed_out, skipped, interrupted, flaky, attempts";

  private static Runboard node;
  private static DatabaseUrl db;
  private static String apiKey;
  private static Path dataDir;
  private static Path work;
  private static Path reports;
  private static String project;
  private static long streamedRunId;

  @BeforeAll
  static void runPlaywrightOnce() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(REPORTER.resolve("node_modules/@playwright/test")),
      "reporter/node_modules is missing: run (cd reporter && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)");
    Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)),
      CHROMIUM + " is missing: run apt-get install -y chromium (or set CHROMIUM_PATH)");
    dataDir = Files.createTempDirectory("runboard-import-it");
    work = Files.createTempDirectory("runboard-import-it-work");
    reports = work.resolve("reports");
    node = Runboard.start(TestDatabase.config(new JsonObject().put("data.dir", dataDir.toString())));
    db = DatabaseUrl.parse(node.config().dbUrl());
    apiKey = TestUsers.apiKey(db, "reporter");
    project = "imports-" + UUID.randomUUID();

    Map<String, String> env = new HashMap<>();
    env.put("RUNBOARD_URL", "http://127.0.0.1:" + node.port());
    env.put("RUNBOARD_API_KEY", apiKey);
    env.put("RUNBOARD_PROJECT", project);
    env.put("RUNBOARD_REPORTS_DIR", reports.toString());
    env.put("CHROMIUM_PATH", CHROMIUM);
    long started = System.nanoTime();
    Run run = run(FIXTURES, env, "npx", "playwright", "test", "--config=reports.config.js",
      "--output=" + work.resolve("test-results"));
    System.out.println("[import it] one Playwright run, streamed and written to three files, in "
      + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s");
    assertThat(run.exitCode).as(run.output).isEqualTo(1);
    for (String file : List.of("report.json", "junit.xml", "junit-retries.xml")) {
      assertThat(reports.resolve(file)).as(run.output).exists();
    }
    streamedRunId = scalar("SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ? "
      + "AND r.source = 'stream'", project);
  }

  @AfterAll
  static void stop() throws IOException {
    if (node != null) {
      node.stop();
    }
    deleteTree(dataDir);
    deleteTree(work);
  }

  @Test
  @DisplayName("the JSON report: the streamed run's counters, attempts, statuses and tests (14, 8, 2, 2, 2, 0, 2, 20)")
  void playwrightJson() throws Exception {
    HttpResponse<String> response = importFile("report.json", "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("format")).isEqualTo("playwright-json");
    assertThat(List.of(body.getInteger("tests"), body.getInteger("attempts"))).containsExactly(14, 20);
    long runId = body.getLong("testRunId");
    assertThat(counters(runId)).containsExactly(14, 8, 2, 2, 2, 0, 2, 20);
    assertThat(counters(runId)).as("what the streaming reporter stored").isEqualTo(counters(streamedRunId));
    assertThat(attempts(runId)).hasSize(20).isEqualTo(attempts(streamedRunId));
    assertThat(scalar("SELECT count(*) FROM tests t JOIN projects p ON p.id = t.project_id WHERE p.name = ?", project))
      .as("the same 14 tests as the streamed run: identities are equal").isEqualTo(14);
    assertThat(text("SELECT status || ' ' || source || ' ' || playwright_version FROM runs WHERE id = ?", runId))
      .isEqualTo("failed import 1.65.1");
    assertThat(text("SELECT array_to_string(array_agg(DISTINCT t.file ORDER BY t.file), ',') FROM attempts a "
      + "JOIN tests t ON t.id = a.test_id WHERE a.run_id = ?", runId)).isEqualTo("shop.spec.js,z-live.spec.js");
    assertThat(text("SELECT a.error_message FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND t.title = 'fails on purpose' AND t.playwright_project = 'desktop' AND a.retry = 0", runId))
      .isEqualTo(text("SELECT a.error_message FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
        + "AND t.title = 'fails on purpose' AND t.playwright_project = 'desktop' AND a.retry = 0", streamedRunId));
    assertThat(text("SELECT a.annotations::text FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND t.title = 'fails as expected' AND t.playwright_project = 'narrow'", runId))
      .isEqualTo("[{\"type\": \"fail\", \"description\": \"a known bug\"}]");
    assertThat(text("SELECT a.steps::text FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND t.title = 'passes on retry' AND t.playwright_project = 'desktop' AND a.retry = 0", runId))
      .contains("\"title\": \"check the retry\"").contains("\"error\": true");
  }

  @Test
  @DisplayName("Playwright's JUnit report: one attempt per test, no retries, timeouts and expected failures unknown")
  void junit() throws Exception {
    HttpResponse<String> response = importFile("junit.xml", "application/xml");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("format")).isEqualTo("junit");
    assertThat(List.of(body.getInteger("tests"), body.getInteger("attempts"))).containsExactly(14, 14);
    long runId = body.getLong("testRunId");
    // JUnit says neither retries (the flaky tests are passed tests) nor timeouts (errors: failed) nor test.fail()
    // (an expected failure is a passed test; its "fail" annotation is kept).
    assertThat(counters(runId)).containsExactly(14, 8, 4, 0, 2, 0, 0, 14);
    assertThat(scalar("SELECT count(*) FROM tests t JOIN projects p ON p.id = t.project_id WHERE p.name = ?", project))
      .as("Playwright's JUnit dialect: the same identities as streamed").isEqualTo(14);
    assertThat(text("SELECT a.status || ' ' || a.annotations::text FROM attempts a JOIN tests t ON t.id = a.test_id "
      + "WHERE a.run_id = ? AND t.title = 'fails as expected' AND t.playwright_project = 'desktop'", runId))
      .isEqualTo("passed [{\"type\": \"fail\", \"description\": \"a known bug\"}]");
    assertThat(text("SELECT a.error_message FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND t.title = 'times out' AND t.playwright_project = 'narrow'", runId)).isEqualTo("Test timeout of 1000ms exceeded.");
  }

  @Test
  @DisplayName("with includeRetries, JUnit's flaky and rerun elements give every attempt: 20, and the 2 flaky tests")
  void junitWithRetries() throws Exception {
    HttpResponse<String> response = importFile("junit-retries.xml", "text/xml");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    long runId = new JsonObject(response.body()).getLong("testRunId");
    assertThat(counters(runId)).containsExactly(14, 8, 4, 0, 2, 0, 2, 20);
    List<String> streamed = attempts(streamedRunId).stream()
      .map(a -> a.replace("timedOut", "failed").replace("fails as expected #0 failed", "fails as expected #0 passed"))
      .toList();
    assertThat(attempts(runId)).as("the streamed attempts, as JUnit can say them").isEqualTo(streamed);
  }

  @Test
  @DisplayName("npx runboard-reporter import sends each file once, prints each run and exits 0; a bad file exits 1")
  void cli() throws Exception {
    Path broken = work.resolve("broken.xml");
    Files.writeString(broken, "<testsuites><testsuite name=\"a\"></testsuites>");
    Map<String, String> env = new HashMap<>();
    env.put("RUNBOARD_URL", "http://127.0.0.1:" + node.port());
    env.put("RUNBOARD_API_KEY", apiKey);
    String cliProject = project + "-cli";
    long before = scalar("SELECT count(*) FROM runs WHERE source = 'import'", null);

    Run ok = run(REPORTER, env, "npx", "--no", "runboard-reporter", "import", reports.resolve("report.json").toString(),
      reports.resolve("junit.xml").toString(), "--project", cliProject, "--branch", "main");
    assertThat(ok.exitCode).as(ok.output).isZero();
    assertThat(ok.output).contains("(playwright-json): run ").contains("14 tests, 20 attempts")
      .contains("(junit): run ").contains("14 tests, 14 attempts").doesNotContain(apiKey);
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ? "
      + "AND r.branch = 'main'", cliProject)).isEqualTo(2);

    Run bad = run(REPORTER, env, "npx", "--no", "runboard-reporter", "import", broken.toString(),
      reports.resolve("junit.xml").toString(), "--project", cliProject + "-2");
    assertThat(bad.exitCode).as(bad.output).isEqualTo(1);
    assertThat(bad.output).contains("invalid_xml").contains("line 1");
    assertThat(scalar("SELECT count(*) FROM runs WHERE source = 'import'", null)).as("the good file still went")
      .isEqualTo(before + 3);
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static HttpResponse<String> importFile(String file, String type) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
          + "/api/test-runs/import?projectName=" + project))
        .header("Authorization", "Bearer " + apiKey).header("Content-Type", type).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofFile(reports.resolve(file))).build(),
      HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static List<Integer> counters(long runId) throws SQLException {
    List<Integer> out = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db);
         PreparedStatement s = c.prepareStatement("SELECT " + COUNTERS + " FROM runs WHERE id = ?")) {
      s.setLong(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        for (int i = 1; i <= 8; i++) {
          out.add(rs.getInt(i));
        }
      }
    }
    return out;
  }

  /** Every attempt of a run: "project: title path #retry status", sorted. */
  private static List<String> attempts(long runId) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(
      "SELECT t.playwright_project || ': ' || array_to_string(t.title_path, ' > ') || ' #' || a.retry || ' ' "
        + "|| a.status FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? ORDER BY 1")) {
      s.setLong(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static long scalar(String sql, Object parameter) throws SQLException {
    return Long.parseLong(text(sql, parameter));
  }

  private static String text(String sql, Object parameter) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(sql)) {
      if (parameter != null) {
        s.setObject(1, parameter);
      }
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).as(sql).isTrue();
        return rs.getString(1);
      }
    }
  }

  private record Run(int exitCode, String output) {
  }

  private static Run run(Path dir, Map<String, String> env, String... command) throws Exception {
    Path output = work.resolve("out-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
      .redirectOutput(output.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("RUNBOARD_") || name.startsWith("PLAYWRIGHT_")
      || List.of("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CIRCLECI", "TF_BUILD", "TRAVIS", "BUILDKITE")
      .contains(name));
    environment.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    environment.put("FORCE_COLOR", "0");
    environment.putAll(env);
    Process process = builder.start();
    boolean ended = process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    String text = Files.readString(output, StandardCharsets.UTF_8);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("still running after " + PROCESS_TIMEOUT_SECONDS + " s:\n" + text);
    }
    return new Run(process.exitValue(), text);
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
