package dev.runboard.ingest;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
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
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A run's stream token derives from the credentials that started it; runKeys are not shared")
class RunAuthorityTest {

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String admin;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    db = DatabaseUrl.parse(node.config().dbUrl());
    admin = TestUsers.apiKey(db, "administrator");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static HttpResponse<Buffer> start(String key, String runKey) {
    JsonObject body = new JsonObject().put("projectName", "authority");
    if (runKey != null) {
      body.put("runKey", runKey);
    }
    return client.post("/api/test-runs/start").bearerTokenAuthentication(key).sendJsonObject(body).await();
  }

  private static int events(JsonObject started) {
    JsonObject item = new JsonObject().put("title", "t").put("location", "a.spec.ts:1:1").put("retry", 0)
      .put("status", "passed").put("duration", 1);
    return client.post("/api/test-runs/" + started.getLong("runId") + "/events")
      .putHeader("X-Stream-Token", started.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray().add(item))).await().statusCode();
  }

  private static void sql(String statement) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static String prefixOf(String key) {
    return key.substring(0, 10);
  }

  @Test
  @DisplayName("revoking the key, demoting or deleting the account ends the runs' stream tokens (403)")
  void revokedAuthority() throws Exception {
    String revoked = TestUsers.apiKey(db, "reporter");
    JsonObject byRevoked = start(revoked, null).bodyAsJsonObject();
    assertThat(events(byRevoked)).isEqualTo(200);
    sql("UPDATE api_keys SET revoked_at = now() WHERE prefix = '" + prefixOf(revoked) + "'");
    assertThat(events(byRevoked)).isEqualTo(403);
    HttpResponse<Buffer> finish = client.post("/api/test-runs/" + byRevoked.getLong("runId") + "/finish")
      .putHeader("X-Stream-Token", byRevoked.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("status", "passed")).await();
    assertThat(finish.statusCode()).isEqualTo(403);
    assertThat(finish.bodyAsJsonObject().getString("message")).contains("revoked");

    String demoted = TestUsers.apiKey(db, "reporter");
    JsonObject byDemoted = start(demoted, null).bodyAsJsonObject();
    sql("UPDATE users SET role = 'viewer' WHERE id = (SELECT user_id FROM api_keys WHERE prefix = '"
      + prefixOf(demoted) + "')");
    assertThat(events(byDemoted)).isEqualTo(403);

    String deleted = TestUsers.apiKey(db, "reporter");
    JsonObject byDeleted = start(deleted, null).bodyAsJsonObject();
    assertThat(events(byDeleted)).isEqualTo(200);
    sql("DELETE FROM users WHERE id = (SELECT user_id FROM api_keys WHERE prefix = '" + prefixOf(deleted) + "')");
    assertThat(events(byDeleted)).isEqualTo(403);

    // An administrator's password reset revokes the account's keys (it may be compromised).
    String reset = TestUsers.apiKey(db, "reporter");
    JsonObject byReset = start(reset, null).bodyAsJsonObject();
    long userId;
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT user_id FROM api_keys WHERE prefix = '" + prefixOf(reset) + "'")) {
      rs.next();
      userId = rs.getLong(1);
    }
    HttpResponse<Buffer> patched = client.patch("/api/users/" + userId).bearerTokenAuthentication(admin)
      .sendJsonObject(new JsonObject().put("password", "a brand new password")).await();
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    assertThat(client.get("/api/auth/me").bearerTokenAuthentication(reset).send().await().statusCode())
      .isEqualTo(401);
    assertThat(events(byReset)).isEqualTo(403);
  }

  @Test
  @DisplayName("an open live stream ends when the API key it was opened with is revoked")
  void revokedKeyEndsStreams(Vertx vertx) throws Exception {
    String viewer = TestUsers.apiKey(db, "viewer");
    long keyId;
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT id FROM api_keys WHERE prefix = '" + prefixOf(viewer) + "'")) {
      rs.next();
      keyId = rs.getLong(1);
    }
    io.vertx.core.http.HttpClient http = vertx.createHttpClient();
    try (dev.runboard.SseClient feed = dev.runboard.SseClient.connect(http, node.port(), "/api/stream",
      io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewer))) {
      assertThat(feed.status()).isEqualTo(200);
      assertThat(feed.endsWithin(500)).as("open while the key is valid").isFalse();
      assertThat(client.delete("/api/keys/" + keyId).bearerTokenAuthentication(admin).send().await().statusCode())
        .isEqualTo(204);
      assertThat(feed.endsWithin(10_000)).as("ended once the key was revoked").isTrue();
    } finally {
      http.close();
    }
    assertThat(client.get("/api/stream").bearerTokenAuthentication(viewer).send().await().statusCode())
      .isEqualTo(401);
  }

  @Test
  @DisplayName("a repeated start with another account's runKey is refused; the same account or an administrator resumes")
  void runKeyBelongsToItsAccount() {
    String owner = TestUsers.apiKey(db, "reporter");
    String stranger = TestUsers.apiKey(db, "reporter");
    HttpResponse<Buffer> first = start(owner, "ci-77");
    assertThat(first.statusCode()).isEqualTo(201);
    HttpResponse<Buffer> takeover = start(stranger, "ci-77");
    assertThat(takeover.statusCode()).isEqualTo(403);
    assertThat(takeover.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    assertThat(events(first.bodyAsJsonObject())).as("the owner's token still works").isEqualTo(200);

    HttpResponse<Buffer> again = start(owner, "ci-77");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getLong("runId")).isEqualTo(first.bodyAsJsonObject().getLong("runId"));
    HttpResponse<Buffer> byAdmin = start(admin, "ci-77");
    assertThat(byAdmin.statusCode()).isEqualTo(200);
    assertThat(events(byAdmin.bodyAsJsonObject())).isEqualTo(200);
    assertThat(events(again.bodyAsJsonObject())).as("the previous token stops working").isEqualTo(403);
  }
}
