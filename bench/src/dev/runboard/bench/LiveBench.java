package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Scenario 2: N SSE clients watch one running run; a reporter POSTs {@code events} ({@code livePerPost} new
 * results); latency = from sending the POST to each client having the whole batch (its {@code run-progress}
 * frame, the last one). The same with the clients on a second clustered node (POST to node C, clients on node B,
 * both clustered on node A's PostgreSQL). Baseline: the bare Vert.x server publishing one frame of the same size
 * to N connections (one consumer each), measured with the same client.
 */
final class LiveBench {

  private final Bench b;

  LiveBench(Bench bench) {
    this.b = bench;
  }

  /** One watched run and a way to send a batch to it; seq after round g is g × (perPost + 1). */
  private final class Target {
    final Http http;
    final long runId;
    final String token;
    final SseFleet fleet;
    final int clients;
    /** How long each {@code events} POST took to be answered (stored and committed), in nanoseconds. */
    final List<Long> answers = new ArrayList<>();
    int round;

    Target(Node ingestNode, Node watchNode, String project) throws Exception {
      this(ingestNode, watchNode, project, b.sizes.liveClients(), null);
    }

    Target(Node ingestNode, Node watchNode, String project, int clients, String localAddress) throws Exception {
      this.clients = clients;
      http = new Http(b.vertx, ingestNode.port, 4);
      JsonObject started = http.startRun(b.reporterKey, project, null).await();
      runId = started.getLong("runId");
      token = started.getString("streamToken");
      MultiMap headers = Http.bearer(b.viewerKey);
      // retry: frame + init frame
      fleet = SseFleet.open(b.vertx, localAddress, watchNode.port, "/api/test-runs/" + runId + "/stream", headers,
        clients, 2, 100, 300_000);
    }

    /** Sends one batch; returns the seq that ends it. */
    long send() {
      round++;
      int per = b.sizes.livePerPost();
      // The same tests every round, with a new retry: no test is created after the first round.
      Buffer body = Buffer.buffer(Workload.eventsBody(7, 0, per, round));
      long t0 = System.nanoTime();
      Http.Response r = http.post("/api/test-runs/" + runId + "/events", Http.token(token), body).await();
      answers.add(System.nanoTime() - t0);
      if (r.status() != 200) {
        throw new IllegalStateException("events: " + r.status() + " " + r.body());
      }
      return (long) round * (per + 1);
    }

    long nextTarget() {
      return (long) (round + 1) * (b.sizes.livePerPost() + 1);
    }

    void close() {
      fleet.close();
      http.close();
    }
  }

  record Rep(double p50, double p99, double max, int missing) {
  }

  void run() throws Exception {
    Bench.Sizes s = b.sizes;
    String cluster = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    int hzB = Node.freePort();
    int hzC = Node.freePort();
    String members = "127.0.0.1:" + hzB + ",127.0.0.1:" + hzC;
    Node nodeB = b.clusterNode("runboard-b", hzB, members, cluster);
    Node nodeC = b.clusterNode("runboard-c", hzC, members, cluster);
    Node bare = b.bareNode("bare-sse-live");
    Target single = new Target(b.nodeA, b.nodeA, "bench-live");
    Target clustered = new Target(nodeC, nodeB, "bench-live-cluster");
    SseFleet bareFleet = SseFleet.open(b.vertx, null, bare.port, "/sse", null, s.liveClients(), 1, 100, 120_000);
    Http bareHttp = new Http(b.vertx, bare.port, 2);
    try {
      // Warm-up: JIT on every path, and the bytes one batch costs a connection (the bare frame gets that size).
      long bytes0 = single.fleet.bytes.get();
      long[] scratch = new long[s.liveClients()];
      for (int i = 0; i < s.liveWarmup(); i++) {
        roundOf(single, scratch);
        roundOf(clustered, scratch);
      }
      int frameBytes = (int) ((single.fleet.bytes.get() - bytes0) / s.liveWarmup() / s.liveClients());
      long[] bareId = {0};
      for (int i = 0; i < s.liveWarmup(); i++) {
        bareRound(bareFleet, bareHttp, ++bareId[0], frameBytes, scratch);
      }
      List<Rep> bareReps = new ArrayList<>();
      List<Rep> singleReps = new ArrayList<>();
      List<Rep> clusterReps = new ArrayList<>();
      Report.Table reps = b.report.table("rep", "bare p50/p99/max ms", "Runboard p50/p99/max ms",
        "cluster p50/p99/max ms", "missing deliveries");
      for (int rep = 1; rep <= s.reps(); rep++) {
        System.err.printf("bench: latency rep %d%n", rep);
        long[] all = new long[s.liveRounds() * s.liveClients()];
        int n = 0;
        int missing = 0;
        for (int r = 0; r < s.liveRounds(); r++) {
          int got = bareRound(bareFleet, bareHttp, ++bareId[0], frameBytes, scratch);
          System.arraycopy(scratch, 0, all, n, got);
          n += got;
          missing += s.liveClients() - got;
        }
        bareReps.add(rep(all, n, missing));
        singleReps.add(measure(single));
        clusterReps.add(measure(clustered));
        reps.row(rep, fmt(bareReps.get(rep - 1)), fmt(singleReps.get(rep - 1)), fmt(clusterReps.get(rep - 1)),
          bareReps.get(rep - 1).missing() + " / " + singleReps.get(rep - 1).missing() + " / "
            + clusterReps.get(rep - 1).missing());
      }
      b.report.section("Scenario 2: live latency (" + s.liveClients() + " SSE clients on one run)");
      b.report.note("Each round: one `events` POST of " + s.livePerPost() + " results (" + frameBytes
        + " bytes of SSE frames per client); latency from sending the POST until each client has the batch's "
        + "last frame. Bare baseline: one frame of the same size published once on the bus to " + s.liveClients()
        + " connections with a consumer each. " + s.liveRounds() + " rounds × " + s.liveClients()
        + " clients per repetition; medians of " + s.reps() + " repetitions.");
      double bareP99 = Stats.median(bareReps.stream().map(Rep::p99).toList());
      Report.Table t = b.report.table("path", "p50 ms", "p99 ms", "max ms", "p99 / bare p99", "target ≤ 1.2×");
      t.row("bare Vert.x fan-out (baseline)", med(bareReps, 0), bareP99, med(bareReps, 2), "1.00×", "");
      addRow(t, "Runboard, clients on the ingesting node", singleReps, bareP99);
      addRow(t, "Runboard, clients on a second clustered node", clusterReps, bareP99);
      t.end();
      b.report.note("The `events` POST itself (validated, stored, committed with fsync, answered; the fan-out "
        + "starts at its commit) took p50 " + Report.fmt(answerMs(single, 50)) + " ms, p99 "
        + Report.fmt(answerMs(single, 99)) + " ms on the single node over all rounds, warm-up included.");
      b.report.note("Repetitions:");
      reps.end();
    } finally {
      bareHttp.close();
      bareFleet.close();
      single.close();
      clustered.close();
      Bench.stop(bare);
      Bench.stop(nodeB);
      Bench.stop(nodeC);
    }
  }

  private static double answerMs(Target target, int pct) {
    long[] all = target.answers.stream().mapToLong(Long::longValue).toArray();
    return Stats.ms(Stats.pct(all, all.length, pct));
  }

  private static void addRow(Report.Table t, String name, List<Rep> reps, double bareP99) {
    double p99 = Stats.median(reps.stream().map(Rep::p99).toList());
    t.row(name, med(reps, 0), p99, med(reps, 2), Report.ratio(p99, bareP99), p99 <= 1.2 * bareP99 ? "MET"
      : "MISSED");
  }

  private static double med(List<Rep> reps, int field) {
    return Stats.median(reps.stream().map(r -> field == 0 ? r.p50() : field == 1 ? r.p99() : r.max()).toList());
  }

  private static String fmt(Rep r) {
    return Report.fmt(r.p50()) + " / " + Report.fmt(r.p99()) + " / " + Report.fmt(r.max());
  }

  private Rep measure(Target target) {
    Bench.Sizes s = b.sizes;
    long[] all = new long[s.liveRounds() * target.clients];
    long[] scratch = new long[target.clients];
    int n = 0;
    int missing = 0;
    for (int r = 0; r < s.liveRounds(); r++) {
      int got = roundOf(target, scratch);
      System.arraycopy(scratch, 0, all, n, got);
      n += got;
      missing += target.clients - got;
    }
    return rep(all, n, missing);
  }

  /**
   * Scenario 2b: many viewers on one node. The same rounds as scenario 2 with 1,000 viewers of one run, then with
   * 15,000 (the fd limit here is 20,000 per process, so one fleet at a time, from the load generator alone), on
   * node A; and the heap after full GCs per open viewer at each count.
   */
  void viewers() throws Exception {
    Bench.Sizes s = b.sizes;
    int[] counts = Bench.smoke ? new int[] {20, 200} : new int[] {1_000, 15_000};
    List<Rep> small = new ArrayList<>();
    List<Rep> large = new ArrayList<>();
    long[] heapPerViewer = new long[counts.length];
    for (int c = 0; c < counts.length; c++) {
      int clients = counts[c];
      System.err.printf("bench: viewers %d%n", clients);
      Node.sleep(1_000);
      long heap0 = b.nodeA.heapAfterGc();
      Target target = new Target(b.nodeA, b.nodeA, "bench-viewers-" + clients, clients, "127.0.0." + (40 + c));
      try {
        if (target.fleet.failed.get() > 0) {
          throw new IllegalStateException(target.fleet.failed.get() + " of " + clients + " viewers failed to open");
        }
        long[] scratch = new long[clients];
        for (int i = 0; i < s.liveWarmup(); i++) {
          roundOf(target, scratch);
        }
        heapPerViewer[c] = (b.nodeA.heapAfterGc() - heap0) / clients;
        for (int rep = 0; rep < s.reps(); rep++) {
          (c == 0 ? small : large).add(measure(target));
        }
      } finally {
        target.close();
      }
    }
    b.report.section("Scenario 2b: " + String.format("%,d", counts[1]) + " viewers on one node");
    b.report.note("The rounds of scenario 2 (one `events` POST of " + s.livePerPost() + " results, latency until each "
      + "viewer has the batch) with " + String.format("%,d", counts[0]) + " viewers of one run, then with "
      + String.format("%,d", counts[1]) + " (one fleet at a time), all on the ingesting node; " + s.liveRounds()
      + " rounds per repetition, medians of " + s.reps() + " repetitions. Heap per viewer: heap after full GCs "
      + "with the viewers open (and warmed up) less before, over the viewers.");
    double p99Small = Stats.median(small.stream().map(Rep::p99).toList());
    Report.Table t = b.report.table("viewers", "p50 ms", "p99 ms", "max ms", "p99 / p99 at " + counts[0],
      "heap per viewer", "target ≤ 1.5×");
    t.row(String.format("%,d", counts[0]), med(small, 0), p99Small, med(small, 2), "1.00×",
      Report.fmt(heapPerViewer[0] / 1024.0) + " KiB", "");
    double p99Large = Stats.median(large.stream().map(Rep::p99).toList());
    t.row(String.format("%,d", counts[1]), med(large, 0), p99Large, med(large, 2), Report.ratio(p99Large, p99Small),
      Report.fmt(heapPerViewer[1] / 1024.0) + " KiB", p99Large <= 1.5 * p99Small ? "MET" : "MISSED");
    t.end();
    int missing = large.stream().mapToInt(Rep::missing).sum() + small.stream().mapToInt(Rep::missing).sum();
    if (missing > 0) {
      b.report.note("**Missing deliveries: " + missing + "**.");
    }
  }

  private static Rep rep(long[] all, int n, int missing) {
    return new Rep(Stats.ms(Stats.pct(all, n, 50)), Stats.ms(Stats.pct(all, n, 99)), Stats.ms(Stats.pct(all, n,
      100)), missing);
  }

  private int roundOf(Target target, long[] out) {
    target.fleet.arm(target.nextTarget());
    long t0 = System.nanoTime();
    target.send();
    int got = target.fleet.collect(t0, 10_000, out, 0);
    Node.sleep(30);
    return got;
  }

  private int bareRound(SseFleet fleet, Http http, long id, int bytes, long[] out) {
    fleet.arm(id);
    long t0 = System.nanoTime();
    Future<Http.Response> sent = http.get("/publish?id=" + id + "&bytes=" + bytes, null);
    sent.await();
    int got = fleet.collect(t0, 10_000, out, 0);
    Node.sleep(30);
    return got;
  }
}
