package dev.runboard.ingest;

import dev.runboard.Multipart;
import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trace viewers (an extension): the reporter asks for its Playwright version's viewer and uploads it once; the
 * server validates it, keeps one copy per version, names it in the answer of a run with traces, and serves it on
 * the files origin under a capability of its own.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Trace viewers: one per Playwright version, validated, named by runs with traces, served by capability")
class TraceViewerTest {

  private static final String INDEX = "<html><title>Playwright Trace Viewer</title></html>";
  private static Runboard node;
  private static WebClient client;
  private static WebClient files;
  private static String reporter;
  private static String viewer;
  private static DatabaseUrl db;
  private static Path data;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    data = Files.createTempDirectory("runboard-trace-viewer");
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporter = TestUsers.apiKey(db, "reporter");
    viewer = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port())
      .setFollowRedirects(false));
    files = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.filesPort()).setFollowRedirects(false));
  }

  @AfterAll
  static void stop() throws IOException {
    node.stop();
    try (var all = Files.walk(data)) {
      all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private static Map<String, byte[]> viewerEntries() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("index.html", INDEX.getBytes(StandardCharsets.UTF_8));
    entries.put("sw.bundle.js", "self.addEventListener('fetch', () => {});".getBytes(StandardCharsets.UTF_8));
    entries.put("assets/app.js", "console.log('viewer');".getBytes(StandardCharsets.UTF_8));
    return entries;
  }

  private static HttpResponse<Buffer> put(String version, String type, byte[] body) {
    return client.put("/api/trace-viewers/" + version).bearerTokenAuthentication(reporter)
      .putHeader("Content-Type", type).sendBuffer(Buffer.buffer(body)).await();
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    if (field != null) {
      assertThat(response.bodyAsJsonObject().getString("field")).isEqualTo(field);
    }
  }

  private static long count(String sql) throws Exception {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @DisplayName("bad versions, types, archives and sizes are refused naming what is wrong, and nothing is kept")
  void validation() throws Exception {
    assertError(client.get("/api/trace-viewers/latest").bearerTokenAuthentication(reporter).send().await(), 400,
      "version");
    assertError(client.get("/api/trace-viewers/9.9.9").bearerTokenAuthentication(reporter).send().await(), 404,
      null);
    assertError(put("1.2", "application/zip", zip(viewerEntries())), 400, "version");
    assertError(put("1.2.3-" + "x".repeat(41), "application/zip", zip(viewerEntries())), 400, "version");
    assertError(put("1.2.3", "text/html", INDEX.getBytes(StandardCharsets.UTF_8)), 415, null);
    assertError(put("1.2.3", "application/zip", "not a zip".getBytes(StandardCharsets.UTF_8)), 400, "body");
    Map<String, byte[]> noWorker = viewerEntries();
    noWorker.remove("sw.bundle.js");
    HttpResponse<Buffer> missing = put("1.2.3", "application/zip", zip(noWorker));
    assertError(missing, 400, "body");
    assertThat(missing.bodyAsJsonObject().getString("message")).contains("sw.bundle.js");
    Map<String, byte[]> escaping = viewerEntries();
    escaping.put("../../escape.js", new byte[] {1});
    HttpResponse<Buffer> escaped = put("1.2.3", "application/zip", zip(escaping));
    assertThat(escaped.statusCode()).as(escaped.bodyAsString()).isBetween(400, 499);
    assertThat(escaped.bodyAsJsonObject().getString("field")).isEqualTo("body");
    assertError(put("1.2.3", "application/zip", new byte[(int) TraceViewerRoutes.MAX_BODY_BYTES + 1]), 413, null);
    assertError(client.put("/api/trace-viewers/1.2.3").bearerTokenAuthentication(viewer)
      .putHeader("Content-Type", "application/zip").sendBuffer(Buffer.buffer(zip(viewerEntries()))).await(), 403,
      null);

    assertThat(count("SELECT count(*) FROM trace_viewers WHERE version = '1.2.3'")).isZero();
    Path stored = data.resolve("files/trace-viewers");
    if (Files.exists(stored)) {
      try (var folders = Files.list(stored)) {
        assertThat(folders.count()).as("a folder per stored viewer").isEqualTo(count("SELECT count(*) FROM trace_viewers"));
      }
    }
    try (var left = Files.list(data.resolve("uploads-tmp"))) {
      assertThat(left.toList()).as("temporary files").isEmpty();
    }
  }

  @Test
  @DisplayName("one copy per version; a run with a trace and no report names it; it is served by its own capability")
  void storedNamedAndServed() throws Exception {
    HttpResponse<Buffer> first = put("1.65.1", "application/zip", zip(viewerEntries()));
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(first.bodyAsJsonObject().getString("version")).isEqualTo("1.65.1");
    assertThat(first.bodyAsJsonObject().getInteger("entries")).isEqualTo(3);
    HttpResponse<Buffer> again = put("1.65.1", "application/zip", zip(Map.of("index.html", new byte[] {1},
      "sw.bundle.js", new byte[] {2})));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject()).as("the first copy is kept").isEqualTo(first.bodyAsJsonObject());
    HttpResponse<Buffer> asked = client.get("/api/trace-viewers/1.65.1").bearerTokenAuthentication(reporter).send()
      .await();
    assertThat(asked.statusCode()).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM trace_viewers WHERE version = '1.65.1'")).isEqualTo(1);

    byte[] trace = zip(Map.of("trace.trace", "{}".getBytes(StandardCharsets.UTF_8)));
    Multipart form = new Multipart().field("projectName", "trace-viewer")
      .field("testRun", "{\"status\": \"failed\", \"startTime\": \"2026-12-01T10:00:00Z\"}")
      .field("testCases", "[{\"title\": \"t\", \"location\": \"a.spec.ts:1:1\", \"status\": \"failed\", "
        + "\"duration\": 1, \"retries\": 0}]")
      .file("trace_0", "trace.zip", "application/zip", trace);
    HttpResponse<Buffer> uploaded = client.post("/api/test-runs/upload").bearerTokenAuthentication(reporter)
      .putHeader("Content-Type", form.contentType()).sendBuffer(form.body()).await();
    assertThat(uploaded.statusCode()).as(uploaded.bodyAsString()).isEqualTo(201);
    long runId = uploaded.bodyAsJsonObject().getLong("testRunId");
    JsonObject run = client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewer).send().await()
      .bodyAsJsonObject();
    JsonObject named = run.getJsonObject("traceViewer");
    assertThat(named).as(run.encode()).isNotNull();
    assertThat(named.getString("version")).isEqualTo("1.65.1");
    assertThat(named.getString("expiresAt")).isNotBlank();
    String url = named.getString("url");
    assertThat(url).startsWith("http://127.0.0.1:" + node.filesPort() + "/v/").endsWith("/");

    String path = URI.create(url).getRawPath();
    HttpResponse<Buffer> index = files.get(path).send().await();
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).isEqualTo(INDEX);
    assertThat(index.getHeader("Content-Type")).startsWith("text/html");
    assertThat(index.getHeader("Cross-Origin-Resource-Policy")).isEqualTo("same-origin");
    assertThat(index.getHeader("Content-Security-Policy")).startsWith("frame-ancestors 'self'");
    HttpResponse<Buffer> worker = files.get(path + "sw.bundle.js").send().await();
    assertThat(worker.statusCode()).isEqualTo(200);
    assertThat(worker.getHeader("Content-Type")).contains("javascript");
    assertThat(files.get(path + "assets/app.js").putHeader("Range", "bytes=0-6").send().await().bodyAsString())
      .isEqualTo("console");
    assertThat(files.get(path.substring(0, path.length() - 1)).send().await().statusCode()).isEqualTo(302);
    assertThat(files.get(path + "nothing.js").send().await().statusCode()).isEqualTo(404);

    // The viewer's capability opens the viewer only; a file's capability never opens a viewer.
    String[] parts = path.split("/");
    String capability = parts[2];
    String viewerId = parts[3];
    String traceUrl = run.getJsonArray("files").getJsonObject(0).getString("url");
    String traceCapability = URI.create(traceUrl).getRawPath().split("/")[2];
    String traceId = URI.create(traceUrl).getRawPath().split("/")[3];
    assertThat(files.get("/v/" + traceCapability + "/" + viewerId + "/").send().await().statusCode())
      .isEqualTo(403);
    assertThat(files.get("/c/" + capability + "/" + traceId + "/trace.zip").send().await().statusCode())
      .isEqualTo(403);
    String forged = capability.substring(0, capability.length() - 2)
      + (capability.endsWith("AA") ? "AB" : "AA");
    assertThat(files.get("/v/" + forged + "/" + viewerId + "/").send().await().statusCode()).isEqualTo(403);

    // A run without traces names no viewer.
    Multipart plain = new Multipart().field("projectName", "trace-viewer")
      .field("testRun", "{\"status\": \"passed\", \"startTime\": \"2026-12-01T11:00:00Z\"}")
      .field("testCases", "[]");
    HttpResponse<Buffer> noTraces = client.post("/api/test-runs/upload").bearerTokenAuthentication(reporter)
      .putHeader("Content-Type", plain.contentType()).sendBuffer(plain.body()).await();
    assertThat(noTraces.statusCode()).as(noTraces.bodyAsString()).isEqualTo(201);
    JsonObject plainRun = client.get("/api/test-runs/" + noTraces.bodyAsJsonObject().getLong("testRunId"))
      .bearerTokenAuthentication(viewer).send().await().bodyAsJsonObject();
    assertThat(plainRun.containsKey("traceViewer")).isTrue();
    assertThat(plainRun.getValue("traceViewer")).isNull();
  }
}
