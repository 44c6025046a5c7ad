package dev.runboard.store;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.store.Uploads.Multipart;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@DisplayName("Files served from the file system are closed after each read, whole, ranged or abandoned")
class FilesystemStorageTest {

  private static final int REQUESTS = 100;

  @Test
  @DisplayName("100 ranged reads of a stored file and 10 abandoned downloads leave no file descriptor open")
  void readsCloseTheirFiles(Vertx vertx) throws Exception {
    Path data = Files.createTempDirectory("runboard-fs-storage");
    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())));
    try {
      DatabaseUrl db = DatabaseUrl.parse(node.config().dbUrl());
      byte[] large = new byte[4 * 1024 * 1024];
      HttpResponse<Buffer> uploaded = new Multipart().field("projectName", "fs-reads")
        .field("testRun", "{\"status\": \"passed\", \"startTime\": \"2026-12-01T10:00:00Z\"}")
        .field("testCases", "[]")
        .file("report_html", "report.zip", "application/zip", Uploads.zip(Map.of("index.html",
          Uploads.utf8("<html>fs</html>"), "big.bin", large)))
        .send(WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(node.port())).post("/api/test-runs/upload")
          .bearerTokenAuthentication(TestUsers.apiKey(db, "reporter")));
      assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);
      // A signed URL on the node's files origin.
      String report = URI.create(uploaded.bodyAsJsonObject().getString("reportPath")).getRawPath();
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(node.filesPort()));
      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<Buffer> page = client.get(report)
          .putHeader("Range", i % 2 == 0 ? "bytes=0-5" : "bytes=6-").send().await();
        assertThat(page.statusCode()).isEqualTo(206);
      }
      // Abandoned downloads: the client closes its connection after the first bytes of 4 MiB.
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      for (int i = 0; i < 10; i++) {
        http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.filesPort())
            .setURI(report + "big.bin"))
          .compose(request -> request.send()).compose(response -> {
            response.exceptionHandler(e -> { });
            response.pause();
            return response.request().connection().close();
          }).await(10, TimeUnit.SECONDS);
      }
      http.close().await();
      long deadline = System.currentTimeMillis() + 5_000;
      while (storedFilesOpen(data) > 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(storedFilesOpen(data)).as("descriptors of stored files open in this process").isZero();
    } finally {
      node.stop();
      Uploads.deleteTree(data);
    }
  }

  /** Open file descriptors of this process that point into the data directory's stored files. */
  private static long storedFilesOpen(Path data) throws Exception {
    String files = data.resolve("files").toRealPath().toString();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().startsWith(files);
        } catch (Exception e) {
          return false;
        }
      }).count();
    }
  }
}
