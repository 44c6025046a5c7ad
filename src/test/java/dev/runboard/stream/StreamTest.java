package dev.runboard.stream;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Live streams: init, ordered ids, gap-free replay, heartbeats, end after run-finished")
class StreamTest {

  private static Runboard node;
  private static WebClient client;
  private static HttpClient http;
  private static String reporterKey;
  private static String viewerKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject().put("sse.pingInterval", "300ms")
      .put("sse.maxStreamsPerUser", 2_000)));
    DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    viewerKey = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
      new PoolOptions().setHttp1MaxSize(2_000));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private record Run(long id, long projectId, String token) {
  }

  private static Run startRun(String project) {
    JsonObject body = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", project)).await().bodyAsJsonObject();
    return new Run(body.getLong("runId"), body.getLong("projectId"), body.getString("streamToken"));
  }

  private static JsonObject complete(String title, int retry, String status) {
    return new JsonObject().put("title", title).put("location", "tests/s.spec.ts:1:1").put("retry", retry)
      .put("status", status).put("duration", 5);
  }

  private static HttpResponse<Buffer> send(Run run, JsonObject... items) {
    return client.post("/api/test-runs/" + run.id() + "/events").putHeader("X-Stream-Token", run.token())
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(List.of((Object[]) items)))).await();
  }

  private static void finish(Run run, String status) {
    client.post("/api/test-runs/" + run.id() + "/finish").putHeader("X-Stream-Token", run.token())
      .sendJsonObject(new JsonObject().put("status", status)).await();
  }

  private static SseClient watch(Run run, String lastEventId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewerKey);
    if (lastEventId != null) {
      headers.add("Last-Event-ID", lastEventId);
    }
    return SseClient.connect(http, node.port(), "/api/test-runs/" + run.id() + "/stream", headers);
  }

  // ----- tests ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("init carries what is stored; live events follow with ids seq+1, seq+2, …; run-finished ends it")
  void initThenLive() throws Exception {
    Run run = startRun("live");
    send(run, complete("a", 0, "passed"), complete("b", 0, "failed"));
    try (SseClient sse = watch(run, null)) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
      assertThat(sse.header("Cache-Control")).isEqualTo("no-cache");
      SseClient.Event init = sse.next();
      assertThat(init.type()).isEqualTo("init");
      assertThat(init.id()).isNull();
      assertThat(sse.retry()).isEqualTo(3000);
      JsonObject snapshot = init.json();
      assertThat(snapshot.getLong("seq")).isEqualTo(3);
      assertThat(snapshot.getJsonArray("results")).hasSize(2);
      assertThat(snapshot.getJsonObject("run").getJsonObject("counters").getInteger("total")).isEqualTo(2);

      send(run, complete("b", 1, "passed"), new JsonObject().put("type", "begin").put("title", "c")
        .put("location", "tests/s.spec.ts:9:1").put("retry", 0));
      // test-begin is live only: it may come before or after the stored events of its batch (if those were
      // caught up from the store first), but the stored ones keep their order.
      List<SseClient.Event> three = List.of(sse.next(), sse.next(), sse.next());
      SseClient.Event begin = three.stream().filter(e -> e.type().equals("test-begin")).findFirst().orElseThrow();
      assertThat(begin.id()).isNull();
      List<SseClient.Event> stored = three.stream().filter(e -> e.id() != null).toList();
      assertThat(stored).extracting(SseClient.Event::id).containsExactly("4", "5");
      SseClient.Event completed = stored.get(0);
      assertThat(completed.type()).isEqualTo("test-completed");
      assertThat(completed.json().getJsonObject("result").getString("title")).isEqualTo("b");
      assertThat(completed.json().getJsonObject("result").getInteger("retry")).isEqualTo(1);
      SseClient.Event progress = stored.get(1);
      assertThat(progress.type()).isEqualTo("run-progress");
      assertThat(progress.json().getJsonObject("counters").getInteger("flaky")).isEqualTo(1);

      // The same result as init would carry it: one wire shape for live and stored results.
      try (SseClient again = watch(run, null)) {
        JsonArray results = again.next().json().getJsonArray("results");
        assertThat(results.getJsonObject(2)).isEqualTo(completed.json().getJsonObject("result"));
      }

      // Replayed from the store, a result is the same event as it was live.
      try (SseClient resumed = watch(run, "3")) {
        SseClient.Event replayed = resumed.next();
        assertThat(replayed.id()).isEqualTo("4");
        assertThat(replayed.json()).isEqualTo(completed.json());
      }

      finish(run, "passed");
      SseClient.Event finished = sse.next();
      assertThat(finished.type()).isEqualTo("run-finished");
      assertThat(finished.id()).isEqualTo("6");
      assertThat(finished.json().getJsonObject("run").getString("status")).isEqualTo("passed");
      assertThat(sse.endsWithin(5_000)).as("the response ends after run-finished").isTrue();
    }
  }

  @Test
  @DisplayName("a reconnect with Last-Event-ID replays exactly the events after it, then goes live")
  void replay() throws Exception {
    Run run = startRun("replay");
    for (int i = 0; i < 5; i++) {
      send(run, complete("t" + i, 0, "passed"));
    }
    // 5 batches: seqs 1..10 (test-completed, run-progress each).
    try (SseClient sse = watch(run, "4")) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        ids.add(sse.next().id());
      }
      assertThat(ids).containsExactly("5", "6", "7", "8", "9", "10");
      send(run, complete("t9", 0, "failed"));
      assertThat(sse.next().id()).isEqualTo("11");
      assertThat(sse.next().id()).isEqualTo("12");
      assertThat(sse.poll(300)).as("nothing twice").isNull();
    }
    try (SseClient sse = watch(run, "garbage")) {
      assertThat(sse.next().type()).as("a malformed id gets a fresh init").isEqualTo("init");
    }
    try (SseClient sse = watch(run, "999")) {
      assertThat(sse.next().json().getLong("seq")).as("an id beyond the last seq gets init").isEqualTo(12);
    }
  }

  @Test
  @DisplayName("a finished run: init then run-finished then end; with Last-Event-ID at or beyond its end, 204")
  void finishedRun() throws Exception {
    Run run = startRun("finished");
    send(run, complete("a", 0, "passed"));
    finish(run, "passed");
    try (SseClient sse = watch(run, null)) {
      SseClient.Event init = sse.next();
      assertThat(init.type()).isEqualTo("init");
      assertThat(init.json().getLong("seq")).isEqualTo(2);
      assertThat(init.json().getJsonArray("results")).hasSize(1);
      SseClient.Event finished = sse.next();
      assertThat(finished.type()).isEqualTo("run-finished");
      assertThat(finished.id()).isEqualTo("3");
      assertThat(sse.endsWithin(5_000)).isTrue();
    }
    try (SseClient sse = watch(run, "3")) {
      assertThat(sse.status()).isEqualTo(204);
    }
    try (SseClient sse = watch(run, "99")) {
      assertThat(sse.status()).as("Last-Event-ID beyond a finished run's last seq").isEqualTo(204);
    }
    try (SseClient sse = watch(run, "1")) {
      assertThat(sse.next().id()).isEqualTo("2");
      assertThat(sse.next().id()).isEqualTo("3");
      assertThat(sse.endsWithin(5_000)).isTrue();
    }
  }

  @Test
  @DisplayName("idle streams get ': ping' comments; streams need credentials; unknown runs are 404")
  void heartbeatAndAccess() throws Exception {
    Run run = startRun("heartbeat");
    try (SseClient sse = watch(run, null)) {
      sse.next();
      Thread.sleep(800);
      assertThat(sse.comments()).contains("ping");
    }
    try (SseClient anonymous = SseClient.connect(http, node.port(), "/api/test-runs/" + run.id() + "/stream",
      MultiMap.caseInsensitiveMultiMap())) {
      assertThat(anonymous.status()).isEqualTo(401);
    }
    try (SseClient unknown = watch(new Run(987_654, 0, ""), null)) {
      assertThat(unknown.status()).isEqualTo(404);
    }
  }

  @Test
  @DisplayName("the global stream carries run-started, coalesced run-progress and run-finished, by project")
  void globalStream() throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewerKey);
    try (SseClient all = SseClient.connect(http, node.port(), "/api/stream", headers)) {
      Run run = startRun("global");
      Run other = startRun("global-other");
      try (SseClient filtered = SseClient.connect(http, node.port(), "/api/stream?projectId=" + run.projectId(),
        headers)) {
        SseClient.Event started = all.next();
        assertThat(started.type()).isEqualTo("run-started");
        assertThat(started.json().getLong("runId")).isEqualTo(run.id());
        assertThat(started.json().getJsonObject("counters")).isNotNull();
        assertThat(all.next().json().getLong("runId")).isEqualTo(other.id());

        for (int i = 0; i < 10; i++) {
          send(run, complete("p" + i, 0, "passed"));
        }
        send(other, complete("x", 0, "passed"));
        finish(run, "passed");
        List<SseClient.Event> events = new ArrayList<>();
        SseClient.Event e;
        while ((e = filtered.poll(2_500)) != null) {
          events.add(e);
          if (e.type().equals("run-finished")) {
            break;
          }
        }
        assertThat(events).allSatisfy(ev -> assertThat(ev.json().getLong("projectId")).isEqualTo(run.projectId()));
        long progress = events.stream().filter(ev -> ev.type().equals("run-progress")).count();
        assertThat(progress).as("coalesced to at most one per second").isBetween(1L, 3L);
        SseClient.Event last = events.get(events.size() - 1);
        assertThat(last.type()).isEqualTo("run-finished");
        assertThat(last.json().getJsonObject("counters").getInteger("total")).isEqualTo(10);
        assertThat(last.id()).isNull();
      }
    }
  }

  @Test
  @DisplayName("1,000 connections opened and dropped leave no connection and no consumer behind")
  void noLeak() throws Exception {
    Run run = startRun("leak");
    OpenStreams count = OpenStreams.of(node.vertx());
    int before = count.open();
    int handlersBefore = handlers(client.get("/metrics").send().await().bodyAsString());
    List<SseClient> clients = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      clients.add(watch(run, null));
    }
    for (SseClient c : clients) {
      assertThat(c.next().type()).isEqualTo("init");
    }
    assertThat(count.open()).isEqualTo(before + 1_000);
    String metrics = client.get("/metrics").send().await().bodyAsString();
    assertThat(handlers(metrics)).as("one consumer per run per HTTP instance, not per connection")
      .isBetween(handlersBefore + 1, handlersBefore + 2);
    Future.all(clients.stream().map(SseClient::closeAsync).toList()).await();
    long deadline = System.currentTimeMillis() + 10_000;
    while (count.open() != before && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(count.open()).isEqualTo(before);
    metrics = client.get("/metrics").send().await().bodyAsString();
    assertThat(handlers(metrics)).isEqualTo(handlersBefore);
  }

  /** Registered bus handlers on the node, from the Prometheus text. */
  private static int handlers(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("vertx_eventbus_handlers"))
      .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
