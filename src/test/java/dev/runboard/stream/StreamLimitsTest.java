package dev.runboard.stream;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Live streams are bounded: a connection cap, a cap per user, slow clients cut off, streams closed on "
  + "shutdown or by principal")
class StreamLimitsTest {

  @Test
  @DisplayName("past sse.maxConnections a stream gets 503; a client that does not read is disconnected; "
    + "a stopping node ends open streams")
  void limits(Vertx vertx) throws Exception {
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put("sse.maxConnections", 3)
      .put("sse.maxQueuedBytes", "1KiB").put("http.shutdownTimeout", "10s")
      .put("sse.pingInterval", "300ms").put("http.idleTimeout", "2s")));
    boolean stopped = false;
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporter = TestUsers.apiKey(db, "reporter");
      String viewer = TestUsers.apiKey(db, "viewer");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      JsonObject run = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "limits")).await().bodyAsJsonObject();
      long runId = run.getLong("runId");
      String path = "/api/test-runs/" + runId + "/stream";
      MultiMap auth = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewer);
      OpenStreams count = OpenStreams.of(node.vertx());

      // A client that sends its request and then never reads.
      NetSocket slow = vertx.createNetClient(new NetClientOptions().setReceiveBufferSize(4096))
        .connect(node.port(), "127.0.0.1").await();
      slow.pause();
      slow.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + viewer + "\r\n\r\n");
      List<SseClient> readers = new ArrayList<>();
      readers.add(SseClient.connect(http, node.port(), path, auth));
      readers.add(SseClient.connect(http, node.port(), path, auth));
      assertThat(readers.get(1).next().type()).isEqualTo("init");
      assertThat(count.open()).isEqualTo(3);
      try (SseClient refused = SseClient.connect(http, node.port(), path, auth)) {
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("5");
      }

      String error = "x".repeat(20_000);
      for (int batch = 0; batch < 400 && count.open() == 3; batch++) {
        JsonArray items = new JsonArray();
        for (int i = 0; i < 10; i++) {
          items.add(new JsonObject().put("title", "b" + batch + "t" + i).put("location", "l.spec.ts:1:1")
            .put("retry", 0).put("status", "failed").put("duration", 1).put("error", error));
        }
        client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", run.getString("streamToken"))
          .sendJsonObject(new JsonObject().put("testCases", items)).await();
        for (SseClient reader : readers) {
          while (reader.poll(0) != null) {
            // keep the reading clients drained
          }
        }
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (count.open() > 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(count.open()).as("the client that never reads was disconnected").isEqualTo(2);

      long start = System.currentTimeMillis();
      node.stop();
      stopped = true;
      for (SseClient reader : readers) {
        assertThat(reader.endsWithin(5_000)).as("open streams end when the node stops").isTrue();
      }
      assertThat(System.currentTimeMillis() - start).as("without waiting for the shutdown timeout")
        .isLessThan(8_000);
      slow.close();
    } finally {
      if (!stopped) {
        node.stop();
      }
    }
  }

  @Test
  @DisplayName("past sse.maxStreamsPerUser open streams (run and global together) a user gets 429 with Retry-After; "
    + "other users, and anonymous readers per address, have budgets of their own; a closed stream frees its place")
  void perUserLimit(Vertx vertx) throws Exception {
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put("sse.maxStreamsPerUser", 2)
      .put("auth.anonymousRead", true)));
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporter = TestUsers.apiKey(db, "reporter");
      String alice = TestUsers.apiKey(db, "viewer");
      String bob = TestUsers.apiKey(db, "viewer");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      long runId = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "per-user")).await().bodyAsJsonObject().getLong("runId");
      String path = "/api/test-runs/" + runId + "/stream";
      OpenStreams open = OpenStreams.of(node.vertx());

      SseClient first = SseClient.connect(http, node.port(), path, bearer(alice));
      assertThat(first.next().type()).isEqualTo("init");
      try (SseClient second = SseClient.connect(http, node.port(), "/api/stream", bearer(alice))) {
        assertThat(second.status()).isEqualTo(200);
        for (String over : List.of(path, "/api/stream")) {
          HttpResponse<Buffer> refused = client.get(over).bearerTokenAuthentication(alice).send().await();
          assertThat(refused.statusCode()).isEqualTo(429);
          assertThat(refused.getHeader("Retry-After")).isEqualTo("5");
          assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("too_many_requests");
        }
        assertThat(client.get("/api/test-runs/987654/stream").bearerTokenAuthentication(alice).send().await()
          .statusCode()).as("the limit comes before the run is looked up").isEqualTo(429);
        try (SseClient other = SseClient.connect(http, node.port(), path, bearer(bob))) {
          assertThat(other.status()).as("another user has a budget of its own").isEqualTo(200);
          assertThat(client.get("/api/test-runs/987654/stream").bearerTokenAuthentication(bob).send().await()
            .statusCode()).as("a 404 gives its place back").isEqualTo(404);
          try (SseClient again = SseClient.connect(http, node.port(), path, bearer(bob))) {
            assertThat(again.status()).isEqualTo(200);
          }
        }
      }
      waitFor(() -> open.open("user:" + userId(client, alice)) == 1);
      try (SseClient third = SseClient.connect(http, node.port(), path, bearer(alice))) {
        assertThat(third.status()).as("a closed stream frees its place").isEqualTo(200);
      }
      first.close();

      MultiMap anonymous = MultiMap.caseInsensitiveMultiMap();
      try (SseClient a = SseClient.connect(http, node.port(), path, anonymous);
           SseClient b = SseClient.connect(http, node.port(), "/api/stream", anonymous)) {
        assertThat(a.status()).isEqualTo(200);
        assertThat(b.status()).isEqualTo(200);
        HttpResponse<Buffer> refused = client.get(path).send().await();
        assertThat(refused.statusCode()).as("anonymous readers share their address's budget").isEqualTo(429);
        try (SseClient signedIn = SseClient.connect(http, node.port(), path, bearer(bob))) {
          assertThat(signedIn.status()).isEqualTo(200);
        }
      }
    } finally {
      node.stop();
    }
  }

  @Test
  @DisplayName("the streams of a key or of a user can be ended; the others go on")
  void closeByPrincipal(Vertx vertx) throws Exception {
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put("sse.pingInterval", "200ms")));
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporter = TestUsers.apiKey(db, "reporter");
      String alice = TestUsers.apiKey(db, "viewer");
      String bob = TestUsers.apiKey(db, "viewer");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      long runId = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "close")).await().bodyAsJsonObject().getLong("runId");
      String path = "/api/test-runs/" + runId + "/stream";
      JsonObject aliceMe = client.get("/api/auth/me").bearerTokenAuthentication(alice).send().await()
        .bodyAsJsonObject();
      long bobId = userId(client, bob);

      try (SseClient aliceRun = SseClient.connect(http, node.port(), path, bearer(alice));
           SseClient aliceFeed = SseClient.connect(http, node.port(), "/api/stream", bearer(alice));
           SseClient bobRun = SseClient.connect(http, node.port(), path, bearer(bob))) {
        assertThat(aliceRun.next().type()).isEqualTo("init");
        assertThat(bobRun.next().type()).isEqualTo("init");
        assertThat(aliceFeed.status()).isEqualTo(200);

        long keyId = aliceMe.getLong("apiKeyId");
        assertThat(StreamRoutes.closeStreams(node.vertx(), p -> Long.valueOf(keyId).equals(p.apiKeyId())))
          .isEqualTo(2);
        assertThat(aliceRun.endsWithin(5_000)).as("the key's run stream ended").isTrue();
        assertThat(aliceFeed.endsWithin(5_000)).as("the key's global stream ended").isTrue();
        assertThat(bobRun.endsWithin(500)).as("another user's stream goes on").isFalse();

        assertThat(StreamRoutes.closeStreams(node.vertx(), p -> !p.anonymous() && p.userId() == bobId))
          .isEqualTo(1);
        assertThat(bobRun.endsWithin(5_000)).isTrue();
      }
      waitFor(() -> OpenStreams.of(node.vertx()).open() == 0);
    } finally {
      node.stop();
    }
  }

  private static MultiMap bearer(String key) {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + key);
  }

  private static long userId(WebClient client, String key) {
    return client.get("/api/auth/me").bearerTokenAuthentication(key).send().await().bodyAsJsonObject().getLong("id");
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
  }
}
