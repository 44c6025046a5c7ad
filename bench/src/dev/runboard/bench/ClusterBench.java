package dev.runboard.bench;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Scenario 7: three clustered nodes (Hazelcast on 127.0.0.1) on one PostgreSQL (node A's), against one of them
 * alone, in the same run and alternating repetition by repetition (one, three, one, three, …; the two idle
 * members stay up during the one-node repetitions). Ingest: R reporters, all on the first node, or reporter r on
 * node r % 3. Live fan-out: V viewers of one running run, all on the first node, or V/3 on each; the reporter
 * POSTs to the first node; latency from sending the POST to each viewer having the batch.
 */
final class ClusterBench {

  /** Sizes, full or smoke. */
  record Sizes(int reporters, int perReporter, int batch, int reps, int viewers, int rounds, int warmup,
               int perPost) {
    static Sizes of(boolean smoke) {
      return smoke ? new Sizes(6, 100, 50, 3, 30, 5, 2, 10) : new Sizes(30, 2_000, 50, 3, 600, 10, 3, 10);
    }
  }

  private final Bench b;
  private final Sizes s = Sizes.of(Bench.smoke);

  ClusterBench(Bench bench) {
    this.b = bench;
  }

  /** One watched run, viewed from the given nodes; seq after round g is g × (perPost + 1). */
  private final class Watched {
    final Http http;
    final long runId;
    final String token;
    final List<SseFleet> fleets = new ArrayList<>();
    int round;

    Watched(Node ingest, List<Node> viewers, String project) {
      http = new Http(b.vertx, ingest.port, 2);
      JsonObject started = http.startRun(b.reporterKey, project, null).await();
      runId = started.getLong("runId");
      token = started.getString("streamToken");
      MultiMap headers = Http.bearer(b.viewerKey);
      for (Node node : viewers) {
        SseFleet fleet = SseFleet.open(b.vertx, null, node.port, "/api/test-runs/" + runId + "/stream", headers,
          s.viewers() / viewers.size(), 2, 100, 120_000);
        fleets.add(fleet);
        if (fleet.failed.get() > 0) {
          throw new IllegalStateException(fleet.failed.get() + " of " + fleet.size + " streams on " + node.name
            + " failed to open; see " + node.log);
        }
      }
    }

    /** One batch; the latency of every viewer that got it into {@code out}; returns how many did. */
    int round(long[] out) {
      round++;
      long target = (long) round * (s.perPost() + 1);
      fleets.forEach(f -> f.arm(target));
      long t0 = System.nanoTime();
      Http.Response r = http.post("/api/test-runs/" + runId + "/events", Http.token(token),
        Buffer.buffer(Reporters.body(7, 0, s.perPost(), round))).await();
      if (r.status() != 200) {
        throw new IllegalStateException("events: " + r.status() + " " + r.body());
      }
      int n = 0;
      StringBuilder per = new StringBuilder();
      for (SseFleet f : fleets) {
        int got = f.collect(t0, 10_000, out, n);
        per.append(' ').append(got).append('/').append(f.size);
        n += got;
      }
      if (n < s.viewers() / fleets.size() * fleets.size()) {
        System.err.printf("bench: cluster fan-out round %d: viewers per node that got seq %d within 10 s:%s%n",
          round, target, per);
      }
      Node.sleep(30);
      return n;
    }

    void close() {
      fleets.forEach(SseFleet::close);
      http.close();
    }
  }

  record Fanout(double p50, double p99, double max, int missing) {
  }

  void run() throws Exception {
    String cluster = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    int[] hz = {Node.freePort(), Node.freePort(), Node.freePort()};
    String members = "127.0.0.1:" + hz[0] + ",127.0.0.1:" + hz[1] + ",127.0.0.1:" + hz[2];
    List<Node> three = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        three.add(b.clusterNode("runboard-n" + (i + 1), hz[i], members, cluster));
      }
      List<Node> one = List.of(three.get(0));
      // Warm-up of every node (JIT; creates the tests).
      Reporters.run(b.vertx, three, b.reporterKey, "bench-cluster", s.reporters(), s.perReporter(), s.batch());
      List<Reporters.Round> ingest1 = new ArrayList<>();
      List<Reporters.Round> ingest3 = new ArrayList<>();
      for (int rep = 1; rep <= s.reps(); rep++) {
        System.err.printf("bench: cluster ingest rep %d%n", rep);
        ingest1.add(Reporters.run(b.vertx, one, b.reporterKey, "bench-cluster", s.reporters(), s.perReporter(),
          s.batch()));
        ingest3.add(Reporters.run(b.vertx, three, b.reporterKey, "bench-cluster", s.reporters(), s.perReporter(),
          s.batch()));
      }
      List<Fanout> fan1 = new ArrayList<>();
      List<Fanout> fan3 = new ArrayList<>();
      Watched w1 = new Watched(three.get(0), one, "bench-cluster-live");
      Watched w3 = new Watched(three.get(0), three, "bench-cluster-live");
      try {
        long[] scratch = new long[s.viewers()];
        for (int i = 0; i < s.warmup(); i++) {
          w1.round(scratch);
          w3.round(scratch);
        }
        for (int rep = 1; rep <= s.reps(); rep++) {
          System.err.printf("bench: cluster fan-out rep %d%n", rep);
          fan1.add(fanout(w1));
          fan3.add(fanout(w3));
        }
      } finally {
        w1.close();
        w3.close();
      }
      report(ingest1, ingest3, fan1, fan3);
    } finally {
      three.forEach(Bench::stop);
    }
  }

  private Fanout fanout(Watched w) {
    long[] all = new long[s.rounds() * s.viewers()];
    long[] scratch = new long[s.viewers()];
    int n = 0;
    int missing = 0;
    int watching = s.viewers() / w.fleets.size() * w.fleets.size();
    for (int r = 0; r < s.rounds(); r++) {
      int got = w.round(scratch);
      System.arraycopy(scratch, 0, all, n, got);
      n += got;
      missing += watching - got;
    }
    return new Fanout(Stats.ms(Stats.pct(all, n, 50)), Stats.ms(Stats.pct(all, n, 99)),
      Stats.ms(Stats.pct(all, n, 100)), missing);
  }

  private void report(List<Reporters.Round> ingest1, List<Reporters.Round> ingest3, List<Fanout> fan1,
                      List<Fanout> fan3) {
    b.report.section("Scenario 7: three nodes on one PostgreSQL");
    b.report.note(String.format(Locale.ROOT, "Three clustered Runboard nodes (Hazelcast and event bus on "
        + "127.0.0.1) on node A's durable PostgreSQL, on the same 2 cores as the load generator. \"1 node\": all "
        + "work on the first node (the two others idle members); \"3 nodes\": spread evenly. Alternating "
        + "repetitions, medians of %d. Ingest: %d reporters × %s results in batches of %d. Fan-out: %d viewers "
        + "of one running run, the reporter posting %d results per round to the first node, %d rounds per "
        + "repetition.", s.reps(), s.reporters(), PurgeBench.fmtInt(s.perReporter()), s.batch(), s.viewers(),
      s.perPost(), s.rounds()));
    Report.Table t = b.report.table("", "ingest results/s", "request p50 ms", "request p99 ms",
      "fan-out p50 ms", "fan-out p99 ms", "fan-out max ms", "missing deliveries");
    row(t, "1 node", ingest1, fan1);
    row(t, "3 nodes", ingest3, fan3);
    t.end();
    double r1 = Stats.median(ingest1.stream().map(Reporters.Round::rate).toList());
    double r3 = Stats.median(ingest3.stream().map(Reporters.Round::rate).toList());
    b.report.note("3 nodes / 1 node, ingest: " + Report.pct(r3, r1) + ". Repetitions (results/s, 1 node / 3 "
      + "nodes): " + String.join("; ", java.util.stream.IntStream.range(0, ingest1.size()).mapToObj(i ->
        Report.fmt(ingest1.get(i).rate()) + " / " + Report.fmt(ingest3.get(i).rate())).toList()) + ".");
  }

  private static void row(Report.Table t, String name, List<Reporters.Round> ingest, List<Fanout> fan) {
    t.row(name, Stats.median(ingest.stream().map(Reporters.Round::rate).toList()),
      Stats.median(ingest.stream().map(Reporters.Round::p50).toList()),
      Stats.median(ingest.stream().map(Reporters.Round::p99).toList()),
      Stats.median(fan.stream().map(Fanout::p50).toList()), Stats.median(fan.stream().map(Fanout::p99).toList()),
      Stats.median(fan.stream().map(Fanout::max).toList()), fan.stream().mapToInt(Fanout::missing).sum());
  }
}
