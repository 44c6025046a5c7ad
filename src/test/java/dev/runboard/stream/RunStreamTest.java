package dev.runboard.stream;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.model.FileLinks;
import dev.runboard.store.EventLog;
import dev.runboard.store.Pools;
import dev.runboard.store.Stores;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A run stream bounds the live batches it keeps while it writes from the store")
class RunStreamTest {

  private static final FileLinks LINKS = file -> file;

  @Test
  @DisplayName("live batches past the bound during init are dropped and read back from the store: init, then every "
    + "later event once, in order")
  void overflowDuringInit(Vertx vertx) throws Exception {
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject()));
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      String reporter = TestUsers.apiKey(db, "reporter");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.port()));
      JsonObject run = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
        .sendJsonObject(new JsonObject().put("projectName", "overflow")).await().bodyAsJsonObject();
      long runId = run.getLong("runId");
      // Three batches of 100 results: seqs 1..101, 102..202, 203..303.
      for (int batch = 0; batch < 3; batch++) {
        JsonArray items = new JsonArray();
        for (int i = 0; i < 100; i++) {
          items.add(new JsonObject().put("title", "b" + batch + "t" + i).put("location", "o.spec.ts:1:1")
            .put("retry", 0).put("status", "passed").put("duration", 1));
        }
        client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", run.getString("streamToken"))
          .sendJsonObject(new JsonObject().put("testCases", items)).await();
      }

      Pool pool = Pools.single(vertx, node.config());
      EventLog log = Stores.load(vertx, pool).await().eventLog();
      AtomicInteger pendingAfterOffers = new AtomicInteger(-1);
      Router router = Router.router(vertx);
      router.get("/stream").handler(ctx -> {
        SseConnection connection = SseConnection.open(ctx, 1 << 20, 5_000, () -> { });
        ReadGate reads = ReadGate.of(vertx, 1);
        // Live batches may hold 16 KiB: the 202 events after the snapshot take about 60 KiB.
        RunStream stream = new RunStream(runId, log, LINKS, connection,
          new InitPages(log, reads, RunStream.INIT_PAGE, 1 << 20), reads, 16 * 1024);
        log.head(runId).compose(head -> log.eventsAfter(runId, 101, 1_000).compose(later -> {
          // As if the snapshot was taken at seq 101 and the later batches arrived, one event each, before init was
          // written.
          for (var event : later) {
            stream.offer(Batch.of(List.of(event), LINKS));
          }
          pendingAfterOffers.set(stream.pending());
          return stream.startWithSnapshot(new EventLog.Head(head.run(), 101));
        }));
      });
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      try (SseClient sse = SseClient.connect(http, server.actualPort(), "/stream",
        MultiMap.caseInsensitiveMultiMap())) {
        SseClient.Event init = sse.next();
        assertThat(init.type()).isEqualTo("init");
        assertThat(init.json().getLong("seq")).isEqualTo(101);
        assertThat(init.json().getJsonArray("results")).hasSize(100);
        assertThat(pendingAfterOffers.get()).as("live batches kept when the bound was passed").isLessThan(202);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 202; i++) {
          ids.add(sse.next().id());
        }
        List<String> expected = new ArrayList<>();
        for (long seq = 102; seq <= 303; seq++) {
          expected.add(Long.toString(seq));
        }
        assertThat(ids).containsExactlyElementsOf(expected);
        assertThat(sse.poll(500)).as("nothing twice").isNull();
      }
      server.close().await();
      pool.close().await();
    } finally {
      node.stop();
    }
  }
}
