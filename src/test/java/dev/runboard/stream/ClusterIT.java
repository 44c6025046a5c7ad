package dev.runboard.stream;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Two clustered nodes on one database: events cross nodes, replay works on either, sweeps act once")
class ClusterIT {

  private static Runboard nodeA;
  private static Runboard nodeB;
  private static DatabaseUrl db;
  private static String reporterKey;
  private static String viewerKey;
  private static WebClient clientA;
  private static HttpClient http;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    String cluster = "runboard-test-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject clustered = new JsonObject()
      .put(AppConfig.CLUSTER_ENABLED, true).put(AppConfig.CLUSTER_NAME, cluster)
      .put(AppConfig.CLUSTER_HOST, "127.0.0.1").put(AppConfig.CLUSTER_PORT, 5811)
      .put(AppConfig.CLUSTER_MEMBERS, "127.0.0.1:5811,127.0.0.1:5812")
      .put(AppConfig.RUNS_IDLE_TIMEOUT, "3s").put(AppConfig.RUNS_SWEEP_INTERVAL, "100ms");
    AppConfig a = TestDatabase.config(clustered);
    nodeA = Runboard.start(a);
    nodeB = Runboard.start(AppConfig.of(a.json().copy().put(AppConfig.CLUSTER_PORT, 5812)
      .put(AppConfig.HTTP_PORT, 0)));
    db = DatabaseUrl.parse(a.dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    viewerKey = TestUsers.apiKey(db, "viewer");
    clientA = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(nodeA.port()));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterAll
  static void stop() {
    if (nodeB != null) {
      nodeB.stop();
    }
    if (nodeA != null) {
      nodeA.stop();
    }
  }

  private static JsonObject startRun(String project) {
    return clientA.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", project)).await().bodyAsJsonObject();
  }

  private static void send(long runId, String token, int batch) {
    JsonArray items = new JsonArray();
    for (int i = 0; i < 3; i++) {
      items.add(new JsonObject().put("title", "b" + batch + "-t" + i).put("location", "c.spec.ts:1:1").put("retry", 0)
        .put("status", i == 0 ? "failed" : "passed").put("duration", 7));
    }
    assertThat(clientA.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", items)).await().statusCode()).isEqualTo(200);
  }

  private static SseClient watch(Runboard node, long runId, String lastEventId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewerKey);
    if (lastEventId != null) {
      headers.add("Last-Event-ID", lastEventId);
    }
    return SseClient.connect(http, node.port(), "/api/test-runs/" + runId + "/stream", headers);
  }

  @Test
  @DisplayName("four shards of one build, started at once on both nodes, make one run that ends once")
  void shardsAcrossNodes(Vertx vertx) throws Exception {
    WebClient clientB = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(nodeB.port()));
    List<io.vertx.core.Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>> starts =
      new ArrayList<>();
    for (int shard = 1; shard <= 4; shard++) {
      WebClient client = shard % 2 == 0 ? clientB : clientA;
      starts.add(client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
        .sendJsonObject(new JsonObject().put("projectName", "clustered-shards").put("buildId", "cluster-build")
          .put("expectedTests", 3).put("shard", new JsonObject().put("current", shard).put("total", 4))));
    }
    io.vertx.core.Future.all(starts).await();
    List<JsonObject> shards = starts.stream().map(f -> f.result().bodyAsJsonObject()).toList();
    long runId = shards.get(0).getLong("runId");
    assertThat(shards).allSatisfy(s -> assertThat(s.getLong("runId")).isEqualTo(runId));
    try (SseClient onB = watch(nodeB, runId, null)) {
      assertThat(onB.next().type()).isEqualTo("init");
      for (int shard = 1; shard <= 4; shard++) {
        WebClient client = shard % 2 == 0 ? clientB : clientA;
        JsonArray items = new JsonArray();
        for (int i = 0; i < 3; i++) {
          items.add(new JsonObject().put("title", "s" + shard + "-t" + i).put("location", "c.spec.ts:1:1")
            .put("retry", 0).put("status", "passed").put("duration", 7));
        }
        String token = shards.get(shard - 1).getString("streamToken");
        assertThat(client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
          .sendJsonObject(new JsonObject().put("testCases", items)).await().statusCode()).isEqualTo(200);
        assertThat(client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
          .sendJsonObject(new JsonObject().put("status", "passed")).await().statusCode()).isEqualTo(200);
      }
      int completed = 0;
      int finished = 0;
      SseClient.Event event;
      while ((event = onB.poll(15_000)) != null) {
        if (event.type().equals("test-completed")) {
          completed++;
        } else if (event.type().equals("run-finished")) {
          finished++;
          assertThat(event.json().getJsonObject("run").getJsonObject("counters").getInteger("total")).isEqualTo(12);
          assertThat(event.json().getJsonObject("run").getJsonObject("counters").getInteger("expectedTests"))
            .isEqualTo(12);
          break;
        }
      }
      assertThat(completed).as("every shard's results, seen on node B").isEqualTo(12);
      assertThat(finished).isEqualTo(1);
    } finally {
      clientB.close();
    }
    try (Connection c = TestDatabase.jdbc(db);
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM runs WHERE build_id = 'cluster-build'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a run fed through node A is watched from node B in order; a reconnect to A misses nothing")
  void crossNodeDelivery() throws Exception {
    JsonObject run = startRun("clustered");
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");
    List<String> ids = new ArrayList<>();
    try (SseClient onB = watch(nodeB, runId, null)) {
      assertThat(onB.next().type()).isEqualTo("init");
      for (int batch = 0; batch < 5; batch++) {
        send(runId, token, batch);
      }
      // 5 batches × (3 results + 1 progress) = seqs 1..20
      for (int i = 0; i < 12; i++) {
        ids.add(onB.next().id());
      }
    }
    // Node B's connection is gone; batches keep coming in through A; the client resumes on A.
    send(runId, token, 5);
    clientA.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("status", "failed")).await();
    try (SseClient onA = watch(nodeA, runId, ids.get(ids.size() - 1))) {
      SseClient.Event event;
      do {
        event = onA.next();
        ids.add(event.id());
      } while (!event.type().equals("run-finished"));
      assertThat(onA.endsWithin(5_000)).isTrue();
    }
    List<String> expected = new ArrayList<>();
    for (int seq = 1; seq <= 25; seq++) {
      expected.add(Long.toString(seq));
    }
    assertThat(ids).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("with two nodes sweeping, an idle run is interrupted exactly once, and B's viewers hear it")
  void sweepOnce() throws Exception {
    JsonObject run = startRun("swept");
    long runId = run.getLong("runId");
    try (SseClient onB = watch(nodeB, runId, null)) {
      assertThat(onB.next().type()).isEqualTo("init");
      SseClient.Event finished = onB.next();
      assertThat(finished.type()).isEqualTo("run-finished");
      assertThat(finished.json().getJsonObject("run").getString("status")).isEqualTo("interrupted");
    }
    Thread.sleep(500);
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*), max(seq) FROM run_events WHERE run_id = " + runId
           + " AND type = 'run-finished'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
      assertThat(rs.getInt(2)).isEqualTo(1);
    }
  }
}
