package dev.runboard.stream;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A crowd opening the stream of a large run: init in pages under backpressure, the server stays "
  + "responsive, clients that do not read are cut off")
class StreamCrowdTest {

  private static final int TESTS = 6_000;
  /** Tests 1..RETRIED get a second attempt (test 0 has one), so pages of init split some tests' attempts. */
  private static final int RETRIED = 800;
  private static final int NON_READERS = 100;
  private static final int READERS = 5;
  /**
   * Bounds for a plain API request during the crowd, wide enough for a 2-core machine shared with other work: the
   * median (observed: tens of milliseconds, up to 180 ms at a load average of 20) and the slowest (observed: up to
   * about 2 s at that load, while the 105 connections authenticate at once). With the init written in one go,
   * event loops were blocked for seconds at a time: at that load the median was above 8 s and a request waited 30 s.
   */
  private static final long SLOWEST_MS = 10_000;
  private static final long MEDIAN_MS = 1_000;

  @Test
  @DisplayName("100 viewers that never read and 5 that do open a 6,800-result run's stream at once: a plain API "
    + "request answers quickly meanwhile, the readers get a complete, exact init then live events, the others "
    + "are disconnected")
  void crowd(Vertx vertx) throws Exception {
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put("sse.maxStreamsPerUser", 500)
      .put("sse.stallTimeout", "2s")));
    List<Socket> nonReaders = new ArrayList<>();
    List<SseClient> readers = new ArrayList<>();
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporter = TestUsers.apiKey(db, "reporter");
      String viewer = TestUsers.apiKey(db, "viewer");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      JsonObject run = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "crowd")).await().bodyAsJsonObject();
      long runId = run.getLong("runId");
      String token = run.getString("streamToken");

      // 6,000 first attempts in batches of 1,000, then 800 retries: 6,800 results, last seq 6 * 1,001 + 801.
      Map<String, String> outcomes = new HashMap<>();
      for (int from = 0; from < TESTS; from += 1_000) {
        JsonArray items = new JsonArray();
        for (int i = from; i < from + 1_000; i++) {
          items.add(firstAttempt(i, outcomes));
        }
        sendEvents(client, runId, token, items);
      }
      JsonArray retries = new JsonArray();
      for (int i = 1; i <= RETRIED; i++) {
        retries.add(attempt(i, 1, "passed", null));
      }
      sendEvents(client, runId, token, retries);
      long lastSeq = 6 * 1_001 + RETRIED + 1;
      String path = "/api/test-runs/" + runId + "/stream";

      OpenStreams open = OpenStreams.of(node.vertx());
      int openBefore = open.open();
      Probe probe = new Probe(node.port(), viewer);
      for (int i = 0; i < 3; i++) {
        // Warm-up (the probe's connection, first queries), not counted.
        probe.once();
      }
      probe.start();
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(READERS));
      MultiMap auth = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewer);
      for (int i = 0; i < NON_READERS; i++) {
        nonReaders.add(neverReads(node.port(), path, viewer));
        if (i % (NON_READERS / READERS) == 0) {
          readers.add(SseClient.connect(http, node.port(), path, auth));
        }
      }

      for (SseClient reader : readers) {
        assertThat(reader.status()).isEqualTo(200);
        SseClient.Event init = reader.next();
        assertThat(init.type()).isEqualTo("init");
        JsonObject data = init.json();
        assertThat(data.fieldNames()).containsExactly("run", "results", "seq");
        assertThat(data.getLong("seq")).isEqualTo(lastSeq);
        assertThat(data.getJsonObject("run").getJsonObject("counters").getInteger("attempts"))
          .isEqualTo(TESTS + RETRIED);
        JsonArray results = data.getJsonArray("results");
        assertThat(results).hasSize(TESTS + RETRIED);
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < results.size(); i++) {
          JsonObject result = results.getJsonObject(i);
          String title = result.getString("title");
          assertThat(result.getString("outcome")).as("outcome of %s retry %d", title, result.getInteger("retry"))
            .isEqualTo(outcomes.get(title));
          assertThat(seen.put(title + "#" + result.getInteger("retry"), title)).as("a result twice").isNull();
        }
      }

      long deadline = System.currentTimeMillis() + 20_000;
      while (open.open() > openBefore + READERS && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      List<Long> times = probe.finish();
      assertThat(open.open()).as("streams left once the clients that do not read are cut off")
        .isEqualTo(openBefore + READERS);
      for (Socket socket : nonReaders) {
        assertThat(closedByServer(socket)).as("the server closed a client that never read").isTrue();
      }
      assertThat(times).as("GET /api/projects during the crowd").isNotEmpty();
      assertThat(times.get(times.size() - 1)).as("the slowest GET /api/projects during the crowd (ms)")
        .isLessThan(SLOWEST_MS);
      assertThat(times.get(times.size() / 2)).as("the median GET /api/projects during the crowd (ms)")
        .isLessThan(MEDIAN_MS);

      // The readers are live: the next batch follows init without a gap.
      sendEvents(client, runId, token, new JsonArray().add(attempt(TESTS, 0, "passed", null)));
      for (SseClient reader : readers) {
        SseClient.Event next = reader.next();
        assertThat(next.type()).isEqualTo("test-completed");
        assertThat(next.id()).isEqualTo(Long.toString(lastSeq + 1));
      }
    } finally {
      readers.forEach(SseClient::close);
      for (Socket socket : nonReaders) {
        socket.close();
      }
      node.stop();
    }
  }

  /** Test {@code i}'s first attempt; records its expected outcome in init. */
  private static JsonObject firstAttempt(int i, Map<String, String> outcomes) {
    String title = "t" + i;
    if (i >= 1 && i <= RETRIED) {
      // Failed, then passed on retry: flaky, on both attempts, though the first was stored as unexpected.
      outcomes.put(title, "flaky");
      return attempt(i, 0, "failed", "Error: expect(received).toBe(expected) at step " + i);
    }
    if (i <= RETRIED + 200) {
      outcomes.put(title, "expected");
      return attempt(i, 0, "failed", "Error: known bug").put("expectedStatus", "failed");
    }
    if (i % 50 == 0) {
      outcomes.put(title, "skipped");
      return attempt(i, 0, "skipped", null);
    }
    outcomes.put(title, "expected");
    return attempt(i, 0, "passed", null);
  }

  /** An attempt of about 1 KB in init (mostly one long step title): 6,800 make an init of about 7 MB. */
  private static JsonObject attempt(int i, int retry, String status, String error) {
    String title = "page.goto(https://shop.example.com/catalogue/" + i + "?"
      + "q=lorem+ipsum+dolor+sit+amet&".repeat(30) + ")";
    JsonObject item = new JsonObject().put("title", "t" + i).put("titlePath", new JsonArray().add("crowd")
        .add("group " + i / 100).add("t" + i)).put("location", "tests/crowd-" + i / 100 + ".spec.ts:" + (i % 100 + 1)
        + ":5").put("retry", retry).put("status", status).put("duration", 10 + i % 300)
      .put("steps", new JsonArray().add(new JsonObject().put("title", title).put("duration", 5)
        .put("category", "pw:api")));
    return error == null ? item : item.put("error", error);
  }

  private static void sendEvents(WebClient client, long runId, String token, JsonArray items) {
    int status = client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", items)).await().statusCode();
    assertThat(status).isEqualTo(200);
  }

  /** A client that sends its request and never reads a byte (a small receive buffer, so it fills up at once). */
  private static Socket neverReads(int port, String path, String key) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4_096);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n\r\n")
      .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** Reads what the server had sent: true when the stream then ends (or is reset), false when it stays open. */
  private static boolean closedByServer(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    byte[] buffer = new byte[65_536];
    try (InputStream in = socket.getInputStream()) {
      while (in.read(buffer) >= 0) {
        // what was queued before the server gave up on it
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Times {@code GET /api/projects} on an HTTP client of its own (not the test's event loop), over and over. */
  private static final class Probe extends Thread {

    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(30)).build();
    private final HttpRequest request;
    private final List<Long> times = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    Probe(int port, String key) {
      super("api-probe");
      request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/projects"))
        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(60)).build();
    }

    /** One request: its time in milliseconds, or Long.MAX_VALUE when it failed. */
    long once() throws InterruptedException {
      long start = System.nanoTime();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? (System.nanoTime() - start) / 1_000_000 : Long.MAX_VALUE;
      } catch (IOException e) {
        return Long.MAX_VALUE;
      }
    }

    @Override
    public void run() {
      try {
        while (running) {
          times.add(once());
          Thread.sleep(25);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Stops probing; the requests' times in milliseconds, sorted. */
    List<Long> finish() throws InterruptedException {
      running = false;
      join(60_000);
      return times.stream().sorted().toList();
    }
  }
}
