package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streaming reporters for the purge and cluster scenarios (the ingest scenario has its own driver): R reporters,
 * reporter r on node r % nodes, each {@code start}, then its results in batches, one request in flight per
 * reporter, then {@code finish}. Reporter r sends the tests of shard r % {@link #SHARDS}, so after a first round
 * every test exists. Its own body generator (the same shape as the ingest scenario's), so that changes there do
 * not move these figures.
 */
final class Reporters {

  static final int SHARDS = 50;

  /**
   * Stored results/s over the window from the first {@code events} request to the last answer; when each answer
   * came ({@code doneAt}, nanoTime) and how many results it stored.
   */
  record Round(double rate, double p50, double p99, double seconds, long[] runIds, long startNanos,
               long endNanos, long[] doneAt, int[] stored, int answers) {

    /** Results stored per second by the answers that came within [from, to] (clipped to this round). */
    double rateWithin(long from, long to) {
      long a = Math.max(from, startNanos);
      long b = Math.min(to, endNanos);
      if (b <= a) {
        return Double.NaN;
      }
      long n = 0;
      for (int i = 0; i < answers; i++) {
        if (doneAt[i] >= a && doneAt[i] <= b) {
          n += stored[i];
        }
      }
      return n / ((b - a) / 1e9);
    }
  }

  private Reporters() {
  }

  static Round run(Vertx vertx, List<Node> nodes, String reporterKey, String project, int reporters,
                   int perReporter, int batch) {
    int batches = (perReporter + batch - 1) / batch;
    List<Http> clients = new ArrayList<>();
    for (Node node : nodes) {
      clients.add(new Http(vertx, node.port, Math.max(1, Math.min(reporters / nodes.size() + 1, 1_000))));
    }
    try {
      long[] runIds = new long[reporters];
      String[] tokens = new String[reporters];
      List<Future<?>> starts = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        int i = r;
        starts.add(clients.get(r % clients.size()).startRun(reporterKey, project, perReporter).map(started -> {
          runIds[i] = started.getLong("runId");
          tokens[i] = started.getString("streamToken");
          return null;
        }));
      }
      Future.all(starts).await();
      long[] latencies = new long[reporters * batches];
      long[] doneAt = new long[reporters * batches];
      int[] stored = new int[reporters * batches];
      AtomicInteger n = new AtomicInteger();
      AtomicReference<String> error = new AtomicReference<>();
      long t0 = System.nanoTime();
      List<Future<Void>> done = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        Promise<Void> p = Promise.promise();
        int i = r;
        Http http = clients.get(r % clients.size());
        vertx.runOnContext(v -> send(http, i, runIds[i], tokens[i], 0, batches, batch, perReporter, latencies,
          doneAt, stored, n, error, p));
        done.add(p.future());
      }
      Future.all(done).await();
      long t1 = System.nanoTime();
      if (error.get() != null) {
        throw new IllegalStateException(error.get());
      }
      List<Future<?>> finishes = new ArrayList<>();
      for (int r = 0; r < reporters; r++) {
        finishes.add(clients.get(r % clients.size()).post("/api/test-runs/" + runIds[r] + "/finish",
          Http.token(tokens[r]), Buffer.buffer("{\"status\":\"failed\"}")));
      }
      Future.all(finishes).await();
      long rows = (long) reporters * perReporter;
      int count = n.get();
      return new Round(rows / ((t1 - t0) / 1e9), Stats.ms(Stats.pct(latencies, count, 50)),
        Stats.ms(Stats.pct(latencies, count, 99)), (t1 - t0) / 1e9, runIds, t0, t1, doneAt, stored, count);
    } finally {
      clients.forEach(Http::close);
    }
  }

  private static void send(Http http, int reporter, long runId, String token, int k, int batches, int batch,
                           int perReporter, long[] latencies, long[] doneAt, int[] stored, AtomicInteger n,
                           AtomicReference<String> error, Promise<Void> done) {
    if (k == batches || error.get() != null) {
      done.complete();
      return;
    }
    int from = k * batch;
    int to = Math.min(perReporter, from + batch);
    Buffer body = Buffer.buffer(body(reporter % SHARDS, from, to, 0));
    long t = System.nanoTime();
    http.post("/api/test-runs/" + runId + "/events", Http.token(token), body).onComplete(ar -> {
      long now = System.nanoTime();
      int slot = n.getAndIncrement();
      latencies[slot] = now - t;
      doneAt[slot] = now;
      stored[slot] = to - from;
      if (ar.failed()) {
        error.compareAndSet(null, "events: " + ar.cause());
      } else if (ar.result().status() != 200 || ar.result().json().getInteger("stored") != to - from) {
        error.compareAndSet(null, "events: " + ar.result().status() + " " + ar.result().body());
      }
      send(http, reporter, runId, token, k + 1, batches, batch, perReporter, latencies, doneAt, stored, n, error,
        done);
    });
  }

  /**
   * The {@code events} body for tests {@code from}..{@code to-1} of a shard, attempt {@code retry}: about 90 %
   * pass, 5 % fail with an error (message and stack), 3 % are skipped, 2 % time out; each has two steps.
   */
  static String body(int shard, int from, int to, int retry) {
    StringBuilder s = new StringBuilder(450 * (to - from) + 32).append("{\"testCases\":[");
    for (int i = from; i < to; i++) {
      int h = Math.floorMod(shard * 7919 + i * 104729, 100);
      String status = h < 90 ? "passed" : h < 95 ? "failed" : h < 98 ? "skipped" : "timedOut";
      String title = "test " + i + " does what it says";
      String file = "tests/shard-" + shard + "/spec-" + (i / 20) + ".spec.ts";
      int line = 10 + (i % 20) * 12;
      long duration = 50 + Math.floorMod(i * 31 + shard * 17, 2000);
      if (i > from) {
        s.append(',');
      }
      s.append("{\"type\":\"complete\",\"title\":\"").append(title).append("\",\"titlePath\":[\"suite\",\"")
        .append(title).append("\"],\"playwrightProject\":\"chromium\",\"location\":\"").append(file)
        .append(':').append(line).append(":5\",\"retry\":").append(retry).append(",\"status\":\"").append(status)
        .append("\",\"duration\":").append(duration);
      if (!status.equals("passed") && !status.equals("skipped")) {
        s.append(",\"error\":{\"message\":\"Error: expect(received).toBe(expected)\\n\\nExpected: 200\\nReceived: "
          + "500\",\"stack\":\"Error: expect(received).toBe(expected)\\n    at ").append(file).append(':')
          .append(line + 3).append(":7\"}");
      }
      s.append(",\"steps\":[{\"title\":\"page.goto(/app)\",\"duration\":").append(duration / 3)
        .append(",\"category\":\"pw:api\"},{\"title\":\"expect.toBeVisible\",\"duration\":").append(duration / 4)
        .append(",\"category\":\"expect\"}]}");
    }
    return s.append("]}").toString();
  }
}
