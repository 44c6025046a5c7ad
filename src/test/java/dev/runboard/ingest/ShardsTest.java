package dev.runboard.ingest;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("The shards of one CI build stream into one run, each with its own token; the run ends with the last")
class ShardsTest {

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporter;
  private static String viewer;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.RUNS_IDLE_TIMEOUT, "2s")
      .put(AppConfig.RUNS_SWEEP_INTERVAL, "200ms")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    viewer = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static Future<HttpResponse<Buffer>> startShard(String project, String build, int current, int total,
                                                         int expected) {
    return client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
      .sendJsonObject(new JsonObject().put("projectName", project).put("buildId", build).put("expectedTests", expected)
        .put("shard", new JsonObject().put("current", current).put("total", total)));
  }

  private static JsonObject attempt(String title, int retry, String status) {
    return new JsonObject().put("title", title).put("titlePath", new JsonArray().add("s").add(title))
      .put("location", "tests/a.spec.ts:3:5").put("retry", retry).put("status", status).put("duration", 10);
  }

  private static HttpResponse<Buffer> events(long runId, String token, JsonObject... items) {
    return client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(List.of((Object[]) items)))).await();
  }

  private static HttpResponse<Buffer> finish(long runId, String token, String status) {
    return client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("status", status)).await();
  }

  private static long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @DisplayName("four shards started at once make one run; counters, expected tests and status combine; one run-finished")
  void fourShards() throws Exception {
    List<Future<HttpResponse<Buffer>>> starts = new ArrayList<>();
    for (int shard = 1; shard <= 4; shard++) {
      starts.add(startShard("sharded", "gh-1-1", shard, 4, 2));
    }
    Future.all(starts).await();
    List<JsonObject> shards = starts.stream().map(f -> f.result().bodyAsJsonObject()).toList();
    assertThat(starts.stream().map(f -> f.result().statusCode()).sorted().toList()).containsExactly(200, 200, 200, 201);
    long runId = shards.get(0).getLong("runId");
    assertThat(shards).allSatisfy(s -> assertThat(s.getLong("runId")).isEqualTo(runId));
    assertThat(shards.stream().map(s -> s.getString("streamToken")).distinct()).hasSize(4);
    assertThat(shards.get(2).getJsonObject("shard")).isEqualTo(new JsonObject().put("current", 3).put("total", 4));

    // Each shard sends its tests with its own token; one test appears in two shards (a duplicate).
    for (int i = 0; i < 4; i++) {
      String token = shards.get(i).getString("streamToken");
      HttpResponse<Buffer> sent = events(runId, token, attempt("t" + i, 0, i == 3 ? "failed" : "passed"),
        attempt("shared", 0, "passed"));
      assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
    }
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isEqualTo(5);

    // A shard's token is its own: finishing shard 1 twice changes nothing; the run runs until all four finished.
    assertThat(finish(runId, shards.get(0).getString("streamToken"), "passed").bodyAsJsonObject()
      .getString("status")).isEqualTo("running");
    assertThat(finish(runId, shards.get(0).getString("streamToken"), "failed").statusCode()).isEqualTo(200);
    assertThat(events(runId, shards.get(0).getString("streamToken"), attempt("late", 0, "passed")).statusCode())
      .as("a finished shard takes no more results").isEqualTo(409);
    assertThat(events(runId, shards.get(1).getString("streamToken"), attempt("late", 0, "passed")).statusCode())
      .as("the other shards still do").isEqualTo(200);
    assertThat(finish(runId, shards.get(1).getString("streamToken"), "failed").statusCode()).isEqualTo(200);
    assertThat(finish(runId, shards.get(2).getString("streamToken"), "passed").statusCode()).isEqualTo(200);
    JsonObject ended = finish(runId, shards.get(3).getString("streamToken"), "timedout").bodyAsJsonObject();
    assertThat(ended.getString("status")).as("the worst shard status").isEqualTo("timedout");
    assertThat(ended.getJsonObject("counters")).isEqualTo(new JsonObject().put("total", 6).put("passed", 5)
      .put("failed", 1).put("timedOut", 0).put("skipped", 0).put("interrupted", 0).put("flaky", 0).put("attempts", 6)
      .put("expectedTests", 8));
    JsonObject summaryShards = ended.getJsonObject("shards");
    assertThat(summaryShards.getInteger("total")).isEqualTo(4);
    assertThat(summaryShards.getJsonArray("missing")).isEmpty();
    JsonArray list = summaryShards.getJsonArray("list");
    assertThat(list.stream().map(s -> ((JsonObject) s).getString("status")))
      .containsExactly("passed", "failed", "passed", "timedout");
    assertThat(list.getJsonObject(1).getJsonObject("counters").getInteger("total"))
      .as("shard 2's own results (t1, its duplicate of shared, and late)").isEqualTo(2);
    assertThat(list.getJsonObject(0).getJsonObject("counters").getInteger("expectedTests")).isEqualTo(2);

    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + runId + " AND type = 'run-finished'"))
      .isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + runId + " AND type = 'shard-started'"))
      .isEqualTo(4);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + runId + " AND type = 'shard-finished'"))
      .isEqualTo(4);
    assertThat(scalar("SELECT count(*) FROM (SELECT seq FROM run_events WHERE run_id = " + runId
      + " UNION ALL SELECT seq FROM attempts WHERE run_id = " + runId + ") l")).as("seqs without gaps")
      .isEqualTo(scalar("SELECT last_seq FROM runs WHERE id = " + runId));
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND metadata -> 'shards' ? '4'"))
      .isEqualTo(1);

    HttpResponse<Buffer> read = client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewer).send().await();
    assertThat(read.bodyAsJsonObject().getJsonObject("shards").getJsonArray("list")).hasSize(4);
    assertThat(startShard("sharded", "gh-1-1", 2, 4, 2).await().statusCode()).as("the build has ended")
      .isEqualTo(409);
  }

  @Test
  @DisplayName("start rules: shard needs buildId, totals must agree, a running shard resumes, a finished one is 409")
  void startRules() {
    HttpResponse<Buffer> noBuild = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
      .sendJsonObject(new JsonObject().put("projectName", "rules")
        .put("shard", new JsonObject().put("current", 1).put("total", 2))).await();
    assertThat(noBuild.statusCode()).isEqualTo(400);
    assertThat(noBuild.bodyAsJsonObject().getString("field")).isEqualTo("buildId");
    HttpResponse<Buffer> beyond = startShard("rules", "b-1", 3, 2, 1).await();
    assertThat(beyond.statusCode()).isEqualTo(400);
    assertThat(beyond.bodyAsJsonObject().getString("field")).isEqualTo("shard.current");

    JsonObject first = startShard("rules", "b-1", 1, 2, 1).await().bodyAsJsonObject();
    long runId = first.getLong("runId");
    assertThat(startShard("rules", "b-1", 2, 3, 1).await().statusCode()).as("another total").isEqualTo(409);
    HttpResponse<Buffer> again = startShard("rules", "b-1", 1, 2, 1).await();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getLong("runId")).isEqualTo(runId);
    assertThat(events(runId, first.getString("streamToken"), attempt("x", 0, "passed")).statusCode())
      .as("the previous token of the shard stops working").isEqualTo(403);
    String token = again.bodyAsJsonObject().getString("streamToken");
    assertThat(events(runId, token, attempt("x", 0, "passed")).statusCode()).isEqualTo(200);
    assertThat(finish(runId, token, "passed").statusCode()).isEqualTo(200);
    assertThat(startShard("rules", "b-1", 1, 2, 1).await().statusCode()).as("a finished shard").isEqualTo(409);

    // A buildId without shard is a one-shard build.
    HttpResponse<Buffer> single = client.post("/api/test-runs/start").bearerTokenAuthentication(reporter)
      .sendJsonObject(new JsonObject().put("projectName", "rules").put("buildId", "b-2")).await();
    assertThat(single.statusCode()).isEqualTo(201);
    assertThat(single.bodyAsJsonObject().getJsonObject("shard")).isEqualTo(new JsonObject().put("current", 1)
      .put("total", 1));
  }

  @Test
  @DisplayName("a build whose shards go silent is interrupted after the idle timeout, listing its missing shards")
  void silentShards() throws Exception {
    JsonObject one = startShard("silent", "b-9", 1, 3, 1).await().bodyAsJsonObject();
    long runId = one.getLong("runId");
    assertThat(events(runId, one.getString("streamToken"), attempt("kept", 0, "passed")).statusCode()).isEqualTo(200);
    long deadline = System.currentTimeMillis() + 20_000;
    while (scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND status = 'interrupted'") == 0) {
      assertThat(System.currentTimeMillis()).as("interrupted in time").isLessThan(deadline);
      Thread.sleep(100);
    }
    JsonObject run = client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewer).send().await()
      .bodyAsJsonObject();
    assertThat(run.getJsonObject("shards").getJsonArray("missing")).containsExactly(2, 3);
    assertThat(run.getJsonObject("shards").getJsonArray("list").getJsonObject(0).getString("status"))
      .isEqualTo("interrupted");
    assertThat(run.getJsonObject("counters").getInteger("total")).as("what the shard sent is kept").isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + runId + " AND type = 'run-finished'"))
      .isEqualTo(1);
  }
}
