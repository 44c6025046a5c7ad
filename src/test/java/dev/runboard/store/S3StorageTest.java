package dev.runboard.store;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.store.Uploads.Multipart;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayName("With storage.kind=s3, uploaded files live as objects in the bucket and are served from there")
class S3StorageTest {

  private static final String PREFIX = "rb-test";
  private static final long LARGE = 50L * 1024 * 1024;

  private static S3Server s3;
  private static String bucket;
  private static Runboard node;
  private static DatabaseUrl db;
  private static WebClient client;
  private static WebClient files;
  private static Path dataDir;
  private static String reporterKey;
  private static String viewerKey;
  private static String adminKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    s3 = S3Server.start();
    bucket = s3.newBucket();
    dataDir = Files.createTempDirectory("runboard-s3-test");
    node = Runboard.start(TestDatabase.config(s3.config(bucket, PREFIX)
      .put(AppConfig.DATA_DIR, dataDir.toString())
      .put(AppConfig.INGEST_MAX_UPLOAD_BYTES, "80MiB")
      // No timed retention pass: the retention test runs its own.
      .put(AppConfig.RETENTION_INTERVAL, "1d")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    viewerKey = TestUsers.apiKey(db, "viewer");
    adminKey = TestUsers.apiKey(db, "administrator");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
    files = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.filesPort()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.stop();
    }
    if (s3 != null) {
      s3.close();
    }
    Uploads.deleteTree(dataDir);
  }

  @Test
  @DisplayName("a one-shot upload puts each report entry and the trace in the bucket; ranges and folders work")
  void oneShotUpload() throws Exception {
    Map<String, byte[]> report = new LinkedHashMap<>();
    report.put("index.html", Uploads.utf8("<html><script src=\"data/app.js\"></script></html>"));
    report.put("data/app.js", Uploads.utf8("console.log('a report script of some length');\n".repeat(40)));
    report.put("trace/index.html", Uploads.utf8("<html>trace viewer</html>"));
    report.put("my file.html", Uploads.utf8("spaced"));
    byte[] trace = Uploads.zip(Map.of("trace.trace", Uploads.utf8("trace events")));
    HttpResponse<Buffer> response = new Multipart()
      .field("projectName", "s3-one-shot")
      .field("testRun", Files.readString(Path.of("src/test/resources/fixtures/upload-playwright-dashboard/testRun.json")))
      .field("testCases", Files.readString(
        Path.of("src/test/resources/fixtures/upload-playwright-dashboard/testCases.json")))
      .file("htmlReport", "playwright-report.gz", "application/gzip", Uploads.dashboardArchive(report))
      .file("trace_0", "trace.zip", "application/zip", trace)
      .send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    long runId = response.bodyAsJsonObject().getLong("testRunId");
    String reportPath = response.bodyAsJsonObject().getString("reportPath");
    long reportId = scalar("SELECT id FROM artifacts WHERE run_id = " + runId + " AND kind = 'report'");
    long traceId = scalar("SELECT id FROM artifacts WHERE run_id = " + runId + " AND kind = 'trace'");

    String runPrefix = PREFIX + "/runs/" + runId + "/";
    assertThat(s3.objects(bucket, runPrefix)).extracting(S3Object::key, S3Object::size).containsExactlyInAnyOrder(
      org.assertj.core.groups.Tuple.tuple(runPrefix + "reports/" + reportId + "/index.html",
        (long) report.get("index.html").length),
      org.assertj.core.groups.Tuple.tuple(runPrefix + "reports/" + reportId + "/data/app.js",
        (long) report.get("data/app.js").length),
      org.assertj.core.groups.Tuple.tuple(runPrefix + "reports/" + reportId + "/trace/index.html",
        (long) report.get("trace/index.html").length),
      org.assertj.core.groups.Tuple.tuple(runPrefix + "reports/" + reportId + "/my file.html", 6L),
      org.assertj.core.groups.Tuple.tuple(runPrefix + "attachments/" + traceId + "/trace.zip", (long) trace.length));
    assertThat(Uploads.files(dataDir)).as("nothing stays on the local disk").isEmpty();

    HttpResponse<Buffer> index = get(reportPath, null);
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body().getBytes()).isEqualTo(report.get("index.html"));
    assertThat(index.getHeader("Content-Type")).startsWith("text/html");
    byte[] script = report.get("data/app.js");
    HttpResponse<Buffer> part = get(reportPath + "data/app.js", "bytes=100-1099");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.getHeader("Content-Range")).isEqualTo("bytes 100-1099/" + script.length);
    assertThat(part.body().getBytes()).isEqualTo(Arrays.copyOfRange(script, 100, 1100));
    HttpResponse<Buffer> suffix = get(reportPath + "data/app.js", "bytes=-7");
    assertThat(suffix.statusCode()).isEqualTo(206);
    assertThat(suffix.body().getBytes()).isEqualTo(Arrays.copyOfRange(script, script.length - 7, script.length));
    assertThat(get(reportPath + "data/app.js", "bytes=" + script.length + "-").statusCode()).isEqualTo(416);
    // Folders resolve to their index.html, with or without the slash; escaped names are found.
    assertThat(get(reportPath + "trace/", null).bodyAsString()).isEqualTo("<html>trace viewer</html>");
    assertThat(get(reportPath + "trace", null).bodyAsString()).isEqualTo("<html>trace viewer</html>");
    assertThat(get(reportPath + "./trace//index.html", null).bodyAsString()).isEqualTo("<html>trace viewer</html>");
    assertThat(get(reportPath + "my%20file.html", null).bodyAsString()).isEqualTo("spaced");
    assertThat(get(reportPath + "data/", null).statusCode()).isEqualTo(404);
    assertThat(get(reportPath + "nothing.js", null).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> traceFile = get("/api/files/" + traceId + "/trace.zip", null);
    assertThat(traceFile.statusCode()).isEqualTo(200);
    assertThat(traceFile.body().getBytes()).isEqualTo(trace);
  }

  @Test
  @DisplayName("attach mode puts a running run's report and attempt files in the bucket, and serves them")
  void attachMode() throws Exception {
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", "s3-attach")).await().bodyAsJsonObject();
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5};
    byte[] traceZip = Uploads.zip(Map.of("0-trace.trace", Uploads.utf8("{\"type\":\"context-options\"}")));
    JsonArray attachments = new JsonArray()
      .add(new JsonObject().put("part", "attachment_0").put("titlePath", new JsonArray().add("s").add("t"))
        .put("file", "a.spec.ts").put("retry", 0).put("name", "screenshot").put("contentType", "image/png"))
      .add(new JsonObject().put("part", "attachment_1").put("titlePath", new JsonArray().add("s").add("t"))
        .put("file", "a.spec.ts").put("retry", 0).put("name", "trace").put("contentType", "application/zip"));
    HttpResponse<Buffer> response = new Multipart()
      .file("report_html", "report.zip", "application/zip", Uploads.zip(Map.of("index.html",
        Uploads.utf8("<html>live report</html>"))))
      .field("attachments", attachments.encode())
      .file("attachment_0", "shot.png", "image/png", png)
      .file("attachment_1", "trace.zip", "application/zip", traceZip)
      .send(client.post("/api/test-runs/" + runId + "/files").putHeader("X-Stream-Token", token));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray files = response.bodyAsJsonObject().getJsonArray("files");
    assertThat(files.stream().map(f -> ((JsonObject) f).getString("kind"))).containsExactly("report", "screenshot",
      "trace");

    String runPrefix = PREFIX + "/runs/" + runId + "/";
    assertThat(s3.objects(bucket, runPrefix)).extracting(S3Object::key).containsExactlyInAnyOrder(
      runPrefix + "reports/" + files.getJsonObject(0).getLong("id") + "/index.html",
      runPrefix + "attachments/" + files.getJsonObject(1).getLong("id") + "/screenshot",
      runPrefix + "attachments/" + files.getJsonObject(2).getLong("id") + "/trace");
    HeadObjectResponse shotObject = s3.client().headObject(b -> b.bucket(bucket)
      .key(runPrefix + "attachments/" + files.getJsonObject(1).getLong("id") + "/screenshot"));
    assertThat(shotObject.contentType()).isEqualTo("image/png");
    assertThat(get(files.getJsonObject(0).getString("url"), null).bodyAsString()).isEqualTo("<html>live report</html>");
    assertThat(get(files.getJsonObject(1).getString("url"), null).body().getBytes()).isEqualTo(png);
    assertThat(get(files.getJsonObject(2).getString("url"), null).body().getBytes()).isEqualTo(traceZip);
    assertThat(Uploads.files(dataDir)).isEmpty();
  }

  @Test
  @DisplayName("a 50 MiB video goes up as a 4-part multipart upload and comes back by ranges, and whole without being held")
  void largeFile(Vertx vertx) throws Exception {
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", "s3-large")).await().bodyAsJsonObject();
    long runId = started.getLong("runId");
    Path video = Uploads.generate(Files.createTempFile("runboard-video", ".webm"), LARGE);
    JsonObject answer;
    try {
      answer = new Multipart()
        .field("attachments", new JsonArray().add(new JsonObject().put("part", "attachment_0").put("name", "video")
          .put("contentType", "video/webm")).encode())
        .file("attachment_0", "video.webm", "video/webm", video)
        .stream(vertx, node.port(), "/api/test-runs/" + runId + "/files",
          Map.of("X-Stream-Token", started.getString("streamToken")), Files.createTempFile("runboard-form", ".bin"));
    } finally {
      Files.deleteIfExists(video);
    }
    assertThat(answer.getInteger("status")).as(answer.getString("body")).isEqualTo(200);
    JsonObject file = new JsonObject(answer.getString("body")).getJsonArray("files").getJsonObject(0);
    assertThat(file.getString("kind")).isEqualTo("video");
    assertThat(file.getLong("size")).isEqualTo(LARGE);

    String key = PREFIX + "/runs/" + runId + "/attachments/" + file.getLong("id") + "/video";
    HeadObjectResponse object = s3.client().headObject(b -> b.bucket(bucket).key(key));
    assertThat(object.contentLength()).isEqualTo(LARGE);
    assertThat(object.eTag()).as("a multipart upload of 16 MiB parts").endsWith("-4\"");

    String url = file.getString("url");
    long nearEnd = LARGE - 100_000;
    HttpResponse<Buffer> tail = get(url, "bytes=" + nearEnd + "-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.getHeader("Content-Range")).isEqualTo("bytes " + nearEnd + "-" + (LARGE - 1) + "/" + LARGE);
    assertThat(tail.body().getBytes()).isEqualTo(Uploads.expectedBytes(nearEnd, 100_000));
    long boundary = S3Storage.PART_BYTES - 1_000;
    HttpResponse<Buffer> acrossParts = get(url, "bytes=" + boundary + "-" + (boundary + 1_999));
    assertThat(acrossParts.body().getBytes()).isEqualTo(Uploads.expectedBytes(boundary, 2_000));

    // The whole file, streamed to a digest on the client's side. Half-way the client stops reading: what the heap
    // then holds (after a collection) is the bytes in flight, not the file.
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    for (long from = 0; from < LARGE; from += 1 << 20) {
      expected.update(Uploads.expectedBytes(from, (int) Math.min(1 << 20, LARGE - from)));
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long[] count = {0};
    CompletableFuture<HttpClientResponse> halfWay = new CompletableFuture<>();
    HttpClient http = vertx.createHttpClient();
    try {
      Future<Integer> status = http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
          .setPort(node.filesPort()).setURI(URI.create(url).getRawPath()))
        .compose(request -> request.send()).compose(res -> {
          res.handler(chunk -> {
            received.update(chunk.getBytes());
            count[0] += chunk.length();
            if (count[0] >= LARGE / 2 && !halfWay.isDone()) {
              res.pause();
              halfWay.complete(res);
            }
          });
          return res.end().map(v -> res.statusCode());
        });
      HttpClientResponse paused = halfWay.get(60, TimeUnit.SECONDS);
      Thread.sleep(500);
      System.gc();
      long heldMiB = (memory.getHeapMemoryUsage().getUsed() - heapBefore) >> 20;
      assertThat(heldMiB).as("MiB more on the heap half-way through a 50 MiB download").isLessThan(16);
      paused.resume();
      assertThat(status.await(60, TimeUnit.SECONDS)).isEqualTo(200);
    } finally {
      http.close();
    }
    assertThat(count[0]).isEqualTo(LARGE);
    assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
    assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("no upload left open")
      .isEmpty();
  }

  @Test
  @DisplayName("deleting a run deletes every object under runs/<runId>/ and nothing else")
  void deleteRunDeletesObjects() throws Exception {
    long[] runs = new long[2];
    for (int i = 0; i < 2; i++) {
      Map<String, byte[]> report = new LinkedHashMap<>();
      for (int f = 0; f < 30; f++) {
        report.put("data/f" + f + ".txt", Uploads.utf8("file " + f));
      }
      report.put("index.html", Uploads.utf8("<html>" + i + "</html>"));
      HttpResponse<Buffer> response = new Multipart()
        .field("projectName", "s3-delete")
        .field("testRun", "{\"status\": \"passed\", \"startTime\": \"2026-12-01T10:00:00Z\"}")
        .field("testCases", "[{\"title\": \"t\", \"location\": \"a.spec.ts:1:1\", \"status\": \"passed\", "
          + "\"duration\": 1, \"retries\": 0}]")
        .file("report_html", "report.zip", "application/zip", Uploads.zip(report))
        .file("trace_0", "trace.zip", "application/zip", Uploads.zip(Map.of("x", new byte[] {1})))
        .send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
      runs[i] = response.bodyAsJsonObject().getLong("testRunId");
    }
    String deleted = PREFIX + "/runs/" + runs[0] + "/";
    String kept = PREFIX + "/runs/" + runs[1] + "/";
    assertThat(s3.objects(bucket, deleted)).hasSize(32);
    assertThat(s3.objects(bucket, kept)).hasSize(32);

    HttpResponse<Buffer> delete = client.delete("/api/test-runs/" + runs[0]).bearerTokenAuthentication(adminKey)
      .send().await();
    assertThat(delete.statusCode()).isEqualTo(204);
    assertThat(s3.objects(bucket, deleted)).isEmpty();
    assertThat(s3.objects(bucket, kept)).hasSize(32);
  }

  @Test
  @DisplayName("retention deletes the objects of the runs it deletes and of the runs whose files expire")
  void retentionDeletesObjects() throws Exception {
    long older = uploadRun("s3-keep-one", "2026-11-20T10:00:00Z");
    long newer = uploadRun("s3-keep-one", "2026-11-21T10:00:00Z");
    long expiring = uploadRun("s3-files-expire", "2026-11-01T10:00:00Z");
    for (long run : new long[] {older, newer, expiring}) {
      assertThat(s3.objects(bucket, PREFIX + "/runs/" + run + "/")).hasSize(2);
    }
    retention(older, new JsonObject().put("keepRuns", 1));
    retention(expiring, new JsonObject().put("filesDays", 7));

    JsonObject pass = node.vertx().eventBus().<JsonObject>request(Addresses.RETENTION_PASS, null).await().body();
    assertThat(pass.getJsonArray("deletedRuns")).containsExactly(older);
    assertThat(pass.getJsonArray("expiredFileRuns")).containsExactly(expiring);
    assertThat(s3.objects(bucket, PREFIX + "/runs/" + older + "/")).as("the deleted run's objects").isEmpty();
    assertThat(s3.objects(bucket, PREFIX + "/runs/" + expiring + "/")).as("the expired files' objects").isEmpty();
    assertThat(s3.objects(bucket, PREFIX + "/runs/" + newer + "/")).as("the kept run's objects").hasSize(2);
  }

  /** A one-shot run with a one-entry report and a trace (two objects); its id. */
  private static long uploadRun(String project, String startTime) throws Exception {
    HttpResponse<Buffer> response = new Multipart()
      .field("projectName", project)
      .field("testRun", "{\"status\": \"passed\", \"startTime\": \"" + startTime + "\"}")
      .field("testCases", "[{\"title\": \"t\", \"location\": \"a.spec.ts:1:1\", \"status\": \"passed\", "
        + "\"duration\": 1, \"retries\": 0}]")
      .file("report_html", "report.zip", "application/zip", Uploads.zip(Map.of("index.html", Uploads.utf8("r"))))
      .file("trace_0", "trace.zip", "application/zip", Uploads.zip(Map.of("x", new byte[] {1})))
      .send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getLong("testRunId");
  }

  /** Sets the retention of the run's project. */
  private static void retention(long runId, JsonObject settings) {
    long projectId = client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewerKey).send().await()
      .bodyAsJsonObject().getLong("projectId");
    HttpResponse<Buffer> set = client.put("/api/projects/" + projectId + "/retention")
      .bearerTokenAuthentication(adminKey).sendJsonObject(settings).await();
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
  }

  @Test
  @DisplayName("a bucket that cannot be used stops the start naming it; a store that goes away answers 503")
  void unusableStore() throws Exception {
    assertThatThrownBy(() -> Runboard.start(TestDatabase.config(s3.config("no-such-bucket", ""))))
      .isInstanceOf(StorageUnavailableException.class)
      .hasMessageContaining("bucket no-such-bucket at " + s3.endpoint())
      .hasMessageContaining("404");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> Runboard.start(TestDatabase.config(s3.config(bucket, "")
      .put(AppConfig.STORAGE_S3_ENDPOINT, "http://127.0.0.1:" + closedPort))))
      .isInstanceOf(StorageUnavailableException.class)
      .hasMessageContaining("bucket " + bucket + " at http://127.0.0.1:" + closedPort);

    Path otherData = Files.createTempDirectory("runboard-s3-gone");
    S3Server going = S3Server.start();
    Runboard other = null;
    try {
      String otherBucket = going.newBucket();
      other = Runboard.start(TestDatabase.config(going.config(otherBucket, "")
        .put(AppConfig.DATA_DIR, otherData.toString())));
      DatabaseUrl otherDb = DatabaseUrl.parse(other.config().dbUrl());
      WebClient otherClient = WebClient.create(node.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(other.port()));
      String reporter = TestUsers.apiKey(otherDb, "reporter");
      Multipart form = new Multipart().field("projectName", "s3-gone")
        .field("testRun", "{\"status\": \"passed\", \"startTime\": \"2026-12-01T10:00:00Z\"}")
        .field("testCases", "[]")
        .file("report_junit", "junit.xml", "application/xml", Uploads.utf8("<testsuites/>"));
      HttpResponse<Buffer> uploaded = form.send(otherClient.post("/api/test-runs/upload")
        .bearerTokenAuthentication(reporter));
      assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);
      String path = URI.create(uploaded.bodyAsJsonObject().getString("reportPath")).getRawPath();
      WebClient otherFiles = WebClient.create(node.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(other.filesPort()));
      assertThat(otherFiles.get(path).send().await().bodyAsString()).isEqualTo("<testsuites/>");

      going.close();
      HttpResponse<Buffer> gone = otherFiles.get(path).send().await();
      assertThat(gone.statusCode()).isEqualTo(503);
      assertThat(gone.getHeader("Retry-After")).isEqualTo("5");
      assertThat(gone.bodyAsJsonObject().getString("error")).isEqualTo("unavailable");
      // An upload that cannot be stored leaves no run behind.
      HttpResponse<Buffer> refused = form.send(otherClient.post("/api/test-runs/upload")
        .bearerTokenAuthentication(reporter));
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
      try (Connection c = TestDatabase.jdbc(otherDb); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT count(*) FROM runs")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(1);
      }
      assertThat(Uploads.files(otherData)).as("temporary files are gone").isEmpty();
    } finally {
      if (other != null) {
        other.stop();
      }
      Uploads.deleteTree(otherData);
    }
  }

  /**
   * A signed URL (on the node's files origin, no credentials), or a dashboard path read with the viewer's key (a
   * {@code /api/files/…} path redirects to its signed URL, which is followed).
   */
  private static HttpResponse<Buffer> get(String url, String range) {
    var request = url.startsWith("http") ? files.get(URI.create(url).getRawPath())
      : client.get(url).bearerTokenAuthentication(viewerKey);
    if (range != null) {
      request.putHeader("Range", range);
    }
    return request.send().await();
  }

  private static long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
