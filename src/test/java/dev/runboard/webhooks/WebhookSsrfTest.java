package dev.runboard.webhooks;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import static dev.runboard.webhooks.TestRuns.attempt;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(60)
@DisplayName("With webhooks.allowPrivate off, webhooks never reach loopback, private or link-local addresses")
class WebhookSsrfTest {

  private static Runboard node;
  private static DatabaseUrl db;
  private static TestRuns api;
  private static Receiver receiver;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()
      .put(AppConfig.WEBHOOKS_RETRY_DELAY, "100ms").put(AppConfig.WEBHOOKS_POLL_INTERVAL, "100ms")
      .put(AppConfig.WEBHOOKS_TIMEOUT, "2s")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    api = new TestRuns(vertx, node.port(), TestUsers.apiKey(db, "reporter"), TestUsers.apiKey(db, "administrator"));
    receiver = Receiver.start(vertx);
  }

  @AfterAll
  static void stop() {
    api.close();
    receiver.close();
    node.stop();
  }

  @Test
  @DisplayName("a URL whose host is such an address is refused when the webhook is made, and nothing is stored")
  void refusedOnCreate() {
    JsonObject run = api.start("ssrf-create", null);
    long projectId = run.getLong("projectId");
    for (String url : List.of(receiver.url("/ok"), "http://10.1.2.3/hook", "http://172.20.0.1/hook",
      "http://192.168.0.10:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]:" + receiver.port()
        + "/ok", "http://[fe80::1]/hook", "http://0.0.0.0:" + receiver.port() + "/ok",
      "http://localhost:" + receiver.port() + "/ok")) {
      HttpResponse<Buffer> refused = api.admin("POST", "/api/projects/" + projectId + "/webhooks",
        new JsonObject().put("url", url).put("events", new JsonArray().add("run.finished")));
      assertThat(refused.statusCode()).as(url).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("field")).isEqualTo("url");
      assertThat(refused.bodyAsJsonObject().getString("message")).as(url).contains("webhooks.allowPrivate is off");
    }
    assertThat(api.admin("GET", "/api/projects/" + projectId + "/webhooks", null).bodyAsJsonObject()
      .getJsonArray("webhooks")).isEmpty();
    api.finish(run, "passed");
  }

  @Test
  @DisplayName("a stored URL that resolves to loopback (made while allowed) is refused at sending: no connection, "
    + "the log says why, no retry")
  void refusedOnSend() throws Exception {
    JsonObject run = api.start("ssrf-send", null);
    long projectId = run.getLong("projectId");
    long literal = insertWebhook(projectId, receiver.url("/ok-literal"));
    long name = insertWebhook(projectId, "http://localhost:" + receiver.port() + "/ok-name");
    api.events(run, attempt("works", 0, "passed"));
    api.finish(run, "passed");

    Receiver.await(() -> failed(projectId, literal) && failed(projectId, name), 10_000, "both refused");
    JsonObject byLiteral = api.deliveries(projectId, literal).getJsonObject(0);
    assertThat(byLiteral.getInteger("attempts")).isEqualTo(1);
    assertThat(byLiteral.getInteger("responseCode")).isNull();
    assertThat(byLiteral.getString("error")).isEqualTo("refused: 127.0.0.1 is a loopback address (127.0.0.0/8) "
      + "(webhooks.allowPrivate is off)");
    JsonObject byName = api.deliveries(projectId, name).getJsonObject(0);
    assertThat(byName.getInteger("attempts")).isEqualTo(1);
    assertThat(byName.getString("error")).startsWith("refused: localhost resolves to ")
      .contains("a loopback address");

    JsonObject tested = api.admin("POST", "/api/projects/" + projectId + "/webhooks/" + literal + "/test", null)
      .bodyAsJsonObject();
    assertThat(tested.getString("status")).isEqualTo("failed");
    assertThat(tested.getString("error")).startsWith("refused: 127.0.0.1 is a loopback address");

    Thread.sleep(500);
    assertThat(receiver.total()).as("the receiver was never reached").isZero();
    assertThat(api.deliveries(projectId, literal).getJsonObject(1).getInteger("attempts")).as("not retried")
      .isEqualTo(1);
  }

  private boolean failed(long projectId, long webhookId) {
    JsonArray log = api.deliveries(projectId, webhookId);
    return !log.isEmpty() && "failed".equals(log.getJsonObject(0).getString("status"));
  }

  /** As if made while webhooks.allowPrivate was on. */
  private static long insertWebhook(long projectId, String url) throws Exception {
    try (Connection c = TestDatabase.jdbc(db);
         PreparedStatement s = c.prepareStatement("INSERT INTO webhooks (project_id, url, events, format, secret) "
           + "VALUES (?, ?, '{run.finished}', 'generic', 'ssrf-secret-0123456789') RETURNING id")) {
      s.setLong(1, projectId);
      s.setString(2, url);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
