package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 1 (and its growth): R streaming reporters, each {@code start}, then its results in batches of 50, one
 * request in flight per reporter, then {@code finish}. Stored results/s over the window from the first
 * {@code events} request to the last response, request latency p50/p99, CPU per stored row of the server JVM,
 * of PostgreSQL and of this load generator; then the stored attempts and counters are checked.
 *
 * <p>Baseline in the same run: the same attempt rows inserted straight into {@code attempts} with
 * {@code INSERT … SELECT FROM unnest(…)}, 50 rows per statement (each its own durable transaction), 8 connections
 * ({@code PgBuilder.pool()}), on the same embedded PostgreSQL. Reporter r sends the tests of shard r % 50, so after
 * the warm-up every test exists and growth adds runs and load, not tests.
 */
final class IngestBench {

  static final int SHARDS = 50;
  private static final String RAW_INSERT = """
    INSERT INTO attempts (run_id, test_id, retry, status, expected_status, duration_ms, line, col, error_message,
                          error_stack, steps, seq, outcome)
    SELECT a.run_id, a.test_id, a.retry, a.status, a.expected_status, a.duration_ms, a.line, a.col,
           a.error_message, a.error_stack, a.steps::jsonb, a.seq, a.outcome
    FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[],
                $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[])
      AS a(run_id, test_id, retry, status, expected_status, duration_ms, line, col, error_message, error_stack,
           steps, seq, outcome)""";

  private final Bench b;
  private long rawProject;
  private long[][] rawTests;

  IngestBench(Bench bench) {
    this.b = bench;
  }

  record Rep(double rate, double p50, double p99, double seconds, double jvmUsPerRow, double pgUsPerRow,
             double driverUsPerRow, String check) {
  }

  void run(int[] scales) throws Exception {
    Bench.Sizes s = b.sizes;
    String only = System.getenv("BENCH_INGEST_SCALES");
    if (only != null && !only.isBlank()) {
      scales = java.util.stream.Stream.of(only.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }
    // Warm-up at ×1: JIT, and it creates the tests of every shard (reported once, as first-ever ingest).
    Rep first = runboard(s.reporters(), s.perReporter(), s.batch());
    setUpRaw(s.perReporter());
    raw(s.reporters(), s.perReporter(), s.batch());
    Report.Table table = b.report.table("size", "Runboard results/s", "raw PG rows/s", "Runboard / raw",
      "request p50 ms", "request p99 ms", "server JVM µs/row", "PG µs/row (Runboard)", "PG µs/row (raw)",
      "load gen µs/row", "checked");
    Report.Table reps = b.report.table("size", "rep", "Runboard results/s", "raw rows/s", "p50 ms", "p99 ms",
      "window s");
    List<String> notes = new ArrayList<>();
    // Where PostgreSQL's time goes in one Runboard repetition at ×1, statement by statement.
    b.db.exec("SELECT pg_stat_statements_reset()");
    runboard(s.reporters(), s.perReporter(), s.batch());
    String statements = topStatements((long) s.reporters() * s.perReporter());
    for (int scale : scales) {
      int reporters = s.reporters() * scale;
      List<Rep> rb = new ArrayList<>();
      List<Rep> rw = new ArrayList<>();
      for (int rep = 1; rep <= s.reps(); rep++) {
        System.err.printf("bench: ingest ×%d rep %d: %d reporters × %d%n", scale, rep, reporters,
          s.perReporter());
        Rep raw = raw(reporters, s.perReporter(), s.batch());
        Rep rbRep = runboard(reporters, s.perReporter(), s.batch());
        rw.add(raw);
        rb.add(rbRep);
        reps.row("×" + scale, rep, rbRep.rate(), raw.rate(), rbRep.p50(), rbRep.p99(), rbRep.seconds());
      }
      double rate = med(rb, Rep::rate);
      double rawRate = med(rw, Rep::rate);
      String checks = rb.stream().map(Rep::check).distinct().reduce((x, y) -> x + "; " + y).orElse("");
      table.row("×" + scale + " (" + reporters + " × " + s.perReporter() + " = " + fmtInt(
          (long) reporters * s.perReporter()) + ")", rate, rawRate, Report.pct(rate, rawRate),
        med(rb, Rep::p50), med(rb, Rep::p99), med(rb, Rep::jvmUsPerRow), med(rb, Rep::pgUsPerRow),
        med(rw, Rep::pgUsPerRow), med(rb, Rep::driverUsPerRow), checks);
      if (scale == 1) {
        notes.add(String.format(java.util.Locale.ROOT, "Target at ×1: ≥ 50 %% of raw (%s): %s (%s of raw).",
          Report.fmt(0.5 * rawRate), rate >= 0.5 * rawRate ? "MET" : "MISSED", Report.pct(rate, rawRate)));
      }
    }
    b.report.section("Scenario 1: ingest throughput (5: growth ×" + joined(scales) + ")");
    b.report.note("Reporters stream " + s.perReporter() + " results each in batches of " + s.batch()
      + ", one request in flight per reporter; raw baseline: the same attempt rows, unnest, " + s.batch()
      + " rows/statement, 8 connections, same durable PostgreSQL. Medians of " + s.reps() + " repetitions.");
    table.end();
    notes.forEach(b.report::note);
    b.report.note(String.format(java.util.Locale.ROOT, "First-ever ingest (warm-up, creates the %d tests, cold "
        + "JIT): %s results/s, p50 %s ms, p99 %s ms; %s.", SHARDS * s.perReporter(), Report.fmt(first.rate()),
      Report.fmt(first.p50()), Report.fmt(first.p99()), first.check()));
    b.report.note("Where PostgreSQL spends its time in one extra Runboard repetition at ×1 (pg_stat_statements, "
      + "execution time only, per stored result):");
    b.report.note(statements);
    b.report.note("Repetitions:");
    reps.end();
    submit();
  }

  // ----- one-shot submit against streamed events ------------------------------------------------------------

  static final int SUBMIT_CLIENTS = 8;
  static final int RUN_SIZE = 50;

  /**
   * What existing Playwright-dashboard reporters send: a whole run of 50 cases per {@code submit}, a new connection
   * per request, 8 clients, all runs in one project; against the same rows streamed by 8 reporters as
   * {@code events} of 50 (keep-alive, one request in flight each, start and finish outside the window). Both
   * alternate, after one unmeasured round of each (JIT, and it creates the tests).
   */
  private void submit() throws Exception {
    Bench.Sizes s = b.sizes;
    int perClient = Bench.smoke ? 3 : 40;
    System.err.printf("bench: submit warm-up: %d clients × %d runs of %d%n", SUBMIT_CLIENTS, perClient, RUN_SIZE);
    submitRound(perClient);
    streamedRound(perClient);
    List<Rep> sub = new ArrayList<>();
    List<Rep> str = new ArrayList<>();
    Report.Table reps = b.report.table("rep", "submit results/s", "streamed results/s", "submit p50 ms",
      "submit p99 ms", "events p50 ms", "events p99 ms");
    for (int rep = 1; rep <= s.reps(); rep++) {
      System.err.printf("bench: submit rep %d%n", rep);
      Rep st = streamedRound(perClient);
      Rep su = submitRound(perClient);
      str.add(st);
      sub.add(su);
      reps.row(rep, su.rate(), st.rate(), su.p50(), su.p99(), st.p50(), st.p99());
    }
    b.db.exec("SELECT pg_stat_statements_reset()");
    submitRound(perClient);
    String statements = topStatements((long) SUBMIT_CLIENTS * perClient * RUN_SIZE);
    double rate = med(sub, Rep::rate);
    double streamed = med(str, Rep::rate);
    b.report.section("Scenario 1b: one-shot submit against streamed events");
    b.report.note(SUBMIT_CLIENTS + " clients, each " + perClient + " `submit` requests of a whole run of " + RUN_SIZE
      + " cases (as Playwright-dashboard reporters send them, a new connection per request, all runs in one "
      + "project); against " + SUBMIT_CLIENTS + " reporters streaming the same rows as `events` of " + RUN_SIZE
      + " (keep-alive; start and finish outside the window). Medians of " + s.reps() + " repetitions.");
    Report.Table table = b.report.table("path", "results/s", "request p50 ms", "request p99 ms",
      "server JVM µs/row", "PG µs/row", "submit / streamed", "checked");
    table.row("streamed `events` (baseline)", streamed, med(str, Rep::p50), med(str, Rep::p99),
      med(str, Rep::jvmUsPerRow), med(str, Rep::pgUsPerRow), "", str.get(str.size() - 1).check());
    table.row("one-shot `submit`", rate, med(sub, Rep::p50), med(sub, Rep::p99), med(sub, Rep::jvmUsPerRow),
      med(sub, Rep::pgUsPerRow), Report.pct(rate, streamed), sub.get(sub.size() - 1).check());
    table.end();
    b.report.note(String.format(java.util.Locale.ROOT, "Target: submit ≥ 80 %% of streamed (%s): %s (%s).",
      Report.fmt(0.8 * streamed), rate >= 0.8 * streamed ? "MET" : "MISSED", Report.pct(rate, streamed)));
    b.report.note("Where PostgreSQL spends its time in one extra submit repetition (pg_stat_statements, execution "
      + "time only, per stored result):");
    b.report.note(statements);
    b.report.note("Repetitions:");
    reps.end();
  }

  /**
   * Shard of client c's n-th run (or batch): the same in every round, so the warm-up has created its tests, and
   * distinct for the batches of one streamed run (n < 50).
   */
  private static int shardOf(int client, int n) {
    return (client + n) % SHARDS;
  }

  private Rep submitRound(int perClient) throws Exception {
    try (Http http = new Http(b.vertx, b.nodeA.port, SUBMIT_CLIENTS, false)) {
      long[] latencies = new long[SUBMIT_CLIENTS * perClient];
      long[] runIds = new long[SUBMIT_CLIENTS * perClient];
      AtomicInteger n = new AtomicInteger();
      AtomicReference<String> error = new AtomicReference<>();
      double jvm0 = b.nodeA.jvmCpu();
      double pg0 = b.nodeA.pgCpu();
      long t0 = System.nanoTime();
      List<Future<Void>> done = new ArrayList<>();
      for (int c = 0; c < SUBMIT_CLIENTS; c++) {
        Promise<Void> p = Promise.promise();
        int client = c;
        b.vertx.runOnContext(v -> sendSubmit(http, client, 0, perClient, latencies, runIds, n, error, p));
        done.add(p.future());
      }
      Future.all(done).await();
      long wall = System.nanoTime() - t0;
      double jvm = b.nodeA.jvmCpu() - jvm0;
      double pg = b.nodeA.pgCpu() - pg0;
      if (error.get() != null) {
        throw new IllegalStateException(error.get());
      }
      long rows = (long) SUBMIT_CLIENTS * perClient * RUN_SIZE;
      int count = n.get();
      return new Rep(rows / (wall / 1e9), Stats.ms(Stats.pct(latencies, count, 50)),
        Stats.ms(Stats.pct(latencies, count, 99)), wall / 1e9, jvm * 1e6 / rows, pg * 1e6 / rows, Double.NaN,
        recount(runIds, RUN_SIZE));
    }
  }

  private void sendSubmit(Http http, int client, int k, int perClient, long[] latencies, long[] runIds,
                          AtomicInteger n, AtomicReference<String> error, Promise<Void> done) {
    if (k == perClient || error.get() != null) {
      done.complete();
      return;
    }
    Buffer body = Buffer.buffer(Workload.submitBody("bench-submit", shardOf(client, k), 0, RUN_SIZE));
    long t = System.nanoTime();
    http.post("/api/test-runs/submit", Http.json(b.reporterKey), body).onComplete(ar -> {
      int i = n.getAndIncrement();
      latencies[i] = System.nanoTime() - t;
      if (ar.failed()) {
        error.compareAndSet(null, "submit: " + ar.cause());
      } else if (ar.result().status() != 201) {
        error.compareAndSet(null, "submit: " + ar.result().status() + " " + ar.result().body());
      } else {
        runIds[i] = ar.result().json().getLong("testRunId");
      }
      sendSubmit(http, client, k + 1, perClient, latencies, runIds, n, error, done);
    });
  }

  private Rep streamedRound(int perClient) throws Exception {
    try (Http http = new Http(b.vertx, b.nodeA.port, SUBMIT_CLIENTS)) {
      long[] runIds = new long[SUBMIT_CLIENTS];
      String[] tokens = new String[SUBMIT_CLIENTS];
      for (int c = 0; c < SUBMIT_CLIENTS; c++) {
        JsonObject started = http.startRun(b.reporterKey, "bench-ingest", perClient * RUN_SIZE).await();
        runIds[c] = started.getLong("runId");
        tokens[c] = started.getString("streamToken");
      }
      long[] latencies = new long[SUBMIT_CLIENTS * perClient];
      AtomicInteger n = new AtomicInteger();
      AtomicReference<String> error = new AtomicReference<>();
      double jvm0 = b.nodeA.jvmCpu();
      double pg0 = b.nodeA.pgCpu();
      long t0 = System.nanoTime();
      List<Future<Void>> done = new ArrayList<>();
      for (int c = 0; c < SUBMIT_CLIENTS; c++) {
        Promise<Void> p = Promise.promise();
        int client = c;
        b.vertx.runOnContext(v -> sendStreamed(http, client, runIds[client], tokens[client], 0, perClient,
          latencies, n, error, p));
        done.add(p.future());
      }
      Future.all(done).await();
      long wall = System.nanoTime() - t0;
      double jvm = b.nodeA.jvmCpu() - jvm0;
      double pg = b.nodeA.pgCpu() - pg0;
      if (error.get() != null) {
        throw new IllegalStateException(error.get());
      }
      List<Future<?>> finishes = new ArrayList<>();
      for (int c = 0; c < SUBMIT_CLIENTS; c++) {
        finishes.add(http.post("/api/test-runs/" + runIds[c] + "/finish", Http.token(tokens[c]),
          Buffer.buffer("{\"status\":\"failed\"}")));
      }
      Future.all(finishes).await();
      long rows = (long) SUBMIT_CLIENTS * perClient * RUN_SIZE;
      int count = n.get();
      return new Rep(rows / (wall / 1e9), Stats.ms(Stats.pct(latencies, count, 50)),
        Stats.ms(Stats.pct(latencies, count, 99)), wall / 1e9, jvm * 1e6 / rows, pg * 1e6 / rows, Double.NaN,
        recount(runIds, perClient * RUN_SIZE));
    }
  }

  private void sendStreamed(Http http, int client, long runId, String token, int k, int perClient, long[] latencies,
                            AtomicInteger n, AtomicReference<String> error, Promise<Void> done) {
    if (k == perClient || error.get() != null) {
      done.complete();
      return;
    }
    Buffer body = Buffer.buffer(Workload.eventsBody(shardOf(client, k), 0, RUN_SIZE, 0));
    long t = System.nanoTime();
    http.post("/api/test-runs/" + runId + "/events", Http.token(token), body).onComplete(ar -> {
      latencies[n.getAndIncrement()] = System.nanoTime() - t;
      if (ar.failed()) {
        error.compareAndSet(null, "events: " + ar.cause());
      } else if (ar.result().status() != 200 || ar.result().json().getInteger("stored") != RUN_SIZE) {
        error.compareAndSet(null, "events: " + ar.result().status() + " " + ar.result().body());
      }
      sendStreamed(http, client, runId, token, k + 1, perClient, latencies, n, error, done);
    });
  }

  /** Exactly perRun attempts in every run, and every run's counters equal to those computed afresh. */
  private String recount(long[] runIds, int perRun) throws Exception {
    long attempts = b.db.scalar("SELECT count(*) FROM attempts WHERE run_id = ANY(?)", runIds);
    long right = b.db.scalar("""
      WITH f AS (SELECT DISTINCT ON (run_id, test_id) run_id, test_id, retry, status FROM attempts
                 WHERE run_id = ANY(?) ORDER BY run_id, test_id, retry DESC),
           t AS (SELECT run_id, count(*) AS total, count(*) FILTER (WHERE status = 'passed') AS passed,
                        count(*) FILTER (WHERE status = 'failed') AS failed,
                        count(*) FILTER (WHERE status = 'timedOut') AS timed_out,
                        count(*) FILTER (WHERE status = 'skipped') AS skipped
                 FROM f GROUP BY run_id),
           a AS (SELECT run_id, count(*) AS attempts FROM attempts WHERE run_id = ANY(?) GROUP BY run_id)
      SELECT count(*) FROM runs r JOIN t ON t.run_id = r.id JOIN a ON a.run_id = r.id
      WHERE r.total = t.total AND r.passed = t.passed AND r.failed = t.failed AND r.timed_out = t.timed_out
        AND r.skipped = t.skipped AND r.attempts = a.attempts AND r.status = 'failed'
        AND a.attempts = ?""", runIds, runIds, (long) perRun);
    String text = fmtInt(attempts) + " attempts, counters right in " + right + "/" + runIds.length + " runs";
    if (attempts != (long) runIds.length * perRun || right != runIds.length) {
      throw new IllegalStateException("check failed: " + text + " (expected " + perRun + " attempts per run)");
    }
    return text;
  }

  private String topStatements(long rows) throws Exception {
    StringBuilder out = new StringBuilder("| statement | calls | total ms | mean ms | µs per stored result |\n"
      + "|---|---|---|---|---|\n");
    try (Connection c = b.db.connect(); java.sql.Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("""
           SELECT regexp_replace(left(regexp_replace(query, '\\s+', ' ', 'g'), 90), '\\|', '/', 'g'), calls,
                  total_exec_time, mean_exec_time
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'runboard')
           ORDER BY total_exec_time DESC LIMIT 8""")) {
      while (rs.next()) {
        out.append("| `").append(rs.getString(1)).append("` | ").append(rs.getLong(2)).append(" | ")
          .append(Report.fmt(rs.getDouble(3))).append(" | ").append(Report.fmt(rs.getDouble(4))).append(" | ")
          .append(Report.fmt(rs.getDouble(3) * 1000 / rows)).append(" |\n");
      }
    }
    return out.toString();
  }

  private static String joined(int[] scales) {
    StringBuilder sb = new StringBuilder();
    for (int x : scales) {
      sb.append(sb.length() == 0 ? "" : ", ×").append(x);
    }
    return sb.toString();
  }

  static String fmtInt(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }

  private static double med(List<Rep> reps, java.util.function.ToDoubleFunction<Rep> f) {
    return Stats.median(reps.stream().map(r -> f.applyAsDouble(r)).toList());
  }

  // ----- Runboard ---------------------------------------------------------------------------------------------

  Rep runboard(int reporters, int perReporter, int batch) throws Exception {
    int batches = (perReporter + batch - 1) / batch;
    try (Http http = new Http(b.vertx, b.nodeA.port, Math.min(reporters, 1_000))) {
      long[] runIds = new long[reporters];
      String[] tokens = new String[reporters];
      List<Future<?>> starts = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        int i = r;
        starts.add(http.startRun(b.reporterKey, "bench-ingest", perReporter).map(started -> {
          runIds[i] = started.getLong("runId");
          tokens[i] = started.getString("streamToken");
          return null;
        }));
      }
      Future.all(starts).await();
      long[] latencies = new long[reporters * batches];
      AtomicInteger n = new AtomicInteger();
      AtomicReference<String> error = new AtomicReference<>();
      double jvm0 = b.nodeA.jvmCpu();
      double pg0 = b.nodeA.pgCpu();
      double me0 = Machine.selfCpu();
      long t0 = System.nanoTime();
      List<Future<Void>> done = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        Promise<Void> p = Promise.promise();
        int i = r;
        b.vertx.runOnContext(v -> sendBatch(http, i, runIds[i], tokens[i], 0, batches, batch, perReporter,
          latencies, n, error, p));
        done.add(p.future());
      }
      Future.all(done).await();
      long wall = System.nanoTime() - t0;
      double jvm = b.nodeA.jvmCpu() - jvm0;
      double pg = b.nodeA.pgCpu() - pg0;
      double me = Machine.selfCpu() - me0;
      if (error.get() != null) {
        throw new IllegalStateException(error.get());
      }
      List<Future<?>> finishes = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        finishes.add(http.post("/api/test-runs/" + runIds[r] + "/finish", Http.token(tokens[r]),
          Buffer.buffer("{\"status\":\"failed\"}")));
      }
      Future.all(finishes).await();
      long rows = (long) reporters * perReporter;
      int count = n.get();
      return new Rep(rows / (wall / 1e9), Stats.ms(Stats.pct(latencies, count, 50)),
        Stats.ms(Stats.pct(latencies, count, 99)), wall / 1e9, jvm * 1e6 / rows, pg * 1e6 / rows, me * 1e6 / rows,
        verify(runIds, perReporter));
    }
  }

  private void sendBatch(Http http, int reporter, long runId, String token, int k, int batches, int batch,
                         int perReporter, long[] latencies, AtomicInteger n, AtomicReference<String> error,
                         Promise<Void> done) {
    if (k == batches || error.get() != null) {
      done.complete();
      return;
    }
    int from = k * batch;
    int to = Math.min(perReporter, from + batch);
    Buffer body = Buffer.buffer(Workload.eventsBody(reporter % SHARDS, from, to, 0));
    long t = System.nanoTime();
    http.post("/api/test-runs/" + runId + "/events", Http.token(token), body).onComplete(ar -> {
      latencies[n.getAndIncrement()] = System.nanoTime() - t;
      if (ar.failed()) {
        error.compareAndSet(null, "events: " + ar.cause());
      } else if (ar.result().status() != 200 || ar.result().json().getInteger("stored") != to - from) {
        error.compareAndSet(null, "events: " + ar.result().status() + " " + ar.result().body());
      }
      sendBatch(http, reporter, runId, token, k + 1, batches, batch, perReporter, latencies, n, error, done);
    });
  }

  /** Exactly reporters × perReporter attempts, and every run's counters equal to those computed afresh. */
  private String verify(long[] runIds, int perReporter) throws Exception {
    long attempts = b.db.scalar("SELECT count(*) FROM attempts WHERE run_id = ANY(?)", runIds);
    long expected = (long) runIds.length * perReporter;
    long right = b.db.scalar("""
      WITH f AS (SELECT DISTINCT ON (run_id, test_id) run_id, test_id, retry, status FROM attempts
                 WHERE run_id = ANY(?) ORDER BY run_id, test_id, retry DESC),
           t AS (SELECT run_id, count(*) AS total, count(*) FILTER (WHERE status = 'passed') AS passed,
                        count(*) FILTER (WHERE status = 'failed') AS failed,
                        count(*) FILTER (WHERE status = 'timedOut') AS timed_out,
                        count(*) FILTER (WHERE status = 'skipped') AS skipped,
                        count(*) FILTER (WHERE status = 'passed' AND retry > 0) AS flaky
                 FROM f GROUP BY run_id),
           a AS (SELECT run_id, count(*) AS attempts FROM attempts WHERE run_id = ANY(?) GROUP BY run_id)
      SELECT count(*) FROM runs r JOIN t ON t.run_id = r.id JOIN a ON a.run_id = r.id
      WHERE r.total = t.total AND r.passed = t.passed AND r.failed = t.failed AND r.timed_out = t.timed_out
        AND r.skipped = t.skipped AND r.flaky = t.flaky AND r.attempts = a.attempts AND r.interrupted = 0
        AND r.status = 'failed'""", runIds, runIds);
    // And the counters match what the workload sent.
    long passedStored = b.db.scalar("SELECT coalesce(sum(passed), 0) FROM runs WHERE id = ANY(?)", runIds);
    long passedSent = 0;
    for (int r = 0; r < runIds.length; r++) {
      for (int i = 0; i < perReporter; i++) {
        if (Workload.item(r % SHARDS, i).status().equals("passed")) {
          passedSent++;
        }
      }
    }
    boolean ok = attempts == expected && right == runIds.length && passedStored == passedSent;
    String text = fmtInt(attempts) + " attempts, counters right in " + right + "/" + runIds.length + " runs";
    if (!ok) {
      throw new IllegalStateException("ingest check failed: " + text + " (expected " + expected
        + " attempts; passed stored " + passedStored + ", sent " + passedSent + ")");
    }
    return text;
  }

  // ----- raw PostgreSQL baseline ------------------------------------------------------------------------------

  private void setUpRaw(int perReporter) throws Exception {
    try (Connection c = b.db.connect()) {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO projects (name) VALUES ('bench-raw') "
        + "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id"); ResultSet rs = p.executeQuery()) {
        rs.next();
        rawProject = rs.getLong(1);
      }
      try (PreparedStatement p = c.prepareStatement("""
        INSERT INTO tests (project_id, file, title_path, playwright_project, variant, title, identity_hash)
        SELECT ?, 'tests/shard-' || s || '/spec.ts', ARRAY['suite', 'test ' || i], 'chromium', 0, s || '/' || i,
               sha256(convert_to('raw ' || s || '/' || i, 'UTF8'))
        FROM generate_series(0, ? - 1) s, generate_series(0, ? - 1) i
        ON CONFLICT DO NOTHING""")) {
        p.setLong(1, rawProject);
        p.setInt(2, SHARDS);
        p.setInt(3, perReporter);
        p.executeUpdate();
      }
      rawTests = new long[SHARDS][perReporter];
      try (PreparedStatement p = c.prepareStatement("SELECT id, title FROM tests WHERE project_id = ?")) {
        p.setLong(1, rawProject);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            String[] si = rs.getString(2).split("/");
            int shard = Integer.parseInt(si[0]);
            int index = Integer.parseInt(si[1]);
            if (index < perReporter) {
              rawTests[shard][index] = rs.getLong(1);
            }
          }
        }
      }
    }
  }

  Rep raw(int reporters, int perReporter, int batch) throws Exception {
    long[] runIds = new long[reporters];
    try (Connection c = b.db.connect(); PreparedStatement p = c.prepareStatement(
      "INSERT INTO runs (project_id, source, status, start_time) SELECT ?, 'stream', 'running', now() "
        + "FROM generate_series(1, ?) RETURNING id")) {
      p.setLong(1, rawProject);
      p.setInt(2, reporters);
      try (ResultSet rs = p.executeQuery()) {
        for (int i = 0; rs.next(); i++) {
          runIds[i] = rs.getLong(1);
        }
      }
    }
    int batches = (perReporter + batch - 1) / batch;
    int chunks = reporters * batches;
    Pool pool = PgBuilder.pool()
      .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(8))
      .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(b.pgPortA).setDatabase("runboard")
        .setUser("postgres").setPassword(b.db.password).setCachePreparedStatements(true))
      .using(b.vertx).build();
    try {
      // Open the 8 connections before timing.
      List<Future<?>> warm = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        warm.add(pool.getConnection().compose(conn -> conn.query("SELECT 1").execute()
          .eventually(() -> conn.close())));
      }
      Future.all(warm).await();
      AtomicInteger next = new AtomicInteger();
      AtomicReference<Throwable> error = new AtomicReference<>();
      double pg0 = b.nodeA.pgCpu();
      double me0 = Machine.selfCpu();
      long t0 = System.nanoTime();
      List<Future<Void>> workers = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        Promise<Void> p = Promise.promise();
        b.vertx.runOnContext(v -> rawWorker(pool, runIds, perReporter, batch, batches, chunks, next, error, p));
        workers.add(p.future());
      }
      Future.all(workers).await();
      long wall = System.nanoTime() - t0;
      double pg = b.nodeA.pgCpu() - pg0;
      double me = Machine.selfCpu() - me0;
      if (error.get() != null) {
        throw new IllegalStateException("raw insert failed", error.get());
      }
      long rows = (long) reporters * perReporter;
      long stored = b.db.scalar("SELECT count(*) FROM attempts WHERE run_id = ANY(?)", runIds);
      if (stored != rows) {
        throw new IllegalStateException("raw baseline stored " + stored + " of " + rows);
      }
      return new Rep(rows / (wall / 1e9), Double.NaN, Double.NaN, wall / 1e9, Double.NaN, pg * 1e6 / rows,
        me * 1e6 / rows, fmtInt(stored) + " rows");
    } finally {
      pool.close().await();
    }
  }

  private void rawWorker(Pool pool, long[] runIds, int perReporter, int batch, int batches, int chunks,
                         AtomicInteger next, AtomicReference<Throwable> error, Promise<Void> done) {
    int chunk = next.getAndIncrement();
    if (chunk >= chunks || error.get() != null) {
      done.complete();
      return;
    }
    // Chunk order as the reporters send: batch k of every reporter, then batch k+1.
    int reporter = chunk % runIds.length;
    int k = chunk / runIds.length;
    int from = k * batch;
    int to = Math.min(perReporter, from + batch);
    int size = to - from;
    Long[] run = new Long[size];
    Long[] test = new Long[size];
    Integer[] retry = new Integer[size];
    String[] status = new String[size];
    String[] expected = new String[size];
    Long[] duration = new Long[size];
    Integer[] line = new Integer[size];
    Integer[] col = new Integer[size];
    String[] message = new String[size];
    String[] stack = new String[size];
    String[] steps = new String[size];
    Long[] seq = new Long[size];
    String[] outcome = new String[size];
    int shard = reporter % SHARDS;
    for (int i = 0; i < size; i++) {
      Workload.Item it = Workload.item(shard, from + i);
      run[i] = runIds[reporter];
      test[i] = rawTests[shard][from + i];
      retry[i] = 0;
      status[i] = it.status();
      expected[i] = "passed";
      duration[i] = it.durationMs();
      line[i] = it.line();
      col[i] = it.col();
      message[i] = it.errorMessage();
      stack[i] = it.errorStack();
      steps[i] = it.stepsJson();
      seq[i] = (long) (from + i + 1 + k);
      outcome[i] = switch (it.status()) {
        case "passed" -> "expected";
        case "skipped" -> "skipped";
        default -> "unexpected";
      };
    }
    Tuple params = Tuple.tuple().addValue(run).addValue(test).addValue(retry).addValue(status).addValue(expected)
      .addValue(duration).addValue(line).addValue(col).addValue(message).addValue(stack).addValue(steps)
      .addValue(seq).addValue(outcome);
    pool.preparedQuery(RAW_INSERT).execute(params).onComplete(ar -> {
      if (ar.failed()) {
        error.compareAndSet(null, ar.cause());
      }
      rawWorker(pool, runIds, perReporter, batch, batches, chunks, next, error, done);
    });
  }
}
