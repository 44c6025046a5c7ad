package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark (not part of the suite: its name matches no surefire pattern; run it with
 * {@code -Dtest=TriageBench}): 2,000 runs × 500 tests of one project (1 M results), the plans of the triage and
 * failure-group queries, and the latency of their endpoints.
 */
class TriageBench {

  private static Runboard node;
  private static DatabaseUrl url;
  private static String viewer;

  @BeforeAll
  static void start() throws Exception {
    // -Dbench.db=postgresql://postgres@127.0.0.1:55432/bench keeps the data between runs (generated once).
    String db = System.getProperty("bench.db");
    node = Runboard.start(TestDatabase.config(db == null ? new JsonObject()
      : new JsonObject().put(AppConfig.DB_URL, db)));
    url = DatabaseUrl.parse(node.config().dbUrl());
    viewer = TestUsers.apiKey(url, "viewer");
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static final String[] GENERATE = {
    "INSERT INTO projects (name) VALUES ('bench')",
    // 500 tests; test 0 is an expected failure, 1-5 always fail, 6-20 fail in streaks of 5, 21-40 are flaky 1 in 10,
    // 41-45 are skipped, the rest fail 1 in 200 and are flaky 1 in 100.
    """
    INSERT INTO tests (project_id, file, title_path, title, identity_hash)
    SELECT 1, 'tests/f' || (t / 50) || '.spec.ts', ARRAY['suite ' || (t / 10), 'test ' || t], 'test ' || t,
           sha256(('t' || t)::bytea)
    FROM generate_series(0, 499) t
    """,
    // 2,000 finished runs over the last 30 days; 4 in 5 on main, the others on feature/0..6.
    """
    INSERT INTO runs (project_id, source, status, start_time, end_time, duration_ms, metadata)
    SELECT 1, 'stream', CASE WHEN r % 3 = 0 THEN 'passed' ELSE 'failed' END,
           now() - interval '30 days' + r * interval '21 minutes', now() - interval '30 days' + r * interval '21 minutes'
             + interval '5 minutes', 300000,
           jsonb_build_object('scm', jsonb_build_object('branch', CASE WHEN r % 5 = 0 THEN 'feature/' || (r % 7)
             ELSE 'main' END))
    FROM generate_series(1, 2000) r
    """,
    """
    CREATE TEMP TABLE plan AS
    SELECT ru.id AS run_id, te.id AS test_id, t,
           CASE
             WHEN t = 0 THEN 'x'
             WHEN t BETWEEN 1 AND 5 THEN 'u'
             WHEN t BETWEEN 6 AND 20 THEN CASE WHEN (ru.id + t) % 50 < 5 THEN 'u' ELSE 'p' END
             WHEN t BETWEEN 21 AND 40 THEN CASE WHEN hashint4((ru.id * 1000 + t)::int) % 10 = 0 THEN 'f' ELSE 'p' END
             WHEN t BETWEEN 41 AND 45 THEN 's'
             WHEN abs(hashint4((ru.id * 1000 + t)::int)) % 200 = 0 THEN 'u'
             WHEN abs(hashint4((ru.id * 1000 + t)::int)) % 100 = 1 THEN 'f'
             ELSE 'p' END AS kind,
           100 + abs(hashint4((ru.id * 7 + t)::int)) % 1000 AS ms
    FROM runs ru
    JOIN tests te ON te.project_id = 1
    CROSS JOIN LATERAL (SELECT te.id - 1 AS t) x
    """,
    """
    INSERT INTO results (run_id, test_id, project_id, final_retry, status, expected_status, duration_ms, attempt_count,
                         outcome)
    SELECT run_id, test_id, 1, CASE WHEN kind IN ('u', 'f') THEN 1 ELSE 0 END,
           CASE kind WHEN 'u' THEN 'failed' WHEN 'x' THEN 'failed' WHEN 's' THEN 'skipped' ELSE 'passed' END,
           CASE kind WHEN 'x' THEN 'failed' WHEN 's' THEN 'skipped' ELSE 'passed' END,
           ms, CASE WHEN kind IN ('u', 'f') THEN 2 ELSE 1 END,
           CASE kind WHEN 'u' THEN 'unexpected' WHEN 'f' THEN 'flaky' WHEN 's' THEN 'skipped' ELSE 'expected' END
    FROM plan
    ORDER BY run_id, test_id
    """,
    // Final attempts, plus the first (failed) attempt of flaky and failing tests; failures carry a fingerprint
    // (30 causes).
    """
    INSERT INTO attempts (run_id, test_id, retry, status, expected_status, duration_ms, error_message, outcome,
                          fingerprint, error_signature)
    SELECT p.run_id, p.test_id, a.retry, a.status,
           CASE p.kind WHEN 'x' THEN 'failed' WHEN 's' THEN 'skipped' ELSE 'passed' END, p.ms,
           CASE WHEN a.status = 'failed' THEN 'Error: cause ' || (p.t % 30) END,
           CASE p.kind WHEN 'u' THEN 'unexpected' WHEN 'f' THEN CASE WHEN a.retry = 0 THEN 'unexpected' ELSE 'flaky' END
             WHEN 's' THEN 'skipped' ELSE 'expected' END,
           CASE WHEN a.status = 'failed' AND p.kind <> 'x' THEN lpad(to_hex(p.t % 30), 16, '0') END,
           CASE WHEN a.status = 'failed' AND p.kind <> 'x' THEN 'Error: cause ' || (p.t % 30) END
    FROM plan p
    CROSS JOIN LATERAL (
      SELECT 0 AS retry, CASE p.kind WHEN 'u' THEN 'failed' WHEN 'f' THEN 'failed' WHEN 'x' THEN 'failed'
                                     WHEN 's' THEN 'skipped' ELSE 'passed' END AS status
      UNION ALL
      SELECT 1, CASE p.kind WHEN 'u' THEN 'failed' ELSE 'passed' END WHERE p.kind IN ('u', 'f')
    ) a
    ORDER BY p.run_id, p.test_id, a.retry
    """,
    "VACUUM ANALYZE"
  };

  @Test
  void bench() throws Exception {
    long t0 = System.nanoTime();
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      for (String sql : single(s, "SELECT count(*) FROM runs") > 0 ? new String[0] : GENERATE) {
        long t = System.nanoTime();
        s.execute(sql);
        System.out.printf("generate: %.1f s  %s%n", (System.nanoTime() - t) / 1e9, sql.strip().lines().findFirst()
          .orElse(""));
      }
      print(s, "SELECT (SELECT count(*) FROM runs) runs, (SELECT count(*) FROM results) results, "
        + "(SELECT count(*) FROM attempts) attempts, (SELECT count(*) FROM attempts WHERE fingerprint IS NOT NULL) "
        + "fingerprinted, (SELECT max(id) FROM runs WHERE branch = 'main') last_main, "
        + "(SELECT count(*) FROM results WHERE run_id = (SELECT max(id) FROM runs WHERE branch = 'main') "
        + "AND outcome = 'unexpected') failing_in_last");
    }
    System.out.printf("generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    // The node's rollup job moves the generated failures out of their queue (V15__failure_days.sql) in seconds.
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      long t1 = System.nanoTime();
      while (single(s, "SELECT count(*) FROM failure_pending") > 0) {
        Thread.sleep(100);
      }
      s.execute("VACUUM ANALYZE failure_days, failure_day_tests, failure_pending");
      System.out.printf("failure rollup caught up in %.1f s%n", (System.nanoTime() - t1) / 1e9);
    }

    long run;
    long previous;
    long window10Oldest;
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      run = single(s, "SELECT max(id) FROM runs WHERE branch = 'main'");
      previous = single(s, "SELECT max(id) FROM runs WHERE branch = 'main' AND id < " + run);
      window10Oldest = single(s, "SELECT min(id) FROM (SELECT id FROM runs WHERE branch = 'main' AND id < " + run
        + " ORDER BY id DESC LIMIT 10) w");
      String failing = "'" + text(s, "SELECT array_agg(test_id)::text FROM results WHERE run_id = " + run
        + " AND outcome = 'unexpected'") + "'";
      String window = "'" + text(s, "SELECT array_agg(id)::text FROM (SELECT id FROM runs WHERE branch = 'main' "
        + "AND id <= " + run + " ORDER BY id DESC LIMIT 11) w") + "'";
      Map<String, String[]> plans = new LinkedHashMap<>();
      plans.put("run-failure-groups", new String[]{run + "", "50"});
      plans.put("project-failure-groups", new String[]{"1", "(now() AT TIME ZONE 'UTC')::date - 29", "50"});
      plans.put("triage-run", new String[]{run + ""});
      plans.put("branch-window", new String[]{"1", "'main'", run + "", "10"});
      plans.put("failure-context-tests", new String[]{run + "", "1001"});
      plans.put("failure-context-results", new String[]{failing, window});
      plans.put("failing-streaks", new String[]{"'{2,3,4,5,6}'",
        window10Oldest + "", "1", "'main'", "1000"});
      plans.put("latest-branch-run", new String[]{"1", "'feature/3'", run + ""});
      plans.put("compare-runs", new String[]{run + "", previous + "", "50", "100", "500"});
      // Finding things: the runs feed's filters, a project's lists by branch, the test search.
      Map<String, String[]> finding = new LinkedHashMap<>();
      finding.put("runs-page branchPrefix=feature/3", new String[]{"NULL", "NULL", "NULL", "NULL", "NULL", "51",
        "NULL", "'feature/3'", "NULL", "NULL"});
      finding.put("runs-page q=nomatch (no run matches: every run read)", new String[]{"NULL", "NULL", "NULL", "NULL",
        "NULL", "51", "NULL", "NULL", "'%nomatch%'", "NULL"});
      finding.put("runs-page q=feature/6 project=1", new String[]{"NULL", "NULL", "NULL", "NULL", "NULL", "51", "1",
        "NULL", "'%feature/6%'", "NULL"});
      finding.put("project-runs-page branchPrefix=feature/", new String[]{"1", "NULL", "NULL", "NULL", "NULL", "NULL",
        "51", "'feature/'", "NULL", "NULL"});
      finding.put("project-tests-search q=test 49", new String[]{"1", "'%test 49%'", "NULL", "NULL", "51"});
      finding.put("project-trends branch=feature/3", new String[]{"1", "50", "'feature/3'"});
      finding.put("flaky-tests branch=feature/3", new String[]{"1", "20", "NULL", "NULL", "21", "'feature/3'"});
      finding.put("slowest-tests branch=feature/3", new String[]{"1", "20", "NULL", "NULL", "21", "'feature/3'"});
      if (!findingOnly()) {
        for (Map.Entry<String, String[]> plan : plans.entrySet()) {
          explain(s, plan.getKey(), plan.getValue());
        }
      }
      for (Map.Entry<String, String[]> plan : finding.entrySet()) {
        explain(s, plan.getKey().split(" ")[0], plan.getValue());
      }
    }

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String base = "http://127.0.0.1:" + node.port();
    Map<String, String> endpoints = new LinkedHashMap<>();
    Map<String, String> findingEndpoints = new LinkedHashMap<>();
    findingEndpoints.put("runs feed branchPrefix=feature/3", "/api/test-runs?branchPrefix=feature/3");
    findingEndpoints.put("runs feed q=nomatch", "/api/test-runs?q=nomatch");
    findingEndpoints.put("runs feed q=feature/6&project=1", "/api/test-runs?q=feature/6&project=1");
    findingEndpoints.put("project runs branchPrefix=feature/", "/api/projects/1/runs?branchPrefix=feature/");
    findingEndpoints.put("test search q=test 49", "/api/projects/1/tests?q=test%2049");
    findingEndpoints.put("trends branch=feature/3", "/api/projects/1/trends?branch=feature/3");
    findingEndpoints.put("flaky tests branch=feature/3", "/api/projects/1/flaky-tests?branch=feature/3");
    findingEndpoints.put("slowest tests branch=feature/3", "/api/projects/1/slowest-tests?branch=feature/3");
    endpoints.put("run failure groups", "/api/test-runs/" + run + "/failure-groups");
    endpoints.put("project failure groups (30 days)", "/api/projects/1/failure-groups?days=30");
    endpoints.put("compare (previous run)", "/api/test-runs/" + run + "/compare");
    endpoints.put("compare (base=feature/3)", "/api/test-runs/" + run + "/compare?base=feature/3");
    endpoints.put("failure context (window 10)", "/api/test-runs/" + run + "/failure-context");
    endpoints.put("failure context (window 100)", "/api/test-runs/" + run + "/failure-context?window=100");
    if (findingOnly()) {
      endpoints = findingEndpoints;
    } else {
      endpoints.putAll(findingEndpoints);
    }
    for (int round = 1; round <= 2; round++) {
      System.out.println("round " + round + ", load average " + Files.readString(Path.of("/proc/loadavg")).strip());
      for (Map.Entry<String, String> endpoint : endpoints.entrySet()) {
        measure(http, base, endpoint.getKey(), endpoint.getValue());
      }
    }
  }

  /** {@code -Dbench.only=finding}: only the plans and endpoints of finding things (filters, test search). */
  private static boolean findingOnly() {
    return "finding".equals(System.getProperty("bench.only"));
  }

  /** 200 warm-up requests, then the latency percentiles of 500 sequential ones. */
  private static void measure(HttpClient http, String base, String name, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
      .header("Authorization", "Bearer " + viewer).timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> sample = http.send(request, HttpResponse.BodyHandlers.ofString());
    System.out.println(name + " → " + sample.statusCode() + " " + sample.body().length() + " bytes: "
      + sample.body().substring(0, Math.min(600, sample.body().length())));
    for (int i = 0; i < 200; i++) {
      http.send(request, HttpResponse.BodyHandlers.discarding());
    }
    long[] times = new long[500];
    for (int i = 0; i < times.length; i++) {
      long t = System.nanoTime();
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      times[i] = System.nanoTime() - t;
      if (response.statusCode() != 200) {
        throw new IllegalStateException(name + " " + response.statusCode());
      }
    }
    Arrays.sort(times);
    System.out.printf("LATENCY %-36s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n", name,
      times[250] / 1e6, times[474] / 1e6, times[494] / 1e6, times[499] / 1e6);
  }

  private static long single(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String text(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void print(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          values.add(rs.getMetaData().getColumnName(i) + "=" + rs.getString(i));
        }
        System.out.println(String.join("  ", values));
      }
    }
  }

  /** PREPARE, six EXECUTEs (PostgreSQL switches to its generic plan after five), then EXPLAIN of the seventh. */
  private static void explain(Statement s, String name, String[] args) throws Exception {
    String sql;
    try (InputStream in = TriageBench.class.getResourceAsStream("/sql/api/" + name + ".sql")) {
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String statement = "q_" + name.replace('-', '_');
    s.execute("PREPARE " + statement + " AS " + sql);
    String execute = "EXECUTE " + statement + "(" + String.join(", ", args) + ")";
    for (int i = 0; i < 6; i++) {
      s.execute(execute);
    }
    System.out.println("===== " + name + "  " + execute);
    try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + execute)) {
      while (rs.next()) {
        System.out.println(rs.getString(1));
      }
    }
    s.execute("DEALLOCATE " + statement);
  }
}
