package dev.runboard.store;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.store.Uploads.Multipart;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayName("Two clustered nodes serve each other's uploads from shared storage, and refuse a directory they do not share")
class SharedFilesIT {

  private static final byte[] SCRIPT = Uploads.utf8("window.report = 'shared';\n".repeat(100));

  @Test
  @DisplayName("one S3 bucket: a report uploaded through node A is served by node B, and B's delete empties the run")
  void sharedBucket(Vertx vertx) throws Exception {
    try (S3Server s3 = S3Server.start(true)) {
      String bucket = s3.newBucket();
      Path dataA = Files.createTempDirectory("runboard-node-a");
      Path dataB = Files.createTempDirectory("runboard-node-b");
      AppConfig a = TestDatabase.config(clustered(5831, 5832).mergeIn(s3.config(bucket, "shared"))
        .put(AppConfig.DATA_DIR, dataA.toString()));
      try (Nodes nodes = Nodes.start(a, AppConfig.of(a.json().put(AppConfig.CLUSTER_PORT, 5832)
        .put(AppConfig.DATA_DIR, dataB.toString())))) {
        DatabaseUrl db = DatabaseUrl.parse(a.dbUrl());
        long runId = uploadAndServe(vertx, nodes, db);
        assertThat(s3.objects(bucket, "shared/runs/" + runId + "/")).hasSize(3);

        HttpResponse<Buffer> deleted = client(vertx, nodes.b).delete("/api/test-runs/" + runId)
          .bearerTokenAuthentication(TestUsers.apiKey(db, "administrator")).send().await();
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(s3.objects(bucket, "shared/runs/" + runId + "/")).isEmpty();
      } finally {
        Uploads.deleteTree(dataA);
        Uploads.deleteTree(dataB);
      }
    }
  }

  @Test
  @DisplayName("one shared directory: a report uploaded through node A is served by node B; each node leaves a marker")
  void sharedDirectory(Vertx vertx) throws Exception {
    Path shared = Files.createTempDirectory("runboard-shared-files");
    Path dataA = Files.createTempDirectory("runboard-node-a");
    Path dataB = Files.createTempDirectory("runboard-node-b");
    AppConfig a = TestDatabase.config(clustered(5833, 5834).put(AppConfig.STORAGE_DIR, shared.toString())
      .put(AppConfig.DATA_DIR, dataA.toString()));
    try (Nodes nodes = Nodes.start(a, AppConfig.of(a.json().put(AppConfig.CLUSTER_PORT, 5834)
      .put(AppConfig.DATA_DIR, dataB.toString())))) {
      assertThat(markers(shared)).hasSize(2);
      long runId = uploadAndServe(vertx, nodes, DatabaseUrl.parse(a.dbUrl()));
      assertThat(Uploads.files(shared.resolve("runs").resolve(Long.toString(runId)))).hasSize(3);
    } finally {
      assertThat(markers(shared)).as("each node removes its marker when it stops").isEmpty();
      Uploads.deleteTree(shared);
      Uploads.deleteTree(dataA);
      Uploads.deleteTree(dataB);
    }
  }

  @Test
  @DisplayName("different directories: the second node refuses to start, naming both directories")
  void unsharedDirectories() throws Exception {
    Path first = Files.createTempDirectory("runboard-files-first");
    Path second = Files.createTempDirectory("runboard-files-second");
    AppConfig a = TestDatabase.config(clustered(5835, 5836).put(AppConfig.STORAGE_DIR, first.toString()));
    Runboard nodeA = Runboard.start(a);
    try {
      AppConfig b = AppConfig.of(a.json().put(AppConfig.CLUSTER_PORT, 5836).put(AppConfig.STORAGE_DIR,
        second.toString()));
      assertThatThrownBy(() -> Runboard.start(b))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessageStartingWith("storage.dir " + second.toAbsolutePath() + " is not shared with the other nodes")
        .hasMessageContaining("with storage.dir " + first.toAbsolutePath())
        .hasMessageContaining(".nodes/");
      assertThat(markers(first)).hasSize(1);
      assertThat(markers(second)).as("the refused node took its marker away").isEmpty();
      // The first node goes on serving.
      assertThat(WebClient.create(nodeA.vertx()).get(nodeA.port(), "127.0.0.1", "/health/ready").send().await()
        .statusCode()).isEqualTo(200);
    } finally {
      nodeA.stop();
      Uploads.deleteTree(first);
      Uploads.deleteTree(second);
    }
  }

  /** Uploads a one-shot run with a report and a trace through node A; checks node B serves both. */
  private static long uploadAndServe(Vertx vertx, Nodes nodes, DatabaseUrl db) throws Exception {
    Map<String, byte[]> report = new LinkedHashMap<>();
    report.put("index.html", Uploads.utf8("<html>shared report</html>"));
    report.put("data/app.js", SCRIPT);
    byte[] trace = Uploads.zip(Map.of("trace.trace", Uploads.utf8("events")));
    HttpResponse<Buffer> uploaded = new Multipart()
      .field("projectName", "shared-files")
      .field("testRun", "{\"status\": \"passed\", \"startTime\": \"2026-12-01T10:00:00Z\"}")
      .field("testCases", "[{\"title\": \"t\", \"location\": \"a.spec.ts:1:1\", \"status\": \"passed\", "
        + "\"duration\": 1, \"retries\": 0}]")
      .file("report_html", "report.zip", "application/zip", Uploads.zip(report))
      .file("trace_0", "trace.zip", "application/zip", trace)
      .send(client(vertx, nodes.a).post("/api/test-runs/upload")
        .bearerTokenAuthentication(TestUsers.apiKey(db, "reporter")));
    assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);
    JsonObject body = uploaded.bodyAsJsonObject();
    // The answer's URLs are signed on node A's files origin; node B's files origin serves the same paths.
    WebClient onB = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(nodes.b.filesPort()));
    String reportPath = URI.create(body.getString("reportPath")).getRawPath();

    HttpResponse<Buffer> index = onB.get(reportPath).send().await();
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).isEqualTo("<html>shared report</html>");
    HttpResponse<Buffer> range = onB.get(reportPath + "data/app.js").putHeader("Range", "bytes=-26").send().await();
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body().getBytes()).isEqualTo(Arrays.copyOfRange(SCRIPT, SCRIPT.length - 26, SCRIPT.length));
    String traceUrl = body.getJsonArray("files").stream().map(JsonObject.class::cast)
      .filter(f -> "trace".equals(f.getString("kind"))).findFirst().orElseThrow().getString("url");
    HttpResponse<Buffer> served = onB.get(URI.create(traceUrl).getRawPath()).send().await();
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body().getBytes()).isEqualTo(trace);
    return body.getLong("testRunId");
  }

  private static JsonObject clustered(int portA, int portB) {
    return new JsonObject()
      .put(AppConfig.CLUSTER_ENABLED, true)
      .put(AppConfig.CLUSTER_NAME, "runboard-files-" + UUID.randomUUID().toString().substring(0, 8))
      .put(AppConfig.CLUSTER_HOST, "127.0.0.1").put(AppConfig.CLUSTER_PORT, portA)
      .put(AppConfig.CLUSTER_MEMBERS, "127.0.0.1:" + portA + ",127.0.0.1:" + portB);
  }

  private static WebClient client(Vertx vertx, Runboard node) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  private static List<Path> markers(Path storage) throws Exception {
    Path dir = storage.resolve(FilesystemStorage.MARKERS);
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> all = Files.list(dir)) {
      return all.toList();
    }
  }

  /** Two clustered nodes, started in order and stopped in reverse. */
  private record Nodes(Runboard a, Runboard b) implements AutoCloseable {

    static Nodes start(AppConfig a, AppConfig b) throws Exception {
      Runboard first = Runboard.start(a);
      try {
        return new Nodes(first, Runboard.start(b));
      } catch (Exception | Error e) {
        first.stop();
        throw e;
      }
    }

    @Override
    public void close() {
      b.stop();
      a.stop();
    }
  }
}
