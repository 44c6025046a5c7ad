package dev.runboard;

import dev.runboard.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A Runboard node on a real database answers health, metrics and unknown routes")
class RunboardNodeTest {

  private static Runboard node;
  private static WebClient client;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private HttpResponse<Buffer> get(String path) {
    return client.get(path).send().await();
  }

  @Test
  @DisplayName("/health/live and /health/ready answer 200 once the schema is migrated")
  void health() {
    HttpResponse<Buffer> live = get("/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(ready.bodyAsString()).containsPattern("\"schemaVersion\":\"\\d+\"");
  }

  @Test
  @DisplayName("/metrics serves Prometheus text with HTTP, pool and JVM metrics")
  void metrics() {
    get("/health/ready");
    HttpResponse<Buffer> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(metrics.bodyAsString())
      .contains("vertx_http_server_requests_total")
      .contains("vertx_pool_")
      .contains("jvm_memory_used_bytes");
  }

  @Test
  @DisplayName("an unknown API route answers a JSON 404, and the dashboard's index is served")
  void unknownRoute() {
    HttpResponse<Buffer> unknown = get("/api/does-not-exist");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    HttpResponse<Buffer> index = get("/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).contains("<title>Runboard</title>");
  }

  @Test
  @DisplayName("/health/ready answers 503 when the database schema is not the one this node migrated to")
  void notReady() throws Exception {
    String url = node.config().dbUrl();
    try (Connection c = TestDatabase.jdbc(dev.runboard.config.DatabaseUrl.parse(url));
         Statement s = c.createStatement()) {
      s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
        + "installed_by, execution_time, success) VALUES (999, '999', 'from the future', 'SQL', 'V999__x.sql', "
        + "'test', 0, true)");
      try {
        HttpResponse<Buffer> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.bodyAsString()).containsPattern("expected \\d+");
      } finally {
        s.execute("DELETE FROM flyway_schema_history WHERE installed_rank = 999");
      }
    }
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the node reports the port it actually listens on")
  void port() {
    assertThat(node.port()).isPositive();
    assertThat(node.config().httpHost()).isEqualTo("127.0.0.1");
    assertThat(node.config().json().getString(AppConfig.DB_URL)).startsWith("postgresql://");
  }
}
