package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Part of scenario 3: what a crowd opening one large finished run costs the server. V viewers open the stream of a
 * run of R results at once (its {@code init} is several MB), twice: viewers that read as fast as they can (time to
 * the first byte of {@code init} and to the whole stream), and viewers that stall (they read nothing for 3 s): the
 * heap after a full GC while they stall, against the same server before, is what the server holds for them. Then
 * the stalled viewers read on, and every viewer of both rounds must have received the same bytes (but for `: ping`
 * comments, which come when they come).
 */
final class InitCrowd {

  private static final long STALL_MS = 3_000;

  private final Bench b;

  InitCrowd(Bench bench) {
    this.b = bench;
  }

  void run() {
    int viewers = Bench.smoke ? 10 : 100;
    int results = Bench.smoke ? 1_000 : 10_000;
    Node node = b.nodeA;
    long runId = finishedRun(node, results);
    String uri = "/api/test-runs/" + runId + "/stream";
    Http http = new Http(b.vertx, node.port, viewers, false);
    http.timeoutMs = 120_000;
    try {
      Node.sleep(1_000);
      long heap0 = node.heapAfterGc();
      long[][] reading = crowd(http, uri, viewers, null);
      long heapAfterReading = node.heapAfterGc();

      Promise<Void> release = Promise.promise();
      List<Future<long[]>> stalled = open(http, uri, viewers, release.future());
      Node.sleep(STALL_MS);
      long heapStalled = node.heapAfterGc();
      release.complete();
      long[][] stalledTimes = await(stalled);

      // Every viewer gets the same stream but for `: ping` comments, which come when they come (every 15 s).
      long bytes = Arrays.stream(concat(reading, stalledTimes)).mapToLong(t -> t[2]).min().orElseThrow();
      for (long[] t : concat(reading, stalledTimes)) {
        if ((t[2] - bytes) % Http.PING_BYTES != 0 || t[2] - bytes > 2L * Http.PING_BYTES) {
          throw new IllegalStateException("a viewer of run " + runId + " received " + t[2] + " bytes, another "
            + bytes);
        }
      }
      long[] firstByte = Arrays.stream(reading).mapToLong(t -> t[0]).sorted().toArray();
      long[] whole = Arrays.stream(reading).mapToLong(t -> t[1]).sorted().toArray();
      b.report.section("Scenario 3b: " + viewers + " viewers open a run of " + String.format("%,d", results)
        + " results at once");
      b.report.note("A finished run of " + String.format("%,d", results) + " results streamed in by the bench ("
        + String.format("%,d", bytes) + " bytes of stream per viewer: `retry`, `init`, `run-finished`); "
        + viewers + " viewers open it at the same moment on new connections, first reading as fast as they can, "
        + "then reading nothing for " + STALL_MS / 1000 + " s before they read on. Heap after full GCs (jcmd "
        + "GC.run), one repetition.");
      Report.Table t = b.report.table("measure", "value");
      t.row("first byte of `init` (p50 / max over the viewers)", Report.fmt(Stats.ms(firstByte[viewers / 2]))
        + " / " + Report.fmt(Stats.ms(firstByte[viewers - 1])) + " ms");
      t.row("whole stream (p50 / max)", Report.fmt(Stats.ms(whole[viewers / 2])) + " / "
        + Report.fmt(Stats.ms(whole[viewers - 1])) + " ms");
      t.row("heap before", mib(heap0));
      t.row("heap after the reading crowd (kept: shared pages of `init`)", mib(heapAfterReading) + " (+"
        + mib(heapAfterReading - heap0) + ")");
      t.row("heap while " + viewers + " viewers stall mid-`init`", mib(heapStalled) + " (+"
        + mib(heapStalled - heap0) + ", " + Report.fmt((heapStalled - heap0) / 1024.0 / viewers)
        + " KiB per viewer)");
      t.end();
    } finally {
      http.close();
    }
  }

  private long finishedRun(Node node, int results) {
    Http http = new Http(b.vertx, node.port, 2);
    try {
      JsonObject started = http.startRun(b.reporterKey, "bench-crowd", results).await();
      long runId = started.getLong("runId");
      String token = started.getString("streamToken");
      for (int from = 0; from < results; from += 500) {
        Http.Response r = http.post("/api/test-runs/" + runId + "/events", Http.token(token),
          Buffer.buffer(Workload.eventsBody(0, from, Math.min(results, from + 500), 0))).await();
        if (r.status() != 200) {
          throw new IllegalStateException("events: " + r.status() + " " + r.body());
        }
      }
      http.post("/api/test-runs/" + runId + "/finish", Http.token(token),
        Buffer.buffer("{\"status\":\"failed\"}")).await();
      return runId;
    } finally {
      http.close();
    }
  }

  private long[][] crowd(Http http, String uri, int viewers, Future<?> holdUntil) {
    return await(open(http, uri, viewers, holdUntil));
  }

  private List<Future<long[]>> open(Http http, String uri, int viewers, Future<?> holdUntil) {
    List<Future<long[]>> answers = new ArrayList<>();
    for (int i = 0; i < viewers; i++) {
      answers.add(http.timeTo(uri, Http.bearer(b.viewerKey), "event: init", holdUntil));
    }
    return answers;
  }

  private static long[][] await(List<Future<long[]>> answers) {
    long[][] times = new long[answers.size()][];
    for (int i = 0; i < times.length; i++) {
      times[i] = answers.get(i).await();
    }
    return times;
  }

  private static long[][] concat(long[][] a, long[][] c) {
    long[][] all = Arrays.copyOf(a, a.length + c.length);
    System.arraycopy(c, 0, all, a.length, c.length);
    return all;
  }

  private static String mib(long bytes) {
    return Report.fmt(bytes / 1048576.0) + " MiB";
  }
}
