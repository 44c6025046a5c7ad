package dev.runboard.webhooks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import static org.assertj.core.api.Assertions.assertThat;

/** Blocking calls to a test node: runs as a reporter streams them, and the webhook API as an administrator. */
final class TestRuns implements AutoCloseable {

  private final WebClient client;
  private final String reporterKey;
  private final String adminKey;
  private final int port;

  TestRuns(Vertx vertx, int port, String reporterKey, String adminKey) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
      .setKeepAlive(false));
    this.port = port;
    this.reporterKey = reporterKey;
    this.adminKey = adminKey;
  }

  String origin() {
    return "http://127.0.0.1:" + port;
  }

  /** A started run: {@code runId}, {@code projectId}, {@code streamToken}. */
  JsonObject start(String project, String branch) {
    JsonObject body = new JsonObject().put("projectName", project);
    if (branch != null) {
      body.put("metadata", new JsonObject().put("scm", new JsonObject().put("branch", branch)
        .put("commit", "0123456789abcdef")));
    }
    HttpResponse<Buffer> started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(body).await();
    assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(201);
    return started.bodyAsJsonObject();
  }

  static JsonObject attempt(String title, int retry, String status) {
    return new JsonObject().put("title", title).put("titlePath", new JsonArray().add("suite").add(title))
      .put("location", "tests/shop.spec.ts:3:5").put("retry", retry).put("status", status).put("duration", 12);
  }

  void events(JsonObject run, JsonObject... attempts) {
    HttpResponse<Buffer> sent = client.post("/api/test-runs/" + run.getLong("runId") + "/events")
      .putHeader("X-Stream-Token", run.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray(java.util.List.of((Object[]) attempts))))
      .await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(200);
  }

  void finish(JsonObject run, String status) {
    HttpResponse<Buffer> finished = finishing(run, status).await();
    assertThat(finished.statusCode()).as(finished.bodyAsString()).isEqualTo(200);
  }

  /** The finish request, without waiting for it. */
  Future<HttpResponse<Buffer>> finishing(JsonObject run, String status) {
    return client.post("/api/test-runs/" + run.getLong("runId") + "/finish")
      .putHeader("X-Stream-Token", run.getString("streamToken"))
      .sendJsonObject(new JsonObject().put("status", status));
  }

  /** A run with the given attempts, finished with {@code status}; returns its id. */
  long run(String project, String branch, String status, JsonObject... attempts) {
    JsonObject run = start(project, branch);
    if (attempts.length > 0) {
      events(run, attempts);
    }
    finish(run, status);
    return run.getLong("runId");
  }

  /** Creates a webhook as an administrator; answers the created webhook (with its secret). */
  JsonObject createWebhook(long projectId, JsonObject body) {
    HttpResponse<Buffer> created = admin("POST", "/api/projects/" + projectId + "/webhooks", body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  HttpResponse<Buffer> admin(String method, String path, Object body) {
    HttpRequest<Buffer> request = client.request(io.vertx.core.http.HttpMethod.valueOf(method), path)
      .bearerTokenAuthentication(adminKey);
    if (body == null) {
      return request.send().await();
    }
    if (body instanceof String raw) {
      return request.putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer(raw)).await();
    }
    return request.sendJsonObject((JsonObject) body).await();
  }

  /** The delivery log of a webhook, newest first. */
  JsonArray deliveries(long projectId, long webhookId) {
    HttpResponse<Buffer> log = admin("GET", "/api/projects/" + projectId + "/webhooks/" + webhookId
      + "/deliveries", null);
    assertThat(log.statusCode()).as(log.bodyAsString()).isEqualTo(200);
    return log.bodyAsJsonObject().getJsonArray("deliveries");
  }

  @Override
  public void close() {
    client.close();
  }
}
