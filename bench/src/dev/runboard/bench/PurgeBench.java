package dev.runboard.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 6: ingest while the retention job purges. A node of its own (its own durable embedded PostgreSQL, a
 * retention pass every second, the job's other settings as configured) holds an old project of R finished runs ×
 * T tests (R·T results, written by SQL), and reporters stream results into another project. Per repetition:
 * ingest alone; then an administrator sets {@code runsDays} on the old project through the API
 * ({@code PUT /api/projects/{id}/retention}), and as soon as the job's first batch has committed, the same ingest
 * again, while the job deletes the old runs. The old runs are reloaded and the tables vacuumed between
 * repetitions (untimed; the vacuum is reported). Then the partition comparison ({@link PartitionBench}) on the
 * same database.
 */
final class PurgeBench {

  /** Sizes, full or smoke. */
  record Sizes(int oldRuns, int oldTests, int reporters, int perReporter, int batch, int reps,
               int partitionResults) {
    static Sizes of(boolean smoke) {
      return smoke ? new Sizes(10, 200, 4, 100, 50, 3, 5_000) : new Sizes(200, 5_000, 50, 2_000, 50, 3, 1_000_000);
    }
  }

  /** One repetition. */
  record Rep(Reporters.Round alone, Reporters.Round during, double duringRate, double overlapSeconds,
             double purgeSeconds, long purgedResults, boolean inside, double vacuumSeconds) {
  }

  private final Bench b;
  private final Sizes s = Sizes.of(Bench.smoke);
  private Node node;
  private Db db;
  private String reporterKey;
  private String adminKey;
  private long oldProject;
  private long[] oldTests;
  private int loadedRuns;

  PurgeBench(Bench bench) {
    this.b = bench;
  }

  /**
   * Settings of the job under test, as env of the node: BENCH_PURGE_ENV="RUNBOARD_RETENTION_BUSY_PERCENT=100,…"
   * (BENCH_SKIP_PARTITIONS=1 leaves out the partition comparison).
   */
  static Map<String, String> jobEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RUNBOARD_RETENTION_INTERVAL", "1s");
    String extra = System.getenv("BENCH_PURGE_ENV");
    if (extra != null && !extra.isBlank()) {
      for (String kv : extra.split(",")) {
        String[] p = kv.split("=", 2);
        env.put(p[0].trim(), p[1].trim());
      }
    }
    return env;
  }

  void run() throws Exception {
    int pgPort = Node.freePort();
    Path data = Bench.tmp.resolve("purge");
    Map<String, String> env = new LinkedHashMap<>(jobEnv());
    env.put("RUNBOARD_DB_EMBEDDED_PORT", Integer.toString(pgPort));
    node = Bench.track(Node.runboard("runboard-purge", Bench.jar, data, Node.freePort(), env, Bench.logs));
    try {
      db = new Db(pgPort, Files.readString(data.resolve("postgres/superuser.password")).strip());
      reporterKey = db.apiKey("reporter");
      adminKey = db.apiKey("administrator");
      // Warm-up: JIT, and it creates the live project's tests.
      Reporters.run(b.vertx, List.of(node), reporterKey, "bench-purge-live", s.reporters(), s.perReporter(),
        s.batch());
      String perResult = bytesPerResult();
      setUpOld();
      List<Rep> reps = new ArrayList<>();
      for (int rep = 1; rep <= s.reps(); rep++) {
        System.err.printf("bench: purge rep %d: loading %d runs × %d tests%n", rep, s.oldRuns(), s.oldTests());
        load();
        reps.add(rep());
      }
      report(reps, env, perResult);
      if (!"1".equals(System.getenv("BENCH_SKIP_PARTITIONS"))) {
        System.err.println("bench: partitions vs DELETE");
        load();
        new PartitionBench(b, db, oldProject, s.partitionResults()).run();
      }
    } finally {
      Bench.stop(node);
    }
  }

  private Rep rep() throws Exception {
    Reporters.Round alone = Reporters.run(b.vertx, List.of(node), reporterKey, "bench-purge-live", s.reporters(),
      s.perReporter(), s.batch());
    long runs0 = db.scalar("SELECT count(*) FROM runs WHERE project_id = ?", oldProject);
    long results0 = db.scalar("SELECT count(*) FROM results WHERE project_id = ?", oldProject);
    AtomicLong firstDelete = new AtomicLong();
    AtomicLong lastDelete = new AtomicLong();
    AtomicLong left = new AtomicLong(runs0);
    // Watches the old project's runs every 50 ms: when the job's first batch and its last one committed.
    Thread watcher = new Thread(() -> {
      try (Connection c = db.connect();
           PreparedStatement p = c.prepareStatement("SELECT count(*) FROM runs WHERE project_id = ?")) {
        p.setLong(1, oldProject);
        while (left.get() > 0) {
          try (ResultSet rs = p.executeQuery()) {
            rs.next();
            long n = rs.getLong(1);
            long now = System.nanoTime();
            if (n < left.get()) {
              firstDelete.compareAndSet(0, now);
              lastDelete.set(now);
              left.set(n);
            }
          }
          Thread.sleep(50);
        }
      } catch (Exception e) {
        System.err.println("bench: purge watcher: " + e);
      }
    }, "purge-watcher");
    watcher.setDaemon(true);
    long put = System.nanoTime();
    retention("{\"runsDays\":1}");
    watcher.start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (firstDelete.get() == 0 && System.nanoTime() < deadline) {
      Node.sleep(10);
    }
    if (firstDelete.get() == 0) {
      throw new IllegalStateException("the retention job deleted nothing within 60 s; see " + node.log);
    }
    Reporters.Round during = Reporters.run(b.vertx, List.of(node), reporterKey, "bench-purge-live", s.reporters(),
      s.perReporter(), s.batch());
    boolean inside = left.get() > 0;
    deadline = System.nanoTime() + (Bench.smoke ? 120 : 1_200) * 1_000_000_000L;
    while (left.get() > 0 && System.nanoTime() < deadline) {
      Node.sleep(50);
    }
    if (left.get() > 0) {
      throw new IllegalStateException("the retention job left " + left.get() + " runs; see " + node.log);
    }
    watcher.join(5_000);
    retention("{\"runsDays\":null}");
    long results1 = db.scalar("SELECT count(*) FROM results WHERE project_id = ?", oldProject);
    if (results1 != 0) {
      throw new IllegalStateException("retention left " + results1 + " results of the old project");
    }
    long v0 = System.nanoTime();
    db.exec("VACUUM (ANALYZE) runs, attempts, results, run_events");
    double vacuum = (System.nanoTime() - v0) / 1e9;
    loadedRuns = 0;
    // Ingest during the purge: the results stored between the job's first and last observed commits.
    double duringRate = during.rateWithin(firstDelete.get(), lastDelete.get());
    double overlap = (Math.min(during.endNanos(), lastDelete.get()) - Math.max(during.startNanos(),
      firstDelete.get())) / 1e9;
    System.err.printf(Locale.ROOT, "bench: purge rep: alone %.0f/s, during the purge %.0f/s (over %.1f s), purge "
      + "%.1f s%n", alone.rate(), duringRate, overlap, (lastDelete.get() - put) / 1e9);
    return new Rep(alone, during, duringRate, overlap, (lastDelete.get() - put) / 1e9, results0, inside, vacuum);
  }

  private void retention(String body) {
    Http.Response r;
    try (Http http = new Http(b.vertx, node.port, 1)) {
      r = http.send(HttpMethod.PUT, "/api/projects/" + oldProject + "/retention", Http.json(adminKey),
        Buffer.buffer(body)).await();
    }
    if (r.status() != 200) {
      throw new IllegalStateException("PUT retention: " + r.status() + " " + r.body());
    }
  }

  private void report(List<Rep> reps, Map<String, String> env, String perResult) {
    b.report.section("Scenario 6: ingest during a retention purge of " + fmtInt(reps.get(0).purgedResults())
      + " results");
    b.report.note("Its own node and durable embedded PostgreSQL; job settings " + env.entrySet().stream()
      .filter(e -> e.getKey().startsWith("RUNBOARD_RETENTION")).map(e -> "`" + e.getKey() + "=" + e.getValue() + "`")
      .reduce((x, y) -> x + ", " + y).orElse("") + " (the rest as configured by default). Old project: "
      + s.oldRuns() + " finished runs × " + s.oldTests() + " tests, loaded by SQL before each repetition; ingest: "
      + s.reporters() + " reporters × " + s.perReporter() + " results in batches of " + s.batch()
      + " into another project, alone, then while the job deletes the old project's runs (`runsDays` set "
      + "through `PUT /api/projects/{id}/retention`; the ingest starts when the job's first batch has "
      + "committed). \"During\" counts the results whose requests were answered between the job's first and "
      + "last observed commits (polled every 50 ms), over that time; \"alone\" the whole round. Medians of "
      + s.reps() + " repetitions.");
    double alone = Stats.median(reps.stream().map(r -> r.alone().rate()).toList());
    double during = Stats.median(reps.stream().map(Rep::duringRate).toList());
    double purge = Stats.median(reps.stream().map(Rep::purgeSeconds).toList());
    long purged = reps.get(0).purgedResults();
    Report.Table t = b.report.table("", "ingest results/s", "request p50 ms", "request p99 ms",
      "during / alone", "target ≥ 80 %");
    t.row("ingest alone", alone, Stats.median(reps.stream().map(r -> r.alone().p50()).toList()),
      Stats.median(reps.stream().map(r -> r.alone().p99()).toList()), "100 %", "");
    t.row("ingest during the purge", during, Stats.median(reps.stream().map(r -> r.during().p50()).toList()),
      Stats.median(reps.stream().map(r -> r.during().p99()).toList()), Report.pct(during, alone),
      Double.isNaN(during) ? "not measured (the purge ended before an answer)" : during >= 0.8 * alone ? "MET"
        : "MISSED");
    t.end();
    b.report.note(String.format(Locale.ROOT, "The purge of %s results (%s runs) took %s s from the settings "
        + "change to its last commit (median; it includes up to 1 s until the next pass): %s results/s. "
        + "VACUUM of the four tables afterwards (untimed in the figures above; autovacuum's work in production): "
        + "%s s median. The whole ingest round fell inside the purge in %d of %d repetitions.", fmtInt(purged),
      fmtInt(s.oldRuns()), Report.fmt(purge), Report.fmt(purged / purge),
      Report.fmt(Stats.median(reps.stream().map(Rep::vacuumSeconds).toList())),
      reps.stream().filter(Rep::inside).count(), reps.size()));
    Report.Table r = b.report.table("rep", "alone results/s", "during the purge results/s", "during / alone",
      "whole during round results/s", "alone round s", "during round s", "overlap with the purge s", "purge s",
      "round inside the purge");
    for (int i = 0; i < reps.size(); i++) {
      Rep rep = reps.get(i);
      r.row(i + 1, rep.alone().rate(), rep.duringRate(), Report.pct(rep.duringRate(), rep.alone().rate()),
        rep.during().rate(), rep.alone().seconds(), rep.during().seconds(), rep.overlapSeconds(),
        rep.purgeSeconds(), rep.inside() ? "yes" : "no");
    }
    b.report.note("Repetitions:");
    r.end();
    b.report.note(perResult);
  }

  /**
   * Bytes per stored result, indexes included, of results written through the API (the warm-up ingest is the
   * only data so far): attempts, results and run_events with their indexes and TOAST, divided by the results.
   */
  private String bytesPerResult() throws Exception {
    db.exec("VACUUM (ANALYZE) attempts, results, run_events, runs, tests");
    long results = db.scalar("SELECT count(*) FROM results");
    StringBuilder out = new StringBuilder("Storage per result written through the API (" + fmtInt(results)
      + " results of the warm-up ingest, after VACUUM): ");
    long total = 0;
    List<String> parts = new ArrayList<>();
    for (String table : List.of("attempts", "results", "run_events", "runs", "tests")) {
      long rel = db.scalar("SELECT pg_table_size('" + table + "')");
      long idx = db.scalar("SELECT pg_indexes_size('" + table + "')");
      total += rel + idx;
      parts.add(String.format(Locale.ROOT, "`%s` %.0f + %.0f (indexes)", table, (double) rel / results,
        (double) idx / results));
    }
    out.append(String.join(", ", parts)).append(String.format(Locale.ROOT, "; **%.0f bytes per result** in all "
      + "(`tests` holds one row per test, not per result: here each test has 1 result).", (double) total / results));
    return out.toString();
  }

  // ----- the old project, written by SQL -------------------------------------------------------------------------

  private void setUpOld() throws Exception {
    try (Connection c = db.connect()) {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO projects (name) VALUES ('bench-purge-old') "
        + "RETURNING id"); ResultSet rs = p.executeQuery()) {
        rs.next();
        oldProject = rs.getLong(1);
      }
      oldTests = SyntheticResults.tests(c, oldProject, s.oldTests(), "old");
    }
  }

  /**
   * Finished runs of the old project, started in 2025 (older than any {@code runsDays}), each with one result
   * per test (2.5 % flaky and 1.5 % failing with two attempts, the rest one), its attempts and its
   * {@code run-finished} event, 10 runs per transaction, foreign-key triggers off (the rows are consistent).
   */
  void load() throws Exception {
    int wanted = s.oldRuns();
    try (Connection c = db.connect()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET session_replication_role = replica");
      }
      c.setAutoCommit(false);
      while (loadedRuns < wanted) {
        int n = Math.min(10, wanted - loadedRuns);
        long[] ids = new long[n];
        try (PreparedStatement p = c.prepareStatement("""
          INSERT INTO runs (project_id, source, status, start_time, end_time, duration_ms, last_seq)
          SELECT ?, 'submit', 'failed', timestamptz '2025-01-01' + make_interval(mins => 10 * (? + g)),
                 timestamptz '2025-01-01' + make_interval(mins => 10 * (? + g) + 7), 420000, 1
          FROM generate_series(0, ? - 1) g ORDER BY g RETURNING id""")) {
          p.setLong(1, oldProject);
          p.setInt(2, loadedRuns);
          p.setInt(3, loadedRuns);
          p.setInt(4, n);
          try (ResultSet rs = p.executeQuery()) {
            for (int i = 0; rs.next(); i++) {
              ids[i] = rs.getLong(1);
            }
          }
        }
        try (PreparedStatement p = c.prepareStatement("""
          CREATE TEMP TABLE lr ON COMMIT DROP AS
          SELECT r.id AS run_id, t.id AS test_id, t.k,
                 CASE WHEN h < 25 THEN 'flaky' WHEN h < 40 THEN 'fail' WHEN h < 65 THEN 'skip' ELSE 'pass' END AS cls,
                 50 + (t.k * 31 + r.id * 17) % 2000 AS dur
          FROM unnest(?::bigint[]) r(id)
          CROSS JOIN (SELECT u.id, u.k - 1 AS k FROM unnest(?::bigint[]) WITH ORDINALITY u(id, k)) t
          CROSS JOIN LATERAL (SELECT (r.id * 7919 + t.k * 104729) % 1000 AS h) x""")) {
          Db.bind(c, p, ids, oldTests);
          p.execute();
        }
        try (Statement st = c.createStatement()) {
          SyntheticResults.write(st, oldProject);
          st.execute("""
            INSERT INTO run_events (run_id, seq, type, data)
            SELECT r.id, 1, 'run-finished', jsonb_build_object('seq', 1, 'run', jsonb_build_object(
                     'id', r.id, 'projectId', r.project_id, 'status', r.status, 'total', r.total))
            FROM runs r WHERE r.id IN (SELECT DISTINCT run_id FROM lr)""");
        }
        c.commit();
        loadedRuns += n;
      }
    }
    db.exec("ANALYZE runs, attempts, results, run_events");
  }

  static String fmtInt(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
