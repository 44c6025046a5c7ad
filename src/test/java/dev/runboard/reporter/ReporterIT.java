package dev.runboard.reporter;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: the npm package in {@code reporter/} inside a real Playwright run (the sample project in
 * {@code reporter/test/fixtures}, Debian's Chromium) against a real Runboard server on embedded PostgreSQL.
 * Skipped, with the reason, only when {@code reporter/node_modules} or Chromium is missing (CI installs both).
 */
@DisplayName("runboard-reporter delivers real Playwright runs to a real server exactly once and never breaks them")
class ReporterIT {

  private static final Path REPORTER = Path.of("reporter").toAbsolutePath();
  private static final Path FIXTURES = REPORTER.resolve("test/fixtures");
  private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
  private static final long PROCESS_TIMEOUT_SECONDS = 150;

  /** Every attempt of the sample project, per Playwright project: titlePath, retry, status. */
  private static final List<String> ATTEMPTS_PER_PROJECT = List.of(
    "shop > cart > adds an item #0 passed",
    "shop > cart > fails on purpose #0 failed",
    "shop > cart > fails on purpose #1 failed",
    "shop > fails as expected #0 failed",
    "shop > is skipped #0 skipped",
    "shop > passes on retry #0 failed",
    "shop > passes on retry #1 passed",
    "shop > times out #0 timedOut",
    "shop > times out #1 timedOut",
    "waits for the dashboard #0 passed");

  private static Runboard node;
  private static DatabaseUrl db;
  private static String apiKey;
  private static Path dataDir;
  private static Path work;
  private static Vertx vertx;
  /** Where each started process writes its output (stdout and stderr). */
  private static final Map<Process, Path> outputs = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(REPORTER.resolve("node_modules/@playwright/test")),
      "reporter/node_modules is missing: run (cd reporter && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)");
    Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)),
      CHROMIUM + " is missing: run apt-get install -y chromium (or set CHROMIUM_PATH)");
    dataDir = Files.createTempDirectory("runboard-reporter-it");
    work = Files.createTempDirectory("runboard-reporter-it-work");
    node = Runboard.start(TestDatabase.config(new JsonObject().put("data.dir", dataDir.toString())));
    db = DatabaseUrl.parse(node.config().dbUrl());
    apiKey = TestUsers.apiKey(db, "reporter");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws IOException {
    if (node != null) {
      node.stop();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    deleteTree(dataDir);
    deleteTree(work);
  }

  // ----- tests ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("the reporter's Node unit tests pass (node --test reporter/test/unit/)")
  void nodeUnitTests() throws Exception {
    Run run = run(REPORTER, Map.of(), "node", "--test", "test/unit/");
    assertThat(run.exitCode).as(run.output).isZero();
    assertThat(run.output).containsPattern("(?m)^# pass [1-9][0-9]*$").contains("# fail 0");
  }

  @Test
  @DisplayName("a run is streamed live: every attempt once, counters and status as Playwright's, files attached")
  void streamsARun() throws Exception {
    String project = "live-" + UUID.randomUUID();
    Path gate = work.resolve("gate-" + project);
    Map<String, String> env = reporterEnv(node.port(), project);
    env.put("RUNBOARD_TEST_GATE", gate.toString());

    Process process = startPlaywright(env);
    // While the run goes on: find it, watch its stream, and let the fixture's last test end once a result arrived.
    long runId = awaitRunId(project, process);
    boolean aliveWhenSeen;
    try (SseClient sse = SseClient.connect(vertx.createHttpClient(), node.port(), "/api/test-runs/" + runId + "/stream",
      MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + apiKey))) {
      assertThat(sse.status()).isEqualTo(200);
      SseClient.Event event;
      do {
        event = sse.poll(TimeUnit.SECONDS.toMillis(60));
      } while (event != null && !event.type().equals("test-completed")
        && !(event.type().equals("init") && !event.json().getJsonArray("results").isEmpty()));
      assertThat(event).as("a result while the run is going").isNotNull();
      aliveWhenSeen = process.isAlive();
      Files.createFile(gate);
    }
    Run run = finish(process);

    assertThat(aliveWhenSeen).as("results arrive while Playwright still runs").isTrue();
    assertThat(run.exitCode).as(run.output).isEqualTo(1);
    assertThat(runboardLines(run.output)).as("nothing to complain about").isEmpty();
    assertDelivered(project, runId);
    assertThat(scalar("SELECT count(*) FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND t.title = 'waits for the dashboard' AND a.annotations @> '[{\"type\":\"gate\",\"description\":\"opened\"}]'",
      runId)).as("the last test saw the server receive results before it ended").isEqualTo(2);

    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'report' AND report_type = 'html'",
      runId)).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'trace' AND test_id IS NOT NULL",
      runId)).as("a trace per attempt that ran (not the 2 skipped)").isEqualTo(18);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'screenshot'", runId))
      .isGreaterThanOrEqualTo(2);
    long report = scalar("SELECT id FROM artifacts WHERE run_id = ? AND kind = 'report'", runId);
    HttpResponse<String> index = get("/api/files/" + report + "/index.html");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("<html");
    long trace = scalar("SELECT a.id FROM artifacts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ? "
      + "AND a.kind = 'trace' AND t.title = 'adds an item' AND t.playwright_project = 'desktop'", runId);
    HttpResponse<String> traceZip = get("/api/files/" + trace);
    assertThat(traceZip.statusCode()).isEqualTo(200);
    assertThat(traceZip.body()).startsWith("PK");
    try (Stream<Path> spools = Files.exists(FIXTURES.resolve(".runboard")) ? Files.list(FIXTURES.resolve(".runboard"))
      : Stream.empty()) {
      String runKey = env.get("RUNBOARD_RUN_KEY");
      assertThat(spools.map(Path::toString)).as("no spool left behind").noneMatch(name -> name.contains(runKey));
    }
  }

  @Test
  @DisplayName("with the server down the run keeps Playwright's exit code and a spool, which flush delivers later")
  void serverDownThenFlush() throws Exception {
    String project = "offline-" + UUID.randomUUID();
    Path spool = work.resolve("spool-" + project + ".jsonl");
    Map<String, String> env = reporterEnv(closedPort(), project);
    env.put("RUNBOARD_SPOOL_FILE", spool.toString());

    Run run = finish(startPlaywright(env));

    assertThat(run.exitCode).as(run.output).isEqualTo(1);
    assertThat(runboardLines(run.output)).as(run.output).hasSizeBetween(1, 3)
      .anySatisfy(line -> assertThat(line).contains("runboard-reporter flush"));
    assertThat(run.output).doesNotContain(apiKey);
    assertThat(spool).exists();
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ?",
      project)).isZero();

    Map<String, String> flushEnv = new java.util.HashMap<>();
    flushEnv.put("RUNBOARD_URL", "http://127.0.0.1:" + node.port());
    flushEnv.put("RUNBOARD_API_KEY", apiKey);
    Run flush = run(REPORTER, flushEnv, "npx", "--no", "runboard-reporter", "flush", spool.toString());

    assertThat(flush.exitCode).as(flush.output).isZero();
    assertThat(flush.output).contains("[runboard] delivered").contains("20 results").doesNotContain(apiKey);
    assertThat(spool).as("a delivered spool is deleted").doesNotExist();
    assertDelivered(project, runIdOf(project));
  }

  @Test
  @DisplayName("500s, lost answers and answers past the timeout lose nothing and double nothing")
  void faultyNetwork() throws Exception {
    String project = "faulty-" + UUID.randomUUID();
    FaultyProxy proxy = FaultyProxy.start(node.port());
    try {
      Map<String, String> env = reporterEnv(proxy.port(), project);
      env.put("RUNBOARD_TEST_OPTIONS", "{\"requestTimeout\": 3000}");

      Run run = finish(startPlaywright(env));

      assertThat(run.exitCode).as(run.output).isEqualTo(1);
      assertThat(runboardLines(run.output)).as(run.output).noneMatch(line -> line.contains("not delivered"));
      assertThat(proxy.calls("start")).as("start: answer lost, then 500, then through").isGreaterThanOrEqualTo(3);
      assertThat(proxy.calls("events")).as("events: two 500s and one late answer").isGreaterThanOrEqualTo(4);
      assertThat(proxy.calls("finish")).as("finish: answer lost, then repeated").isGreaterThanOrEqualTo(2);
      assertThat(proxy.calls("files")).as("files: one 503, one lost answer, then through").isGreaterThanOrEqualTo(3);
      assertThat(proxy.forwarded("files")).as("all but the refused one reached the server, the lost one twice")
        .isEqualTo(proxy.calls("files") - 1);
      assertThat(proxy.forwarded("events")).as("the late batch reached the server, then came again")
        .isGreaterThanOrEqualTo(2);
    } finally {
      proxy.close();
    }
    long runId = runIdOf(project);
    assertDelivered(project, runId);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'report'", runId)).isEqualTo(1);
    assertFilesOnce(runId);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = ? AND type = 'run-finished'", runId))
      .isEqualTo(1);
  }

  @Test
  @DisplayName("every files answer lost: the run is finished all the same, and flush then attaches each file once")
  void filesAnswersLost() throws Exception {
    String project = "files-lost-" + UUID.randomUUID();
    Path spool = work.resolve("spool-" + project + ".jsonl");
    FaultyProxy proxy = FaultyProxy.start(node.port(), (route, call) -> route.equals("files")
      ? FaultyProxy.Fault.LOSE_ANSWER : FaultyProxy.Fault.NONE);
    Run run;
    try {
      Map<String, String> env = reporterEnv(proxy.port(), project);
      env.put("RUNBOARD_SPOOL_FILE", spool.toString());
      env.put("RUNBOARD_TEST_OPTIONS", "{\"requestTimeout\": 3000}");
      run = finish(startPlaywright(env));
    } finally {
      proxy.close();
    }
    assertThat(run.exitCode).as(run.output).isEqualTo(1);
    assertThat(runboardLines(run.output)).as(run.output).anySatisfy(line -> assertThat(line)
      .contains("is finished on").contains("files were not attached").contains("runboard-reporter flush"));
    assertThat(runboardLines(run.output)).as(run.output).noneMatch(line -> line.contains("not delivered"));
    assertThat(proxy.forwarded("files")).as("the report reached the server on every retry (5)").isEqualTo(5);

    long runId = runIdOf(project);
    assertDelivered(project, runId);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = ? AND type = 'run-finished'", runId))
      .isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ?", runId)).as("the report, once").isEqualTo(1);
    assertFilesOnce(runId);
    assertThat(spool).as("the files wait in the spool").exists();
    Path copy = work.resolve("copy-" + project + ".jsonl");
    Files.copy(spool, copy);

    Map<String, String> flushEnv = new java.util.HashMap<>();
    flushEnv.put("RUNBOARD_URL", "http://127.0.0.1:" + node.port());
    flushEnv.put("RUNBOARD_API_KEY", apiKey);
    Run flush = run(REPORTER, flushEnv, "npx", "--no", "runboard-reporter", "flush", spool.toString());
    assertThat(flush.exitCode).as(flush.output).isZero();
    long attachments = scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind <> 'report'", runId);
    assertThat(attachments).as("a trace per attempt that ran, and screenshots").isGreaterThanOrEqualTo(20);
    assertThat(flush.output).contains("had already finished; " + (attachments + 1) + " files (" + attachments
      + " new, 1 already there)");
    assertThat(spool).doesNotExist();
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ? AND kind = 'trace'", runId)).isEqualTo(18);
    assertFilesOnce(runId);

    // The same spool once more (a flush repeated by CI): everything is already there, nothing is stored.
    Run again = run(REPORTER, flushEnv, "npx", "--no", "runboard-reporter", "flush", copy.toString());
    assertThat(again.exitCode).as(again.output).isZero();
    assertThat(again.output).contains("(0 new, " + (attachments + 1) + " already there)");
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = ?", runId)).isEqualTo(attachments + 1);
    assertFilesOnce(runId);
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = ? AND status = 'failed'", runId)).isEqualTo(1);
  }

  @Test
  @DisplayName("four shards (--shard=i/4) run at once stream into one run: the unsharded counters, one run-finished")
  void shardedBuild() throws Exception {
    String project = "sharded-" + UUID.randomUUID();
    String build = "build-" + UUID.randomUUID();
    List<Process> shards = new ArrayList<>();
    for (int shard = 1; shard <= 4; shard++) {
      Map<String, String> env = reporterEnv(node.port(), project);
      env.put("RUNBOARD_BUILD_ID", build);
      // Each process keeps its own Playwright output folders, as separate CI machines would.
      env.put("PLAYWRIGHT_HTML_OUTPUT_DIR", work.resolve(build + "-report-" + shard).toString());
      shards.add(start(FIXTURES, env, "npx", "playwright", "test", "--shard=" + shard + "/4",
        "--output=" + work.resolve(build + "-results-" + shard)));
    }
    long runId = awaitRunId(project, shards.get(0));
    // A browser watching the run from the start sees every shard's results.
    int seen = 0;
    boolean finished = false;
    try (SseClient sse = SseClient.connect(vertx.createHttpClient(), node.port(), "/api/test-runs/" + runId + "/stream",
      MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + apiKey))) {
      assertThat(sse.status()).isEqualTo(200);
      SseClient.Event event;
      while (!finished && (event = sse.poll(TimeUnit.SECONDS.toMillis(PROCESS_TIMEOUT_SECONDS))) != null) {
        switch (event.type()) {
          case "init" -> seen += event.json().getJsonArray("results").size();
          case "test-completed" -> seen++;
          case "run-finished" -> finished = true;
          default -> {
          }
        }
      }
    }
    for (Process shard : shards) {
      Run run = finish(shard);
      assertThat(runboardLines(run.output)).as(run.output).isEmpty();
    }
    assertThat(finished).as("run-finished once every shard finished").isTrue();
    assertThat(seen).as("every attempt of every shard, live").isEqualTo(20);
    assertDelivered(project, runId, true);
    assertThat(scalar("SELECT count(*) FROM run_shards WHERE run_id = ? AND status <> 'running'", runId))
      .isEqualTo(4);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = ? AND type = 'run-finished'", runId))
      .isEqualTo(1);
  }

  // ----- assertions -------------------------------------------------------------------------------------------

  /** One finished run for the project, each attempt of the sample project stored once, the server's counters. */
  private static void assertDelivered(String project, long runId) throws SQLException {
    assertDelivered(project, runId, false);
  }

  private static void assertDelivered(String project, long runId, boolean sharded) throws SQLException {
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ?",
      project)).as("one run").isEqualTo(1);
    List<String> expected = new ArrayList<>();
    for (String playwrightProject : List.of("desktop", "narrow")) {
      ATTEMPTS_PER_PROJECT.forEach(a -> expected.add(playwrightProject + ": " + a));
    }
    List<String> attempts = new ArrayList<>();
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(
      "SELECT t.playwright_project, array_to_string(t.title_path, ' > '), a.retry, a.status, t.file, a.expected_status "
        + "FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = ?")) {
      s.setLong(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          attempts.add(rs.getString(1) + ": " + rs.getString(2) + " #" + rs.getInt(3) + " " + rs.getString(4));
          assertThat(rs.getString(5)).isIn("shop.spec.js", "z-live.spec.js");
          String title = rs.getString(2);
          assertThat(rs.getString(6)).as("expectedStatus of " + title).isEqualTo(title.endsWith("fails as expected")
            ? "failed" : title.endsWith("is skipped") ? "skipped" : "passed");
        }
      }
    }
    assertThat(attempts).containsExactlyInAnyOrderElementsOf(expected);

    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(
      "SELECT status, total, passed, failed, timed_out, skipped, interrupted, flaky, attempts, expected_tests, "
        + "metadata->'tags'->>0, run_key FROM runs WHERE id = ?")) {
      s.setLong(1, runId);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).as("Playwright's status").isEqualTo("failed");
        assertThat(List.of(rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6), rs.getInt(7),
          rs.getInt(8), rs.getInt(9), rs.getInt(10)))
          .as("total, passed, failed, timedOut, skipped, interrupted, flaky, attempts, expectedTests")
          .containsExactly(14, 8, 2, 2, 2, 0, 2, 20, 14);
        assertThat(rs.getString(11)).isEqualTo("fixture");
        if (sharded) {
          assertThat(rs.getString(12)).as("a build's run has no runKey").isNull();
        } else {
          assertThat(rs.getString(12)).startsWith("it-");
        }
      }
    }
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = ? AND seq IS NOT NULL", runId))
      .as("one test-completed event per attempt").isEqualTo(20);
  }

  /**
   * No file of the run is stored twice (same kind, attempt, name and content), and the storage directory holds
   * exactly the run's files: each single file once, and each report's entries.
   */
  private static void assertFilesOnce(long runId) throws Exception {
    assertThat(scalar("SELECT count(*) FROM (SELECT 1 FROM artifacts WHERE run_id = ? GROUP BY kind, report_type, "
      + "test_id, retry, name, content_sha256 HAVING count(*) > 1) repeated", runId)).as("files stored twice").isZero();
    long expected = scalar("SELECT coalesce(sum(coalesce(entry_count, 1)), 0) FROM artifacts WHERE run_id = ?", runId);
    Path runFiles = dataDir.resolve("files/runs/" + runId);
    long onDisk;
    try (Stream<Path> all = Files.exists(runFiles) ? Files.walk(runFiles) : Stream.empty()) {
      onDisk = all.filter(Files::isRegularFile).count();
    }
    assertThat(onDisk).as("files in the storage directory").isEqualTo(expected);
  }

  // ----- processes --------------------------------------------------------------------------------------------

  private record Run(int exitCode, String output) {
  }

  /** The reporter's environment for one run: no CI variables, a known runKey, the server and the key. */
  private static Map<String, String> reporterEnv(int port, String project) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("RUNBOARD_URL", "http://127.0.0.1:" + port);
    env.put("RUNBOARD_API_KEY", apiKey);
    env.put("RUNBOARD_PROJECT", project);
    env.put("RUNBOARD_RUN_KEY", "it-" + UUID.randomUUID());
    env.put("CHROMIUM_PATH", CHROMIUM);
    return env;
  }

  private static Process startPlaywright(Map<String, String> env) throws IOException {
    return start(FIXTURES, env, "npx", "playwright", "test");
  }

  private static Process start(Path dir, Map<String, String> env, String... command) throws IOException {
    Path output = work.resolve("out-" + UUID.randomUUID() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
      .redirectOutput(output.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("RUNBOARD_") || name.startsWith("PLAYWRIGHT_HTML")
      || List.of("GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CIRCLECI", "TF_BUILD", "TRAVIS", "BUILDKITE")
      .contains(name));
    environment.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    environment.put("FORCE_COLOR", "0");
    environment.putAll(env);
    Process process = builder.start();
    outputs.put(process, output);
    return process;
  }

  private static Run finish(Process process) throws Exception {
    boolean ended = process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    String output = Files.readString(outputs.remove(process), StandardCharsets.UTF_8);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("still running after " + PROCESS_TIMEOUT_SECONDS + " s:\n" + output);
    }
    return new Run(process.exitValue(), output);
  }

  private static Run run(Path dir, Map<String, String> env, String... command) throws Exception {
    return finish(start(dir, env, command));
  }


  private static List<String> runboardLines(String output) {
    return output.lines().filter(line -> line.contains("[runboard]")).toList();
  }

  // ----- server side ------------------------------------------------------------------------------------------

  /** Waits until the run of {@code project} exists (the reporter's start arrived) while Playwright runs. */
  private static long awaitRunId(String project, Process process) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      Long id = runIdOrNull(project);
      if (id != null) {
        return id;
      }
      if (!process.isAlive()) {
        throw new AssertionError("Playwright ended before its run started:\n" + finish(process).output);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no run for " + project + " within 60 s");
  }

  private static long runIdOf(String project) throws SQLException {
    Long id = runIdOrNull(project);
    assertThat(id).as("a run for " + project).isNotNull();
    return id;
  }

  private static Long runIdOrNull(String project) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(
      "SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = ? ORDER BY r.id LIMIT 1")) {
      s.setString(1, project);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private static long scalar(String sql, Object parameter) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); PreparedStatement s = c.prepareStatement(sql)) {
      s.setObject(1, parameter);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).as(sql).isTrue();
        return rs.getLong(1);
      }
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build()
      .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .header("Authorization", "Bearer " + apiKey).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
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

  /**
   * A proxy in front of the server that injects faults by route and call number, by default: {@code start} #1
   * reaches the server but its answer is lost (502), #2 gets 500; {@code events} #1 and #2 get 500, #3 reaches the
   * server but is answered only after the reporter's timeout; {@code finish} #1 reaches the server, answer lost
   * (503); {@code files} #1 gets 503, #2 reaches the server, answer lost (503). Everything else passes through.
   */
  private static final class FaultyProxy {

    private enum Fault { NONE, REFUSE, LOSE_ANSWER, LATE_ANSWER }

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> forwarded = new ConcurrentHashMap<>();
    private final int target;
    private final java.util.function.BiFunction<String, Integer, Fault> faults;
    private HttpServer server;
    private HttpClient client;

    private FaultyProxy(int target, java.util.function.BiFunction<String, Integer, Fault> faults) {
      this.target = target;
      this.faults = faults;
    }

    static FaultyProxy start(int target) {
      return start(target, FaultyProxy::fault);
    }

    static FaultyProxy start(int target, java.util.function.BiFunction<String, Integer, Fault> faults) {
      FaultyProxy proxy = new FaultyProxy(target, faults);
      proxy.client = vertx.createHttpClient();
      proxy.server = vertx.createHttpServer().requestHandler(proxy::handle).listen(0, "127.0.0.1").await();
      return proxy;
    }

    int port() {
      return server.actualPort();
    }

    int calls(String route) {
      return calls.getOrDefault(route, new AtomicInteger()).get();
    }

    int forwarded(String route) {
      return forwarded.getOrDefault(route, new AtomicInteger()).get();
    }

    private static String route(String path) {
      for (String route : List.of("start", "events", "finish", "files")) {
        if (path.endsWith("/" + route)) {
          return route;
        }
      }
      return "other";
    }

    private static Fault fault(String route, int call) {
      return switch (route + "#" + call) {
        case "start#1", "finish#1", "files#2" -> Fault.LOSE_ANSWER;
        case "start#2", "events#1", "events#2", "files#1" -> Fault.REFUSE;
        case "events#3" -> Fault.LATE_ANSWER;
        default -> Fault.NONE;
      };
    }

    private void handle(HttpServerRequest request) {
      String route = route(request.path());
      Fault fault = faults.apply(route, calls.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet());
      request.body().onSuccess(body -> {
        if (fault == Fault.REFUSE) {
          request.response().setStatusCode(route.equals("files") ? 503 : 500)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end("{\"error\":\"internal\",\"message\":\"injected by the test proxy\"}");
          return;
        }
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
          .setPort(target).setURI(request.uri()).setHeaders(MultiMap.caseInsensitiveMultiMap()
            .addAll(request.headers()).remove(HttpHeaders.HOST));
        client.request(options).compose(out -> out.send(body))
          .compose(response -> response.body().map(answer -> new Answer(response, answer)))
          .onSuccess(answer -> {
            forwarded.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet();
            if (fault == Fault.LOSE_ANSWER) {
              request.response().setStatusCode(route.equals("start") ? 502 : 503).end();
            } else if (fault == Fault.LATE_ANSWER) {
              vertx.setTimer(4500, t -> answer.replyTo(request));
            } else {
              answer.replyTo(request);
            }
          })
          .onFailure(e -> request.response().setStatusCode(502).end());
      });
    }

    void close() {
      server.close().await();
      client.close().await();
    }

    private record Answer(HttpClientResponse response, Buffer body) {

      void replyTo(HttpServerRequest request) {
        request.response().headers().addAll(response.headers()).remove(HttpHeaders.TRANSFER_ENCODING)
          .remove(HttpHeaders.CONTENT_LENGTH).remove(HttpHeaders.CONNECTION);
        request.response().setStatusCode(response.statusCode()).end(body).otherwiseEmpty();
      }
    }
  }
}
