package dev.runboard.bench;

import io.vertx.core.MultiMap;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Scenario 4 (and its growth): one project with T tests and R finished runs (R·T results, about 2 % flaky, 1.5 %
 * failing twice, 10 tests always failing, 2.5 % skipped), written straight into the tables by a SQL loader, then
 * p50/p95 of each read endpoint, one request in flight. The read endpoints are found in the source at run time
 * ({@code router.get("/api/…")} outside accounts, files and live streams); the run's results are also read through
 * the one route that returns them today, the SSE {@code init} of a finished run. Baselines: the same query
 * straight on PostgreSQL, and {@code GET /health/live} (the HTTP floor).
 */
final class ReadBench {

  static final int WARM_UP_ROUNDS = 3;
  static final int WARM_UP_REQUESTS = 10;
  private static final Pattern ROUTE = Pattern.compile("router\\.get\\(\"(/api/[^\"]+)\"\\)");
  private static final List<String> NOT_READ_API = List.of("/api/auth", "/api/users", "/api/keys", "/api/files",
    "/api/stream", "/api/test-runs/:runId/stream");

  private final Bench b;
  private final Random random = new Random(42);
  private long project;
  private long[] tests;
  private final List<Long> runs = new ArrayList<>();

  ReadBench(Bench bench) {
    this.b = bench;
  }

  /**
   * One measured thing: a name, and a request made fresh each time (random run or test); with {@code marker}, the
   * time until the first body chunk that holds it instead of the whole answer's.
   */
  private record Probe(String name, Supplier<String> uri, boolean http, String marker) {
    Probe(String name, Supplier<String> uri, boolean http) {
      this(name, uri, http, null);
    }
  }

  private final List<String> noAnswer = new ArrayList<>();
  private Http apiHttp;
  private Http sseHttp;

  void run(int[] scales) throws Exception {
    apiHttp = new Http(b.vertx, b.nodeA.port, 2, false);
    sseHttp = new Http(b.vertx, b.nodeA.port, 2, false);
    apiHttp.timeoutMs = 15_000;
    sseHttp.timeoutMs = 15_000;
    try {
      measureAll(scales);
    } finally {
      apiHttp.close();
      sseHttp.close();
    }
  }

  private void measureAll(int[] scales) throws Exception {
    Bench.Sizes s = b.sizes;
    setUp();
    List<String> discovered = discoverRoutes();
    Map<String, Map<Integer, double[]>> results = new LinkedHashMap<>(); // name → scale → {p50, p95}
    List<String> loadNotes = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    String runResultsSql = Files.readString(Bench.repo.resolve("src/main/resources/sql/store/run-results.sql"));
    for (int scale : scales) {
      int wanted = s.readRuns() * scale;
      long t0 = System.nanoTime();
      int added = load(wanted);
      double secs = (System.nanoTime() - t0) / 1e9;
      long results1 = b.db.scalar("SELECT count(*) FROM results WHERE project_id = ?", project);
      loadNotes.add(String.format(java.util.Locale.ROOT, "×%d: %,d runs × %,d tests = %,d results in the project "
          + "(%,d runs added in %.0f s); database size %s", scale, runs.size(), s.readTests(), results1, added,
        secs, b.db.text("SELECT pg_size_pretty(pg_database_size('runboard'))")));
      // The bulk load writes in seconds what ingest writes over weeks: let PostgreSQL reach the state autovacuum
      // keeps (visibility map set, statistics current, dirty pages written) before anything is timed, instead of
      // timing requests against the vacuum and checkpoint of the load.
      b.db.exec("VACUUM (ANALYZE)");
      b.db.exec("CHECKPOINT");
      List<Probe> probes = new ArrayList<>();
      probes.add(new Probe("HTTP floor: GET /health/live (baseline)", () -> "/health/live", true));
      probes.add(new Probe("run results: SSE init of a finished run, " + s.readTests()
        + " results (GET /api/test-runs/{id}/stream), the whole stream (reference)", () -> "/api/test-runs/"
        + anyRun() + "/stream", true));
    probes.add(new Probe("run results: the same SSE init, to its first byte (`event: init`)",
        () -> "/api/test-runs/" + anyRun() + "/stream", true, "event: init"));
      probes.add(new Probe("run results: the same query on PostgreSQL (baseline)", () -> null, false));
      skipped.clear();
      for (String route : discovered) {
        String uri = fill(route);
        if (uri == null) {
          skipped.add("`" + route + "` (no value for its parameters)");
          continue;
        }
        String probeUri = probeUri(route);
        if (probeUri == null) {
          skipped.add("`" + route + "` (not 200 with the bench's parameters)");
          continue;
        }
        boolean query = probeUri.contains("?projectId=");
        probes.add(new Probe("GET " + route + (query ? "?projectId=" : ""), () -> {
          String u = fill(route);
          return query ? u + "?projectId=" + project : u;
        }, true));
      }
      warmUp(probes, runResultsSql);
      for (Probe probe : probes) {
        double[] pp = measure(probe, runResultsSql);
        results.computeIfAbsent(probe.name(), k -> new LinkedHashMap<>()).put(scale, pp);
      }
    }
    b.report.section("Scenario 4: read API at scale (growth ×" + join(scales) + ")");
    b.report.note("One project, " + s.readTests() + " tests, " + s.readRuns() + " runs per ×1 (1 run ≈ "
      + s.readTests() + " results), loaded by SQL, then VACUUM (ANALYZE) and CHECKPOINT; "
      + WARM_UP_ROUNDS + " untimed rounds of " + WARM_UP_REQUESTS + " requests over every endpoint; each endpoint: 5 "
      + "more warm-up requests, then " + s.readRequests()
      + " requests one at a time with a random run or test, per repetition; medians of " + s.reps()
      + " repetitions. Target (performance round 2): p95 ≤ 20 ms at ×1 (1 M results), ≤ 40 ms at the larger "
      + "sizes (up to ×16, 16 M).");
    List<String> header = new ArrayList<>(List.of("endpoint"));
    for (int scale : scales) {
      header.add("×" + scale + " p50 ms");
      header.add("×" + scale + " p95 ms");
    }
    header.add("target (p95 ≤ 20 ms at ×1, ≤ 40 ms above)");
    Report.Table t = b.report.table(header.toArray(String[]::new));
    results.forEach((name, byScale) -> {
      List<Object> row = new ArrayList<>(List.of(name));
      boolean met = true;
      for (int scale : scales) {
        double[] pp = byScale.get(scale);
        row.add(pp == null ? Double.NaN : pp[0]);
        row.add(pp == null ? Double.NaN : pp[1]);
        met &= pp != null && pp[1] <= (scale <= 1 ? 20 : 40);
      }
      // The whole init of a large run is not an answer of one page: its target is its first byte (the next row).
      row.add(name.contains("baseline") || name.contains("(reference)") ? "" : met ? "MET" : "MISSED");
      t.row(row.toArray());
    });
    t.end();
    b.report.note("Data: " + String.join("; ", loadNotes) + ".");
    if (!noAnswer.isEmpty()) {
      b.report.note("**Requests without an answer in 15 s** (counted as 15 s): " + noAnswer.size() + ", e.g. "
        + String.join("; ", noAnswer.subList(0, Math.min(5, noAnswer.size()))) + ".");
    }
    b.report.note(discovered.isEmpty()
      ? "Read endpoints found under /api at run time: **none** besides live streams, files and accounts (run "
        + "list, results page, test history, flaky tests and trends are not built yet); only the SSE init of a "
        + "finished run reads a run's results today."
      : "Read endpoints found at run time: " + String.join(", ", discovered.stream().map(r -> "`" + r + "`")
        .toList()) + (skipped.isEmpty() ? "." : "; not measured: " + String.join(", ", skipped) + "."));
  }

  private static String join(int[] scales) {
    StringBuilder sb = new StringBuilder();
    for (int x : scales) {
      sb.append(sb.length() == 0 ? "" : ", ×").append(x);
    }
    return sb.toString();
  }

  private long anyRun() {
    return runs.get(random.nextInt(runs.size()));
  }

  /** GET routes under /api that read runs, tests or projects, from the source as it is now. */
  private List<String> discoverRoutes() throws IOException {
    TreeSet<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Bench.repo.resolve("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = ROUTE.matcher(Files.readString(file));
        while (m.find()) {
          String route = m.group(1);
          if (NOT_READ_API.stream().noneMatch(route::startsWith)) {
            found.add(route);
          }
        }
      }
    }
    return new ArrayList<>(found);
  }

  /** The route with its path parameters filled in (a random run, test or the project), or null. */
  private String fill(String route) {
    StringBuilder out = new StringBuilder();
    for (String part : route.substring(1).split("/")) {
      out.append('/');
      if (!part.startsWith(":")) {
        out.append(part);
        continue;
      }
      String p = part.substring(1).toLowerCase(java.util.Locale.ROOT);
      if (p.contains("run") || (p.equals("id") && route.contains("/test-runs/"))) {
        out.append(anyRun());
      } else if (p.contains("project") || (p.equals("id") && route.contains("/projects/"))) {
        out.append(project);
      } else if (p.contains("test") || (p.equals("id") && route.contains("/tests/"))) {
        out.append(tests[random.nextInt(tests.length)]);
      } else {
        return null;
      }
    }
    return out.toString();
  }

  /** A URI for the route that answers 200 (as is, or with ?projectId=), or null. */
  private String probeUri(String route) {
    String uri = fill(route);
    for (String candidate : List.of(uri, uri + "?projectId=" + project)) {
      if (apiHttp.get(candidate, Http.bearer(b.viewerKey)).await().status() == 200) {
        return candidate;
      }
    }
    return null;
  }

  /**
   * {@value #WARM_UP_ROUNDS} rounds over every endpoint, {@value #WARM_UP_REQUESTS} requests each, untimed: the
   * server's JIT compiles the read paths before the first is measured (on a slow machine 5 requests per endpoint
   * left the first endpoints measured against a cold server: the HTTP floor read 6.6 ms at p50 at ×1, 1.0 ms at ×16).
   */
  private void warmUp(List<Probe> probes, String sql) {
    System.err.println("bench: read warm-up, " + WARM_UP_ROUNDS + " rounds over " + probes.size() + " endpoints");
    MultiMap headers = Http.bearer(b.viewerKey);
    for (int round = 0; round < WARM_UP_ROUNDS; round++) {
      for (Probe probe : probes) {
        if (!probe.http()) {
          continue;
        }
        Http http = probe.name().contains("SSE") ? sseHttp : apiHttp;
        for (int i = 0; i < WARM_UP_REQUESTS; i++) {
          once(probe, http, headers, null, sql);
        }
      }
    }
  }

  private double[] measure(Probe probe, String sql) {
    Bench.Sizes s = b.sizes;
    List<Double> p50 = new ArrayList<>();
    List<Double> p95 = new ArrayList<>();
    MultiMap headers = Http.bearer(b.viewerKey);
    Pool pool = probe.http() ? null : PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
      .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(b.pgPortA).setDatabase("runboard")
        .setUser("postgres").setPassword(b.db.password).setCachePreparedStatements(true)).using(b.vertx).build();
    System.err.println("bench: read " + probe.name());
    // Streams end with their response; a new connection each time, as an EventSource makes.
    Http http = probe.name().contains("SSE") ? sseHttp : apiHttp;
    try {
      for (int i = 0; i < 5; i++) {
        once(probe, http, headers, pool, sql);
      }
      for (int rep = 0; rep < s.reps(); rep++) {
        long[] lat = new long[s.readRequests()];
        for (int i = 0; i < lat.length; i++) {
          lat[i] = once(probe, http, headers, pool, sql);
        }
        p50.add(Stats.ms(Stats.pct(lat, lat.length, 50)));
        p95.add(Stats.ms(Stats.pct(lat, lat.length, 95)));
      }
    } finally {
      if (pool != null) {
        pool.close().await();
      }
    }
    return new double[] {Stats.median(p50), Stats.median(p95)};
  }

  private long once(Probe probe, Http http, MultiMap headers, Pool pool, String sql) {
    if (!probe.http()) {
      long run = anyRun();
      long t = System.nanoTime();
      // All of the run's attempts in one page (the stream reads them in pages of its own size).
      pool.preparedQuery(sql).execute(Tuple.of(run, Long.MAX_VALUE, 0L, 0L, -1, 1_000_000)).await();
      return System.nanoTime() - t;
    }
    String uri = probe.uri().get();
    if (probe.marker() != null) {
      try {
        long[] times = http.timeTo(uri, headers, probe.marker(), null).await();
        if (times[0] < 0) {
          throw new IllegalStateException("GET " + uri + ": no " + probe.marker());
        }
        return times[0];
      } catch (RuntimeException e) {
        noAnswer.add("GET " + uri + ": " + e.getMessage());
        return http.timeoutMs * 1_000_000L;
      }
    }
    long t = System.nanoTime();
    Http.Response r;
    try {
      r = http.get(uri, headers).await();
    } catch (RuntimeException e) {
      noAnswer.add("GET " + uri + ": " + e.getMessage());
      return http.timeoutMs * 1_000_000L;
    }
    long d = System.nanoTime() - t;
    if (r.status() != 200) {
      throw new IllegalStateException("GET " + uri + ": " + r.status() + " " + r.body());
    }
    return d;
  }

  // ----- loader -----------------------------------------------------------------------------------------------

  private void setUp() throws Exception {
    try (Connection c = b.db.connect()) {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO projects (name) VALUES ('bench-read') "
        + "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id"); ResultSet rs = p.executeQuery()) {
        rs.next();
        project = rs.getLong(1);
      }
      tests = SyntheticResults.tests(c, project, b.sizes.readTests(), "read");
      try (PreparedStatement p = c.prepareStatement("SELECT id FROM runs WHERE project_id = ? ORDER BY id")) {
        p.setLong(1, project);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            runs.add(rs.getLong(1));
          }
        }
      }
    }
  }

  /** Adds finished runs until the project has {@code wanted}; returns how many it added. */
  private int load(int wanted) throws Exception {
    int added = 0;
    int chunk = Math.max(1, Math.min(10, wanted / 20));
    try (Connection c = b.db.connect()) {
      try (Statement st = c.createStatement()) {
        // The loader writes consistent rows; skipping the foreign-key triggers makes it several times faster.
        st.execute("SET session_replication_role = replica");
      }
      c.setAutoCommit(false);
      while (runs.size() < wanted) {
        int n = Math.min(chunk, wanted - runs.size());
        long[] ids = new long[n];
        try (PreparedStatement p = c.prepareStatement("""
          INSERT INTO runs (project_id, source, status, start_time, end_time, duration_ms, metadata, last_seq,
                            reported_counts)
          SELECT ?, 'submit', 'failed', timestamptz '2025-01-01' + make_interval(mins => 10 * (? + g)),
                 timestamptz '2025-01-01' + make_interval(mins => 10 * (? + g) + 7), 420000,
                 jsonb_build_object('scm', jsonb_build_object('branch', CASE WHEN (? + g) % 4 = 0 THEN 'feature'
                   ELSE 'main' END)), 1, NULL
          FROM generate_series(0, ? - 1) g ORDER BY g RETURNING id""")) {
          p.setLong(1, project);
          p.setInt(2, runs.size());
          p.setInt(3, runs.size());
          p.setInt(4, runs.size());
          p.setInt(5, n);
          try (ResultSet rs = p.executeQuery()) {
            for (int i = 0; rs.next(); i++) {
              ids[i] = rs.getLong(1);
            }
          }
        }
        try (PreparedStatement p = c.prepareStatement("""
          CREATE TEMP TABLE lr ON COMMIT DROP AS
          SELECT r.id AS run_id, t.id AS test_id, t.k,
                 CASE WHEN t.k % 500 = 0 THEN 'fail'
                      WHEN h < 20 THEN 'flaky' WHEN h < 35 THEN 'fail' WHEN h < 60 THEN 'skip' ELSE 'pass' END AS cls,
                 50 + (t.k * 31 + r.id * 17) % 2000 AS dur
          FROM unnest(?::bigint[]) r(id)
          CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM tests WHERE project_id = ?) t
          CROSS JOIN LATERAL (SELECT (r.id * 7919 + t.k * 104729) % 1000 AS h) x""")) {
          Db.bind(c, p, ids, project);
          p.execute();
        }
        try (Statement st = c.createStatement()) {
          SyntheticResults.write(st, project);
          st.execute("""
            INSERT INTO run_events (run_id, seq, type, data)
            SELECT r.id, 1, 'run-finished', jsonb_build_object('seq', 1, 'run', jsonb_build_object(
                     'id', r.id, 'projectId', r.project_id, 'projectName', 'bench-read', 'status', r.status,
                     'startTime', to_char(r.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'endTime', to_char(r.end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'duration', r.duration_ms,
                     'counters', jsonb_build_object('total', r.total, 'passed', r.passed, 'failed', r.failed,
                       'timedOut', r.timed_out, 'skipped', r.skipped, 'interrupted', r.interrupted,
                       'flaky', r.flaky, 'attempts', r.attempts, 'expectedTests', r.expected_tests),
                     'metadata', r.metadata))
            FROM runs r WHERE r.id IN (SELECT DISTINCT run_id FROM lr)""");
          // As the server does when a run ends: keep its test-duration percentiles for trends.
          st.execute("""
            UPDATE runs r SET test_p50_ms = d.p50, test_p90_ms = d.p90
            FROM (SELECT run_id, percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
                         percentile_disc(0.9) WITHIN GROUP (ORDER BY duration_ms) AS p90
                  FROM results WHERE run_id IN (SELECT DISTINCT run_id FROM lr) AND status <> 'skipped'
                  GROUP BY run_id) d
            WHERE r.id = d.run_id""");
        }
        c.commit();
        for (long id : ids) {
          runs.add(id);
        }
        added += n;
      }
    }
    return added;
  }
}
