package dev.runboard.bench;

/**
 * The test results the benchmark sends, the same for Runboard and for the raw-PostgreSQL baseline: test j of
 * shard s is {@code tests/shard-s/spec-(j/20).spec.ts › suite › test j}; about 90 % pass, 5 % fail with an
 * error (message and stack), 3 % are skipped, 2 % time out; each has two steps.
 */
final class Workload {

  private Workload() {
  }

  record Item(int shard, int index, String title, String file, int line, int col, String status, long durationMs,
              String errorMessage, String errorStack, String stepsJson) {
  }

  static Item item(int shard, int index) {
    int h = Math.floorMod(shard * 7919 + index * 104729, 100);
    String status = h < 90 ? "passed" : h < 95 ? "failed" : h < 98 ? "skipped" : "timedOut";
    String title = "test " + index + " does what it says";
    String file = "tests/shard-" + shard + "/spec-" + (index / 20) + ".spec.ts";
    int line = 10 + (index % 20) * 12;
    long duration = 50 + Math.floorMod(index * 31 + shard * 17, 2000);
    String message = null;
    String stack = null;
    if (status.equals("failed") || status.equals("timedOut")) {
      message = "Error: expect(received).toBe(expected)\n\nExpected: 200\nReceived: 500";
      stack = "Error: expect(received).toBe(expected)\n    at " + file + ":" + (line + 3) + ":7";
    }
    String steps = "[{\"title\":\"page.goto(/app)\",\"duration\":" + (duration / 3)
      + ",\"category\":\"pw:api\"},{\"title\":\"expect.toBeVisible\",\"duration\":" + (duration / 4)
      + ",\"category\":\"expect\"}]";
    return new Item(shard, index, title, file, line, 5, status, duration, message, stack, steps);
  }

  /** The {@code events} body for items {@code from}..{@code to-1} of a shard, with {@code retry}. */
  static String eventsBody(int shard, int from, int to, int retry) {
    StringBuilder s = new StringBuilder(450 * (to - from) + 32).append("{\"testCases\":[");
    for (int i = from; i < to; i++) {
      Item it = item(shard, i);
      if (i > from) {
        s.append(',');
      }
      s.append("{\"type\":\"complete\",\"title\":\"").append(it.title()).append("\",\"titlePath\":[\"suite\",\"")
        .append(it.title()).append("\"],\"playwrightProject\":\"chromium\",\"location\":\"").append(it.file())
        .append(':').append(it.line()).append(':').append(it.col()).append("\",\"retry\":").append(retry)
        .append(",\"status\":\"").append(it.status()).append("\",\"duration\":").append(it.durationMs());
      if (it.errorMessage() != null) {
        s.append(",\"error\":{\"message\":").append(quote(it.errorMessage())).append(",\"stack\":")
          .append(quote(it.errorStack())).append('}');
      }
      s.append(",\"steps\":").append(it.stepsJson()).append('}');
    }
    return s.append("]}").toString();
  }

  static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  /**
   * A one-shot {@code submit} body as existing Playwright-dashboard reporters send it: a whole finished run with
   * items {@code from}..{@code to-1} of a shard, one entry per attempt (retry 0), no Playwright project named.
   */
  static String submitBody(String project, int shard, int from, int to) {
    StringBuilder s = new StringBuilder(450 * (to - from) + 256).append("{\"projectName\":").append(quote(project))
      .append(",\"status\":\"failed\",\"startTime\":\"2026-11-20T09:15:00.000Z\",\"duration\":60000")
      .append(",\"totalTests\":").append(to - from).append(",\"metadata\":{\"branch\":\"main\"},\"testCases\":[");
    for (int i = from; i < to; i++) {
      Item it = item(shard, i);
      if (i > from) {
        s.append(',');
      }
      s.append("{\"title\":\"").append(it.title()).append("\",\"location\":\"").append(it.file()).append(':')
        .append(it.line()).append(':').append(it.col()).append("\",\"status\":\"").append(it.status())
        .append("\",\"duration\":").append(it.durationMs()).append(",\"retries\":0,\"error\":")
        .append(it.errorMessage() == null ? "null" : quote(it.errorMessage())).append(",\"steps\":")
        .append(it.stepsJson()).append('}');
    }
    return s.append("]}").toString();
  }
}
