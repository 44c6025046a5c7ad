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
@DisplayName("Live streams are bounded: a connection cap, slow clients cut off, streams closed on shutdown")
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
      ConnectionCount count = ConnectionCount.of(node.vertx());

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
}
