package dev.runboard.webhooks;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.runboard.webhooks.TestRuns.attempt;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(90)
@DisplayName("Two clustered nodes on one database: each webhook delivery is sent by exactly one node, retries too")
class WebhookClusterIT {

  private static final int RUNS = 6;

  private static Runboard nodeA;
  private static Runboard nodeB;
  private static DatabaseUrl db;
  private static TestRuns onA;
  private static TestRuns onB;
  private static Receiver receiver;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    String cluster = "runboard-webhooks-" + UUID.randomUUID().toString().substring(0, 8);
    AppConfig a = TestDatabase.config(new JsonObject()
      .put(AppConfig.CLUSTER_ENABLED, true).put(AppConfig.CLUSTER_NAME, cluster)
      .put(AppConfig.CLUSTER_HOST, "127.0.0.1").put(AppConfig.CLUSTER_PORT, 5831)
      .put(AppConfig.CLUSTER_MEMBERS, "127.0.0.1:5831,127.0.0.1:5832")
      .put(AppConfig.WEBHOOKS_ALLOW_PRIVATE, true).put(AppConfig.WEBHOOKS_POLL_INTERVAL, "50ms")
      .put(AppConfig.WEBHOOKS_RETRY_DELAY, "300ms").put(AppConfig.WEBHOOKS_SCAN_INTERVAL, "200ms"));
    nodeA = Runboard.start(a);
    nodeB = Runboard.start(AppConfig.of(a.json().copy().put(AppConfig.CLUSTER_PORT, 5832)
      .put(AppConfig.HTTP_PORT, 0)));
    db = DatabaseUrl.parse(a.dbUrl());
    String reporter = TestUsers.apiKey(db, "reporter");
    String admin = TestUsers.apiKey(db, "administrator");
    onA = new TestRuns(vertx, nodeA.port(), reporter, admin);
    onB = new TestRuns(vertx, nodeB.port(), reporter, admin);
    receiver = Receiver.start(vertx);
  }

  @AfterAll
  static void stop() {
    onA.close();
    onB.close();
    receiver.close();
    if (nodeB != null) {
      nodeB.stop();
    }
    if (nodeA != null) {
      nodeA.stop();
    }
  }

  @Test
  @DisplayName("six runs ending at once on both nodes: one request per delivery, two for those failing once")
  void exactlyOnce() throws Exception {
    JsonObject first = onA.start("cluster-hooks", "main");
    onA.finish(first, "passed");
    long projectId = first.getLong("projectId");
    JsonObject ok = onA.createWebhook(projectId, new JsonObject().put("url", receiver.url("/ok-cluster"))
      .put("events", new JsonArray().add("run.finished")));
    JsonObject flaky = onB.createWebhook(projectId, new JsonObject().put("url", receiver.url("/flaky1-cluster"))
      .put("events", new JsonArray().add("run.failed")));

    List<JsonObject> runs = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      TestRuns node = i % 2 == 0 ? onA : onB;
      JsonObject run = node.start("cluster-hooks", "main");
      node.events(run, attempt("t" + i, 0, "failed"));
      runs.add(run);
    }
    // All finish at once, half through each node: every node hears every ending and races to decide it.
    List<Future<?>> finishes = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      TestRuns node = i % 2 == 0 ? onB : onA;
      finishes.add(node.finishing(runs.get(i), "failed"));
    }
    Future.all(finishes).await();
    assertThat(finishes).allSatisfy(f -> assertThat(((io.vertx.ext.web.client.HttpResponse<?>) f.result())
      .statusCode()).isEqualTo(200));

    Receiver.await(() -> receiver.to("/ok-cluster").size() >= RUNS && receiver.to("/flaky1-cluster").size() >= 2 * RUNS,
      20_000, "every delivery");
    Thread.sleep(1_500);
    List<Receiver.Request> okRequests = receiver.to("/ok-cluster");
    assertThat(okRequests).as("one request per run ending").hasSize(RUNS);
    assertThat(okRequests.stream().map(r -> r.json().getJsonObject("run").getLong("id")).collect(Collectors.toSet()))
      .containsExactlyInAnyOrderElementsOf(runs.stream().map(r -> r.getLong("runId")).toList());
    assertThat(okRequests).allSatisfy(r -> assertThat(r.signedWith(ok.getString("secret"))).isTrue());
    Map<String, Long> attemptsPerDelivery = receiver.to("/flaky1-cluster").stream()
      .collect(Collectors.groupingBy(r -> r.header("X-Runboard-Delivery"), Collectors.counting()));
    assertThat(attemptsPerDelivery).as("a failed attempt, then one retry, by one node").hasSize(RUNS)
      .allSatisfy((delivery, count) -> assertThat(count).isEqualTo(2L));
    assertThat(receiver.to("/flaky1-cluster")).allSatisfy(r -> assertThat(r.signedWith(flaky.getString("secret")))
      .isTrue());

    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'delivered'), sum(attempts) "
           + "FROM webhook_deliveries")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2 * RUNS);
      assertThat(rs.getInt(2)).isEqualTo(2 * RUNS);
      assertThat(rs.getInt(3)).isEqualTo(RUNS + 2 * RUNS);
    }
  }
}
