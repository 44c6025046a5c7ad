package dev.runboard.ingest;

import dev.runboard.Multipart;
import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Uploads store runs, reports and attempt files safely, and the files are served sandboxed")
class UploadTest {

  private static final Path FIXTURE = Path.of("src/test/resources/fixtures/upload-playwright-dashboard");
  private static final int MAX_ENTRIES = 20;
  private static final int MAX_ENTRY_BYTES = 64 * 1024;

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporterKey;
  private static String viewerKey;
  private static Path dataDir;
  private static Path storage;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    dataDir = Files.createTempDirectory("runboard-upload-test");
    storage = dataDir.resolve("files");
    node = Runboard.start(TestDatabase.config(new JsonObject()
      .put("data.dir", dataDir.toString())
      .put("ingest.maxUploadBytes", "2MiB")
      .put("ingest.maxArchiveEntryBytes", MAX_ENTRY_BYTES)
      .put("ingest.maxArchiveEntries", MAX_ENTRIES)));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    viewerKey = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() throws IOException {
    node.stop();
    deleteTree(dataDir);
  }

  // ----- the old reporter's upload ----------------------------------------------------------------------------

  @Test
  @DisplayName("an old reporter's upload stores the run, every entry, the report archive and the trace")
  void oldReporterUpload() throws Exception {
    List<JsonObject> updates = consume(Addresses.RUN_UPDATES);
    byte[] archive = dashboardArchive(reportFiles());
    byte[] trace = zip(Map.of("trace.trace", "trace events".getBytes(StandardCharsets.UTF_8)));
    Multipart form = new Multipart()
      .field("projectName", "legacy-upload")
      .field("testRun", Files.readString(FIXTURE.resolve("testRun.json")))
      .field("testCases", Files.readString(FIXTURE.resolve("testCases.json")))
      .file("htmlReport", "playwright-report.gz", "application/gzip", archive)
      .field("report_label_html", "Playwright report")
      .file("trace_0", "trace.zip", "application/zip", trace);

    HttpResponse<Buffer> response = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      form);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    long runId = body.getLong("testRunId");
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getLong("projectId")).isPositive();
    String reportPath = body.getString("reportPath");
    // Absolute, on the files origin, under a signed capability (docs/api.md, "File URLs").
    assertThat(reportPath).matches("http://127\\.0\\.0\\.1:\\d+/c/[A-Za-z0-9_-]{60}/\\d+/");
    assertThat(body.getJsonArray("reports")).containsExactly(new JsonObject().put("type", "html")
      .put("label", "Playwright report").put("path", reportPath));

    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + runId + " AND source = 'upload' AND status = "
      + "'failed'")).isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isEqualTo(3);
    assertThat(scalar("SELECT flaky FROM runs WHERE id = " + runId)).isEqualTo(1);
    assertThat(scalar("SELECT entry_count FROM artifacts WHERE run_id = " + runId + " AND kind = 'report'"))
      .isEqualTo(3);
    assertThat(scalar("SELECT count(*) FROM artifacts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId
      + " AND a.kind = 'trace' AND a.retry = 0 AND t.title = 'checkout fails without stock'")).isEqualTo(1);
    assertThat(leftovers()).as("temporary files are gone").isEmpty();
    await(() -> updates.stream().anyMatch(u -> "run-submitted".equals(u.getString("type"))
      && u.getLong("runId") == runId));

    // The report is served from the files origin, never from the dashboard's (the files listener's headers are
    // tested in FilesOriginTest).
    HttpResponse<Buffer> index = client.getAbs(reportPath).send().await();
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).isEqualTo(Files.readString(FIXTURE.resolve("report/index.html")));
    assertThat(index.getHeader("Content-Type")).startsWith("text/html");
    assertThat(index.getHeader("Content-Security-Policy")).startsWith("frame-ancestors");
    assertThat(index.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    HttpResponse<Buffer> folder = client.getAbs(reportPath.substring(0, reportPath.length() - 1))
      .followRedirects(false).send().await();
    assertThat(folder.statusCode()).isEqualTo(302);
    assertThat(reportPath).endsWith("/" + folder.getHeader("Location"));

    // Ranges of a file inside the report.
    byte[] script = Files.readAllBytes(FIXTURE.resolve("report/data/app.js"));
    HttpResponse<Buffer> part = client.getAbs(reportPath + "data/app.js")
      .putHeader("Range", "bytes=7-24").send().await();
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.getHeader("Content-Range")).isEqualTo("bytes 7-24/" + script.length);
    assertThat(part.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(script, 7, 25));
    assertThat(part.getHeader("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    HttpResponse<Buffer> suffix = client.getAbs(reportPath + "data/app.js")
      .putHeader("Range", "bytes=-5").send().await();
    assertThat(suffix.statusCode()).isEqualTo(206);
    assertThat(suffix.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(script, script.length - 5,
      script.length));
    HttpResponse<Buffer> beyond = client.getAbs(reportPath + "data/app.js")
      .putHeader("Range", "bytes=" + script.length + "-").send().await();
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.getHeader("Content-Range")).isEqualTo("bytes */" + script.length);

    // The trace, as a single file; paths outside the report never resolve.
    long traceId = scalar("SELECT id FROM artifacts WHERE run_id = " + runId + " AND kind = 'trace'");
    HttpResponse<Buffer> traceFile = client.get("/api/files/" + traceId + "/trace.zip")
      .bearerTokenAuthentication(viewerKey).send().await();
    assertThat(traceFile.statusCode()).isEqualTo(200);
    assertThat(traceFile.body().getBytes()).isEqualTo(trace);
    assertThat(traceFile.getHeader("Content-Security-Policy")).startsWith("sandbox;");
    for (String escape : List.of("..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/x", "data%5C..%5C..%5Cx",
      "data/%00.js")) {
      HttpResponse<Buffer> outside = client.getAbs(reportPath + escape).send().await();
      assertThat(outside.statusCode()).as(escape).isIn(400, 404);
    }
    assertThat(client.get("/api/files/" + traceId).send().await().statusCode()).as("no credentials")
      .isEqualTo(401);
    assertThat(client.get("/api/files/999999/").bearerTokenAuthentication(viewerKey).send().await()
      .statusCode()).isEqualTo(404);
  }

  // ----- attach mode ------------------------------------------------------------------------------------------

  @Test
  @DisplayName("attach mode stores files of a running run with the next seq and publishes run-files")
  void attachMode() throws Exception {
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", "attach")).await().bodyAsJsonObject();
    long runId = started.getLong("runId");
    String token = started.getString("streamToken");
    client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("testCases", new JsonArray().add(new JsonObject().put("title", "t")
        .put("titlePath", new JsonArray().add("s").add("t")).put("location", "a.spec.ts:3:1")
        .put("retry", 0).put("status", "passed").put("duration", 5)))).await();
    long lastSeq = scalar("SELECT last_seq FROM runs WHERE id = " + runId);
    List<JsonObject> published = consume(Addresses.runEvents(runId));

    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    byte[] report = zip(Map.of("index.html", "<html>report</html>".getBytes(StandardCharsets.UTF_8),
      "data/a.txt", "a".getBytes(StandardCharsets.UTF_8)));
    JsonArray attachments = new JsonArray()
      .add(new JsonObject().put("part", "attachment_0").put("titlePath", new JsonArray().add("s").add("t"))
        .put("file", "a.spec.ts").put("playwrightProject", "").put("retry", 0).put("name", "screenshot")
        .put("contentType", "image/png"))
      .add(new JsonObject().put("part", "attachment_1").put("titlePath", new JsonArray().add("s").add("later"))
        .put("file", "b.spec.ts").put("playwrightProject", "firefox").put("retry", 1).put("name", "trace")
        .put("contentType", "application/zip"));
    Multipart form = new Multipart()
      .file("report_html", "report.zip", "application/zip", report)
      .field("attachments", attachments.encode())
      .file("attachment_0", "shot.png", "image/png", png)
      .file("attachment_1", "trace.zip", "application/zip", zip(Map.of("x", new byte[] {1})));

    HttpResponse<Buffer> wrong = send(client.post("/api/test-runs/" + runId + "/files")
      .putHeader("X-Stream-Token", "not-the-token"), form);
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(send(client.post("/api/test-runs/" + runId + "/files"), form).statusCode()).isEqualTo(401);
    assertThat(send(client.post("/api/test-runs/987654/files").putHeader("X-Stream-Token", token), form)
      .statusCode()).isEqualTo(404);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + runId)).isZero();

    HttpResponse<Buffer> response = send(client.post("/api/test-runs/" + runId + "/files")
      .putHeader("X-Stream-Token", token), form);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray files = response.bodyAsJsonObject().getJsonArray("files");
    assertThat(files).hasSize(3);
    assertThat(files.stream().map(f -> ((JsonObject) f).getString("kind")))
      .containsExactly("report", "screenshot", "trace");
    JsonObject shot = files.getJsonObject(1);
    assertThat(shot.getJsonObject("attempt")).isEqualTo(new JsonObject().put("titlePath",
      new JsonArray().add("s").add("t")).put("file", "a.spec.ts").put("playwrightProject", "").put("retry", 0));
    assertThat(shot.getLong("size")).isEqualTo(png.length);
    assertThat(shot.getString("contentType")).isEqualTo("image/png");

    await(() -> !published.isEmpty());
    JsonObject event = published.get(0).getJsonArray("events").getJsonObject(0);
    assertThat(event.getString("type")).isEqualTo("run-files");
    assertThat(event.getJsonObject("data").getLong("seq")).isEqualTo(lastSeq + 1);
    // The bus carries files without URLs: a URL is given when a file is sent to a client.
    JsonArray withoutUrls = files.copy();
    withoutUrls.forEach(f -> ((JsonObject) f).remove("url"));
    withoutUrls.forEach(f -> ((JsonObject) f).remove("expiresAt"));
    assertThat(event.getJsonObject("data").getJsonArray("files")).isEqualTo(withoutUrls);
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + runId)).isEqualTo(lastSeq + 1);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + runId + " AND type = 'run-files' AND "
      + "seq = " + (lastSeq + 1))).isEqualTo(1);
    HttpResponse<Buffer> image = client.getAbs(shot.getString("url")).send().await();
    assertThat(image.body().getBytes()).isEqualTo(png);
    HttpResponse<Buffer> reportIndex = client.getAbs(files.getJsonObject(0).getString("url")).send().await();
    assertThat(reportIndex.bodyAsString()).isEqualTo("<html>report</html>");

    // upload with testRunId + token is the same thing; a report type the run has is a conflict.
    Multipart alias = new Multipart().field("testRunId", Long.toString(runId)).field("streamToken", token)
      .file("report_junit", "junit.xml", "application/xml", "<testsuites/>".getBytes(StandardCharsets.UTF_8));
    HttpResponse<Buffer> aliased = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      alias);
    assertThat(aliased.statusCode()).as(aliased.bodyAsString()).isEqualTo(200);
    assertThat(aliased.bodyAsJsonObject().getLong("seq")).isEqualTo(lastSeq + 2);
    // The same report again is a repeat (answered with the stored one); another junit report is a conflict.
    HttpResponse<Buffer> again = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      alias);
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getLong("id"))
      .isEqualTo(aliased.bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getLong("id"));
    Multipart otherJunit = new Multipart().field("testRunId", Long.toString(runId)).field("streamToken", token)
      .file("report_junit", "junit.xml", "application/xml", "<testsuites tests=\"1\"/>".getBytes(StandardCharsets.UTF_8));
    assertThat(send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey), otherJunit)
      .statusCode()).isEqualTo(409);
    // The alias is authorised by the token alone, or by reporter-role credentials alone; a present token must be
    // the run's.
    Multipart byToken = new Multipart().field("testRunId", Long.toString(runId)).field("streamToken", token)
      .file("report_bytoken", "a.txt", "text/plain", new byte[] {'a'});
    assertThat(send(client.post("/api/test-runs/upload"), byToken).statusCode()).isEqualTo(200);
    Multipart byKey = new Multipart().field("testRunId", Long.toString(runId))
      .file("report_bykey", "b.txt", "text/plain", new byte[] {'b'});
    HttpResponse<Buffer> keyOnly = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      byKey);
    assertThat(keyOnly.statusCode()).as(keyOnly.bodyAsString()).isEqualTo(200);
    Multipart wrongToken = new Multipart().field("testRunId", Long.toString(runId)).field("streamToken", "nope")
      .file("report_wrong", "c.txt", "text/plain", new byte[] {'c'});
    assertThat(send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey), wrongToken)
      .statusCode()).isEqualTo(403);
    Multipart nothing = new Multipart().field("testRunId", Long.toString(runId))
      .file("report_none", "d.txt", "text/plain", new byte[] {'d'});
    assertThat(send(client.post("/api/test-runs/upload"), nothing).statusCode()).isEqualTo(401);
    assertThat(send(client.post("/api/test-runs/upload").bearerTokenAuthentication(viewerKey), nothing)
      .statusCode()).isEqualTo(403);

    client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .sendJsonObject(new JsonObject().put("status", "passed")).await();
    long artifacts = scalar("SELECT count(*) FROM artifacts WHERE run_id = " + runId);
    // After finish the token still attaches files for runs.filesGrace (FilesOnceTest covers it); past it, 409.
    Multipart lateForm = new Multipart().field("attachments", "[]")
      .file("report_late", "late.txt", "text/plain", new byte[] {'x'});
    assertThat(scalar("UPDATE runs SET finished_at = now() - interval '25 hours' WHERE id = " + runId
      + " RETURNING id")).isEqualTo(runId);
    HttpResponse<Buffer> late = send(client.post("/api/test-runs/" + runId + "/files")
      .putHeader("X-Stream-Token", token), lateForm);
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + runId)).isEqualTo(artifacts);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @DisplayName("JSON fields may come as file parts (curl -F testRun=@testRun.json); entry names are percent-decoded")
  void filePartsAndEncodedNames() throws Exception {
    byte[] report = zip(Map.of("index.html", "<a href=\"my%20file.html\">x</a>".getBytes(StandardCharsets.UTF_8),
      "my file.html", "spaced".getBytes(StandardCharsets.UTF_8),
      "\u00fc.html", "umlaut".getBytes(StandardCharsets.UTF_8)));
    Multipart form = new Multipart()
      .field("projectName", "file-parts")
      .file("testRun", "testRun.json", "application/json", Files.readAllBytes(FIXTURE.resolve("testRun.json")))
      .file("testCases", "testCases.json", "application/json", Files.readAllBytes(FIXTURE.resolve("testCases.json")))
      .file("report_html", "report.zip", "application/zip", report);
    HttpResponse<Buffer> response = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      form);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    String reportPath = response.bodyAsJsonObject().getString("reportPath");
    HttpResponse<Buffer> spaced = client.getAbs(reportPath + "my%20file.html").send().await();
    assertThat(spaced.statusCode()).isEqualTo(200);
    assertThat(spaced.bodyAsString()).isEqualTo("spaced");
    HttpResponse<Buffer> umlaut = client.getAbs(reportPath + "%C3%BC.html").send().await();
    assertThat(umlaut.statusCode()).isEqualTo(200);
    assertThat(umlaut.bodyAsString()).isEqualTo("umlaut");
    HttpResponse<Buffer> malformed = client.getAbs(reportPath + "%C3.html").send().await();
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.bodyAsJsonObject().getString("field")).isEqualTo("path");
    HttpResponse<Buffer> escapedUp = client.getAbs(reportPath + "%2e%2e/%2e%2e/x").send().await();
    // Vert.x resolves an escaped ".." before routing; either way nothing outside the report is served.
    assertThat(escapedUp.statusCode()).isIn(400, 404);
  }

  // ----- refusals ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("unsafe or oversized archives are refused naming the entry, and leave no row and no file")
  void refusedArchives() throws Exception {
    Map<String, byte[]> tooMany = new LinkedHashMap<>();
    for (int i = 0; i <= MAX_ENTRIES; i++) {
      tooMany.put("f" + i + ".txt", new byte[] {'x'});
    }
    byte[] zeros = new byte[8 * 1024 * 1024];
    Map<String, byte[]> cases = new LinkedHashMap<>();
    cases.put("../x", dashboardArchive(Map.of("../x", new byte[] {1})));
    cases.put("/etc/passwd", dashboardArchive(Map.of("/etc/passwd", new byte[] {1})));
    cases.put("C:\\x", dashboardArchive(Map.of("C:\\x", new byte[] {1})));
    cases.put("a\\..\\..\\x", dashboardArchive(Map.of("a\\..\\..\\x", new byte[] {1})));
    cases.put("a\\u0000b", dashboardArchive(Map.of("a\0b", new byte[] {1})));
    cases.put("more than " + MAX_ENTRIES + " entries", dashboardArchive(tooMany));
    cases.put("big.bin", dashboardArchive(Map.of("ok.html", new byte[] {1}, "big.bin",
      new byte[MAX_ENTRY_BYTES + 1])));
    cases.put("zeros.bin", zip(Map.of("index.html", new byte[] {1}, "zeros.bin", zeros)));
    cases.put("zip ../evil", zip(Map.of("../evil", new byte[] {1})));
    cases.put("link", zipWithSymlink("link", "/etc/passwd"));
    long runsBefore = scalar("SELECT count(*) FROM runs");
    long artifactsBefore = scalar("SELECT count(*) FROM artifacts");
    List<Path> filesBefore = storedFiles();

    int i = 0;
    for (Map.Entry<String, byte[]> bad : cases.entrySet()) {
      String project = "refused-" + i++;
      String fileName = bad.getKey().startsWith("zip") || bad.getKey().equals("zeros.bin")
        || bad.getKey().equals("link") ? "report.zip" : "report.gz";
      Multipart form = new Multipart()
        .field("projectName", project)
        .field("testRun", Files.readString(FIXTURE.resolve("testRun.json")))
        .field("testCases", Files.readString(FIXTURE.resolve("testCases.json")))
        .file("trace_0", "trace.zip", "application/zip", new byte[] {'P', 'K'})
        .file("report_html", fileName, "application/octet-stream", bad.getValue());
      HttpResponse<Buffer> response = send(client.post("/api/test-runs/upload")
        .bearerTokenAuthentication(reporterKey), form);
      assertThat(response.statusCode()).as(bad.getKey() + ": " + response.bodyAsString()).isIn(400, 413);
      JsonObject error = response.bodyAsJsonObject();
      assertThat(error.getString("field")).as(bad.getKey()).isEqualTo("report_html");
      assertThat(error.getString("message")).as(bad.getKey())
        .contains(bad.getKey().startsWith("zip ") ? bad.getKey().substring(4) : bad.getKey());
    }
    assertThat(scalar("SELECT count(*) FROM runs")).isEqualTo(runsBefore);
    assertThat(scalar("SELECT count(*) FROM projects WHERE name LIKE 'refused-%'")).isZero();
    assertThat(scalar("SELECT count(*) FROM artifacts")).isEqualTo(artifactsBefore);
    assertThat(storedFiles()).isEqualTo(filesBefore);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @DisplayName("malformed upload forms get a 4xx naming the field")
  void malformedForms() throws Exception {
    String testRun = Files.readString(FIXTURE.resolve("testRun.json"));
    String testCases = Files.readString(FIXTURE.resolve("testCases.json"));
    Map<String, Multipart> cases = new LinkedHashMap<>();
    cases.put("projectName", new Multipart().field("testRun", testRun).field("testCases", testCases));
    cases.put("testRun", new Multipart().field("projectName", "p").field("testRun", "{nope")
      .field("testCases", testCases));
    cases.put("testCases[0].status", new Multipart().field("projectName", "p").field("testRun", testRun)
      .field("testCases", "[{\"title\": \"a\", \"location\": \"a:1\", \"status\": \"weird\", \"duration\": 1}]"));
    cases.put("trace_7", new Multipart().field("projectName", "p").field("testRun", testRun)
      .field("testCases", testCases).file("trace_7", "t.zip", "application/zip", new byte[] {1}));
    cases.put("report_BAD", new Multipart().field("projectName", "p").field("testRun", testRun)
      .field("testCases", testCases).file("report_BAD", "r.gz", "application/gzip", new byte[] {1}));
    cases.put("report_html", new Multipart().field("projectName", "p").field("testRun", testRun)
      .field("testCases", testCases).file("report_html", "r.gz", "application/gzip", "not gzip".getBytes()));
    for (Map.Entry<String, Multipart> bad : cases.entrySet()) {
      HttpResponse<Buffer> response = send(client.post("/api/test-runs/upload")
        .bearerTokenAuthentication(reporterKey), bad.getValue());
      assertThat(response.statusCode()).as(bad.getKey() + ": " + response.bodyAsString()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("field")).isEqualTo(bad.getKey());
    }
    HttpResponse<Buffer> json = client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject()).await();
    assertThat(json.statusCode()).isEqualTo(415);
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = 'p'")).isZero();
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @DisplayName("a chunked upload over ingest.maxUploadBytes is refused with 413 while it is read")
  void oversizeChunkedUpload(Vertx vertx) throws Exception {
    long runsBefore = scalar("SELECT count(*) FROM runs");
    String boundary = "----chunked" + UUID.randomUUID();
    HttpClient http = vertx.createHttpClient();
    int status = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(node.port()).setURI("/api/test-runs/upload")
        .putHeader("Authorization", "Bearer " + reporterKey)
        .putHeader("Content-Type", "multipart/form-data; boundary=" + boundary))
      .compose(request -> {
        request.setChunked(true);
        request.write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"projectName\"\r\n\r\nhuge\r\n");
        request.write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"report_html\"; "
          + "filename=\"index.html\"\r\nContent-Type: text/html\r\n\r\n");
        Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
        for (int i = 0; i < 40; i++) {
          request.write(chunk);
        }
        return request.end("\r\n--" + boundary + "--\r\n").compose(v -> request.response())
          .map(HttpClientResponse::statusCode);
      }).await(20, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(413);
    http.close();
    assertThat(scalar("SELECT count(*) FROM runs")).isEqualTo(runsBefore);
    await(() -> leftovers().isEmpty());
  }

  // ----- helpers ----------------------------------------------------------------------------------------------


  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, Multipart form) {
    return request.putHeader("Content-Type", form.contentType()).sendBuffer(form.body()).await();
  }

  private static Map<String, byte[]> reportFiles() throws IOException {
    Path root = FIXTURE.resolve("report");
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path file : all.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
      }
    }
    return files;
  }

  /** The Playwright-dashboard archive: gzip of [uint32 LE path length][path][uint32 LE length][content]. */
  private static byte[] dashboardArchive(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        byte[] path = file.getKey().getBytes(StandardCharsets.UTF_8);
        gzip.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(path.length).array());
        gzip.write(path);
        gzip.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(file.getValue().length).array());
        gzip.write(file.getValue());
      }
    }
    return out.toByteArray();
  }

  private static byte[] zip(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : new java.util.TreeMap<>(files).entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** A zip whose only entry is a Unix symbolic link (mode 0120777 in the central directory's attributes). */
  private static byte[] zipWithSymlink(String name, String target) throws IOException {
    byte[] zip = zip(Map.of(name, target.getBytes(StandardCharsets.UTF_8)));
    ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i + 46 <= zip.length; i++) {
      if (buffer.getInt(i) == 0x02014b50) {
        buffer.put(i + 5, (byte) 3);
        buffer.putInt(i + 38, 0120777 << 16);
      }
    }
    return zip;
  }

  private static List<JsonObject> consume(String address) {
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.vertx().eventBus().consumer(address, m -> messages.add(m.body()));
    consumer.completion().await();
    return messages;
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waited 5 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Regular files in the storage directory (staging included). */
  private static List<Path> storedFiles() throws IOException {
    return files(storage);
  }

  /** Files left in the temporary places of uploads. */
  private static List<Path> leftovers() {
    try {
      List<Path> left = new ArrayList<>(files(dataDir.resolve("uploads-tmp")));
      left.addAll(files(storage.resolve("staging")));
      return left;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Path> files(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
