package dev.runboard.bench;


import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 3: N idle SSE connections. Each repetition starts a fresh server (so RSS growth is not hidden by
 * memory an earlier repetition left committed), measures heap after full GC and RSS, opens N streams (Runboard:
 * N viewers of one running run, each having received its {@code init}; bare: N streams with a bus consumer each),
 * measures again, and reports (after − before) / N. Connections come from a different 127.0.0.x address per
 * repetition and server, so that no source address runs out of ports.
 */
final class MemoryBench {

  private final Bench b;

  MemoryBench(Bench bench) {
    this.b = bench;
  }

  record Rep(double heapPerConn, double rssPerConn, long heapBefore, long heapAfter) {
  }

  void run() throws Exception {
    Bench.Sizes s = b.sizes;
    int n = s.idleConnections();
    List<Rep> bare = new ArrayList<>();
    List<Rep> runboard = new ArrayList<>();
    Report.Table reps = b.report.table("rep", "bare heap B/conn", "bare RSS B/conn", "Runboard heap B/conn",
      "Runboard RSS B/conn", "Runboard heap before → after");
    for (int rep = 1; rep <= s.reps(); rep++) {
      System.err.printf("bench: memory rep %d (%d connections)%n", rep, n);
      Node bareNode = b.bareNode("bare-sse-memory-" + rep);
      try {
        bare.add(measure(bareNode, "/sse", null, 1, "127.0.0." + (10 + rep)));
      } finally {
        Bench.stop(bareNode);
      }
      if (rep > 1) {
        b.restartNodeA();
      }
      Http http = new Http(b.vertx, b.nodeA.port, 2);
      long runId;
      try {
        runId = http.startRun(b.reporterKey, "bench-memory", null).await().getLong("runId");
      } finally {
        http.close();
      }
      runboard.add(measure(b.nodeA, "/api/test-runs/" + runId + "/stream", b.viewerKey, 2,
        "127.0.0." + (20 + rep)));
      Rep x = bare.get(rep - 1);
      Rep y = runboard.get(rep - 1);
      reps.row(rep, x.heapPerConn(), x.rssPerConn(), y.heapPerConn(), y.rssPerConn(),
        (y.heapBefore() >> 20) + " → " + (y.heapAfter() >> 20) + " MiB");
    }
    double bh = Stats.median(bare.stream().map(Rep::heapPerConn).toList());
    double br = Stats.median(bare.stream().map(Rep::rssPerConn).toList());
    double rh = Stats.median(runboard.stream().map(Rep::heapPerConn).toList());
    double rr = Stats.median(runboard.stream().map(Rep::rssPerConn).toList());
    b.report.section("Scenario 3: connection memory (" + String.format(java.util.Locale.ROOT, "%,d", n)
      + " idle SSE connections)");
    b.report.note("Heap after full GC (jcmd GC.run) and RSS, (with N − without) / N, a fresh server per "
      + "repetition, the same JVM flags for both (" + String.join(" ", Node.JVM_FLAGS.subList(0, 2)) + "); "
      + "medians of " + s.reps() + " repetitions.");
    Report.Table t = b.report.table("server", "heap per connection", "RSS per connection", "heap vs bare",
      "target ≤ 1.2×");
    t.row("bare Vert.x SSE (baseline)", kib(bh), kib(br), "1.00×", "");
    t.row("Runboard", kib(rh), kib(rr), Report.ratio(rh, bh), rh <= 1.2 * bh ? "MET" : "MISSED");
    t.end();
    b.report.note("Repetitions (bytes per connection):");
    reps.end();
  }

  private static String kib(double bytes) {
    return Report.fmt(bytes / 1024) + " KiB";
  }

  private Rep measure(Node node, String uri, String key, int readyFrames, String localAddress) {
    int n = b.sizes.idleConnections();
    Node.sleep(1_000);
    long heap0 = node.heapAfterGc();
    long rss0 = node.rss();
    SseFleet fleet = SseFleet.open(b.vertx, localAddress, node.port, uri, key == null ? null : Http.bearer(key), n,
      readyFrames, 200, 300_000);
    try {
      if (fleet.failed.get() > 0) {
        throw new IllegalStateException(fleet.failed.get() + " of " + n + " connections to " + node.name
          + " failed");
      }
      Node.sleep(2_000);
      long heap1 = node.heapAfterGc();
      long rss1 = node.rss();
      if (fleet.closedEarly.get() > 0) {
        throw new IllegalStateException(fleet.closedEarly.get() + " streams of " + node.name + " ended early");
      }
      return new Rep((heap1 - heap0) / (double) n, (rss1 - rss0) / (double) n, heap0, heap1);
    } finally {
      fleet.close();
      Node.sleep(1_000);
    }
  }
}
