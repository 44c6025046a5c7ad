package dev.runboard.ingest;

import dev.runboard.Multipart;
import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.bus.Addresses;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files exactly once: a resent files upload (its answer lost), a repeated report and a late {@code flush} store
 * nothing twice, in the database or in the storage directory, and publish nothing for what was already there.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("File uploads are idempotent by content, and a finished run takes its late files for a while")
class FilesOnceTest {

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
  private static final byte[] TRACE = "PK trace of s > t".getBytes(StandardCharsets.UTF_8);
  private static final byte[] VIDEO = "webm video".getBytes(StandardCharsets.UTF_8);

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporterKey;
  private static Path dataDir;
  private static Path storage;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    dataDir = Files.createTempDirectory("runboard-files-once-test");
    storage = dataDir.resolve("files");
    node = Runboard.start(TestDatabase.config(new JsonObject().put("data.dir", dataDir.toString())
      .put("runs.sweepInterval", "200ms")));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() throws IOException {
    node.stop();
    deleteTree(dataDir);
  }

  // ----- repeats ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("the same upload twice: stored once, answered twice with the same ids, one run-files event")
  void sameUploadTwice() throws Exception {
    Run run = startRun("twice");
    List<JsonObject> published = consume(Addresses.runEvents(run.id()));
    Multipart form = attemptFiles();

    HttpResponse<Buffer> first = send(filesOf(run), form);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    JsonObject one = first.bodyAsJsonObject();
    assertThat(List.of(one.getInteger("stored"), one.getInteger("duplicates"))).containsExactly(3, 0);
    long seq = one.getLong("seq");

    HttpResponse<Buffer> second = send(filesOf(run), form);
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
    JsonObject two = second.bodyAsJsonObject();
    assertThat(List.of(two.getInteger("stored"), two.getInteger("duplicates"))).containsExactly(0, 3);
    assertThat(two.getValue("seq")).as("nothing new: no event").isNull();
    assertThat(ids(two)).isEqualTo(ids(one)).hasSize(3);
    assertThat(two.getJsonArray("files")).isEqualTo(one.getJsonArray("files"));

    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(3);
    assertThat(storedFiles(run.id())).hasSize(3);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + run.id() + " AND type = 'run-files'"))
      .isEqualTo(1);
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + run.id())).isEqualTo(seq);
    await(() -> published.size() >= 1);
    Thread.sleep(200);
    assertThat(published).as("one run-files message, for the first upload").hasSize(1);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @DisplayName("an answer lost on the way back: the resend stores nothing and answers the stored files")
  void lostAnswerThenResend(Vertx vertx) throws Exception {
    Run run = startRun("lost-answer");
    Multipart form = attemptFiles();
    AnswerLosingProxy proxy = AnswerLosingProxy.start(vertx, node.port());
    HttpResponse<Buffer> lost;
    try {
      WebClient viaProxy = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(proxy.port()));
      lost = send(viaProxy.post("/api/test-runs/" + run.id() + "/files").putHeader("X-Stream-Token", run.token()),
        form);
      viaProxy.close();
    } finally {
      proxy.close();
    }
    assertThat(lost.statusCode()).as("the client saw no answer").isEqualTo(502);
    assertThat(proxy.forwarded.get()).as("the server got and answered the upload").isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(3);
    List<Long> stored = idsIn("SELECT id FROM artifacts WHERE run_id = " + run.id() + " ORDER BY id");

    HttpResponse<Buffer> resent = send(filesOf(run), form);
    assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(200);
    assertThat(resent.bodyAsJsonObject().getInteger("stored")).isZero();
    assertThat(ids(resent.bodyAsJsonObject())).containsExactlyInAnyOrderElementsOf(stored);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(3);
    assertThat(storedFiles(run.id())).hasSize(3);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + run.id() + " AND type = 'run-files'"))
      .isEqualTo(1);
  }

  @Test
  @DisplayName("a resend with one more file stores only that one and publishes only it")
  void resendWithOneMore() throws Exception {
    Run run = startRun("one-more");
    assertThat(send(filesOf(run), attemptFiles()).statusCode()).isEqualTo(200);
    List<JsonObject> published = consume(Addresses.runEvents(run.id()));

    JsonArray items = attemptItems().add(item("attachment_3", List.of("s", "u"), 0, "screenshot", "image/png"));
    Multipart more = attemptFiles(items).file("attachment_3", "u.png", "image/png", new byte[] {9, 9, 9});
    HttpResponse<Buffer> response = send(filesOf(run), more);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(List.of(body.getInteger("stored"), body.getInteger("duplicates"))).containsExactly(1, 3);
    assertThat(body.getJsonArray("files")).hasSize(4);

    await(() -> !published.isEmpty());
    JsonArray files = published.get(0).getJsonArray("events").getJsonObject(0).getJsonObject("data")
      .getJsonArray("files");
    assertThat(files).hasSize(1);
    assertThat(files.getJsonObject(0).getJsonObject("attempt").getJsonArray("titlePath"))
      .isEqualTo(new JsonArray().add("s").add("u"));
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(4);
    assertThat(storedFiles(run.id())).hasSize(4);
  }

  @Test
  @DisplayName("the same bytes for two attempts or under two names are two files; twice in one upload, one")
  void keyIsAttemptNameAndContent() throws Exception {
    Run run = startRun("same-bytes");
    JsonArray items = new JsonArray()
      .add(item("attachment_0", List.of("s", "t"), 0, "screenshot", "image/png"))
      .add(item("attachment_1", List.of("s", "t"), 1, "screenshot", "image/png"))
      .add(item("attachment_2", List.of("s", "t"), 0, "after", "image/png"))
      .add(item("attachment_3", List.of("s", "t"), 0, "screenshot", "image/png"));
    Multipart form = new Multipart().field("attachments", items.encode())
      .file("attachment_0", "a.png", "image/png", PNG)
      .file("attachment_1", "b.png", "image/png", PNG)
      .file("attachment_2", "c.png", "image/png", PNG)
      .file("attachment_3", "d.png", "image/png", PNG);
    HttpResponse<Buffer> response = send(filesOf(run), form);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(List.of(body.getInteger("stored"), body.getInteger("duplicates"))).containsExactly(3, 1);
    assertThat(body.getJsonArray("files")).hasSize(3);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(3);
    assertThat(storedFiles(run.id())).hasSize(3);
    assertThat(leftovers()).isEmpty();
  }

  // ----- reports ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a report repeated with the same content answers 200 with the stored report; other content is 409")
  void repeatedReport() throws Exception {
    Run run = startRun("report");
    byte[] report = zip("index.html", "<html>report</html>");
    Multipart form = new Multipart().file("report_html", "playwright-report.zip", "application/zip", report)
      .field("report_label_html", "Playwright report");
    HttpResponse<Buffer> first = send(filesOf(run), form);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    long reportId = ids(first.bodyAsJsonObject()).get(0);

    HttpResponse<Buffer> again = send(filesOf(run), form);
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    JsonObject body = again.bodyAsJsonObject();
    assertThat(ids(body)).containsExactly(reportId);
    assertThat(body.getJsonArray("reports")).isEqualTo(first.bodyAsJsonObject().getJsonArray("reports"));
    assertThat(List.of(body.getInteger("stored"), body.getInteger("duplicates"))).containsExactly(0, 1);

    Multipart other = new Multipart().file("report_html", "playwright-report.zip", "application/zip",
      zip("index.html", "<html>another report</html>"));
    HttpResponse<Buffer> conflict = send(filesOf(run), other);
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
    assertThat(conflict.bodyAsJsonObject().getString("message")).contains("html report with other content");

    // A conflicting report refuses the whole upload: its other files are not stored either.
    Multipart mixed = attemptFiles().file("report_html", "playwright-report.zip", "application/zip",
      zip("index.html", "<html>a third report</html>"));
    assertThat(send(filesOf(run), mixed).statusCode()).isEqualTo(409);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(1);
    assertThat(storedFiles(run.id())).hasSize(1);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + run.id() + " AND type = 'run-files'"))
      .isEqualTo(1);
    assertThat(leftovers()).isEmpty();
  }

  // ----- after finish -----------------------------------------------------------------------------------------

  @Test
  @DisplayName("a finished run takes late files for runs.filesGrace (token or credentials) without an event")
  void lateFilesAfterFinish() throws Exception {
    Run run = startRun("late");
    HttpResponse<Buffer> finished = client.post("/api/test-runs/" + run.id() + "/finish")
      .putHeader("X-Stream-Token", run.token()).sendJsonObject(new JsonObject().put("status", "failed")).await();
    assertThat(finished.statusCode()).isEqualTo(200);
    long lastSeq = scalar("SELECT last_seq FROM runs WHERE id = " + run.id());
    List<JsonObject> published = consume(Addresses.runEvents(run.id()));

    HttpResponse<Buffer> late = send(filesOf(run), attemptFiles());
    assertThat(late.statusCode()).as(late.bodyAsString()).isEqualTo(200);
    assertThat(late.bodyAsJsonObject().getInteger("stored")).isEqualTo(3);
    assertThat(late.bodyAsJsonObject().getValue("seq")).as("the event log ends with run-finished").isNull();
    assertThat(scalar("SELECT last_seq FROM runs WHERE id = " + run.id())).isEqualTo(lastSeq);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + run.id() + " AND type = 'run-files'"))
      .isZero();
    JsonObject detail = client.get("/api/test-runs/" + run.id()).bearerTokenAuthentication(reporterKey).send()
      .await().bodyAsJsonObject();
    assertThat(detail.getJsonArray("files").stream().map(f -> ((JsonObject) f).getLong("id")).toList())
      .as("the read API lists late files").containsExactlyInAnyOrderElementsOf(ids(late.bodyAsJsonObject()));
    assertThat(storedFiles(run.id())).hasSize(3);

    // flush sends them again with the API key and testRunId: nothing new.
    Multipart alias = attemptFiles().field("testRunId", Long.toString(run.id()));
    HttpResponse<Buffer> flushed = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      alias);
    assertThat(flushed.statusCode()).as(flushed.bodyAsString()).isEqualTo(200);
    assertThat(flushed.bodyAsJsonObject().getInteger("stored")).isZero();
    assertThat(ids(flushed.bodyAsJsonObject())).isEqualTo(ids(late.bodyAsJsonObject()));

    // Results and finish stay closed; the finish is not repeated by a late upload.
    HttpResponse<Buffer> events = client.post("/api/test-runs/" + run.id() + "/events")
      .putHeader("X-Stream-Token", run.token()).sendJsonObject(new JsonObject().put("testCases", new JsonArray()))
      .await();
    assertThat(events.statusCode()).isEqualTo(409);
    assertThat(scalar("SELECT count(*) FROM run_events WHERE run_id = " + run.id() + " AND type = 'run-finished'"))
      .isEqualTo(1);
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + run.id() + " AND status = 'failed'")).isEqualTo(1);

    Thread.sleep(200);
    assertThat(published).as("a finished run's stream has ended: nothing is published").isEmpty();

    // Past the grace period: 409, nothing stored.
    assertThat(scalar("UPDATE runs SET finished_at = now() - interval '24 hours 1 second' WHERE id = " + run.id()
      + " RETURNING id")).isEqualTo(run.id());
    Multipart oneMore = new Multipart().field("attachments", new JsonArray()
        .add(item("attachment_0", List.of("s", "t"), 0, "extra", "text/plain")).encode())
      .file("attachment_0", "extra.txt", "text/plain", new byte[] {'x'});
    HttpResponse<Buffer> tooLate = send(filesOf(run), oneMore);
    assertThat(tooLate.statusCode()).isEqualTo(409);
    assertThat(tooLate.bodyAsJsonObject().getString("message")).contains("more than 24 h ago");
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + run.id())).isEqualTo(3);
    assertThat(storedFiles(run.id())).hasSize(3);
    assertThat(leftovers()).isEmpty();
  }

  @Test
  @DisplayName("a run the stuck-run sweep interrupted takes its late files too, from its end on")
  void lateFilesAfterTheSweep() throws Exception {
    Run run = startRun("swept");
    assertThat(scalar("UPDATE runs SET last_activity_at = now() - interval '2 hours' WHERE id = " + run.id()
      + " RETURNING id")).isEqualTo(run.id());
    await(() -> {
      try {
        return scalar("SELECT count(*) FROM runs WHERE id = " + run.id() + " AND status = 'interrupted'") == 1;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(scalar("SELECT count(*) FROM runs WHERE id = " + run.id() + " AND finished_at > now() - interval "
      + "'1 minute'")).as("the server's end time").isEqualTo(1);
    HttpResponse<Buffer> late = send(filesOf(run), attemptFiles());
    assertThat(late.statusCode()).as(late.bodyAsString()).isEqualTo(200);
    assertThat(late.bodyAsJsonObject().getInteger("stored")).isEqualTo(3);
  }

  @Test
  @DisplayName("a one-shot run takes no late files: it has no grace")
  void oneShotRunTakesNoLateFiles() throws Exception {
    JsonObject submit = new JsonObject().put("projectName", "one-shot-late").put("status", "passed")
      .put("startTime", "2026-01-01T00:00:00Z").put("testCases", new JsonArray());
    HttpResponse<Buffer> submitted = client.post("/api/test-runs/submit").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(submit).await();
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(201);
    long runId = submitted.bodyAsJsonObject().getLong("testRunId");
    Multipart alias = attemptFiles().field("testRunId", Long.toString(runId));
    HttpResponse<Buffer> late = send(client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey),
      alias);
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(scalar("SELECT count(*) FROM artifacts WHERE run_id = " + runId)).isZero();
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private record Run(long id, String token) {
  }

  private Run startRun(String name) throws Exception {
    JsonObject started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", name + "-" + UUID.randomUUID())).await().bodyAsJsonObject();
    return new Run(started.getLong("runId"), started.getString("streamToken"));
  }

  private static HttpRequest<Buffer> filesOf(Run run) {
    return client.post("/api/test-runs/" + run.id() + "/files").putHeader("X-Stream-Token", run.token());
  }

  private static JsonObject item(String part, List<String> titlePath, int retry, String name, String contentType) {
    return new JsonObject().put("part", part).put("titlePath", new JsonArray(titlePath)).put("file", "a.spec.ts")
      .put("playwrightProject", "desktop").put("retry", retry).put("name", name).put("contentType", contentType);
  }

  /** A screenshot, a trace and a video of attempts of test s > t, as the reporter sends them. */
  private static JsonArray attemptItems() {
    return new JsonArray()
      .add(item("attachment_0", List.of("s", "t"), 0, "screenshot", "image/png"))
      .add(item("attachment_1", List.of("s", "t"), 0, "trace", "application/zip"))
      .add(item("attachment_2", List.of("s", "t"), 1, "video", "video/webm"));
  }

  private static Multipart attemptFiles() {
    return attemptFiles(attemptItems());
  }

  private static Multipart attemptFiles(JsonArray items) {
    return new Multipart().field("attachments", items.encode())
      .file("attachment_0", "test-failed-1.png", "image/png", PNG)
      .file("attachment_1", "trace.zip", "application/zip", TRACE)
      .file("attachment_2", "video.webm", "video/webm", VIDEO);
  }

  private static List<Long> ids(JsonObject answer) {
    return answer.getJsonArray("files").stream().map(f -> ((JsonObject) f).getLong("id")).toList();
  }


  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, Multipart form) {
    return request.putHeader("Content-Type", form.contentType()).sendBuffer(form.body()).await();
  }

  private static byte[] zip(String name, String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      ZipEntry entry = new ZipEntry(name);
      entry.setTime(0);
      zip.putNextEntry(entry);
      zip.write(content.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return out.toByteArray();
  }

  /**
   * Forwards each request to the server and, once the server has answered, tells the client 502 instead: the
   * answer is lost on the way back, as the reporter's lossy-network test does it.
   */
  private static final class AnswerLosingProxy {

    private final AtomicInteger forwarded = new AtomicInteger();
    private HttpServer server;
    private HttpClient client;

    static AnswerLosingProxy start(Vertx vertx, int target) {
      AnswerLosingProxy proxy = new AnswerLosingProxy();
      proxy.client = vertx.createHttpClient();
      proxy.server = vertx.createHttpServer().requestHandler(request -> proxy.handle(request, target))
        .listen(0, "127.0.0.1").await();
      return proxy;
    }

    private void handle(HttpServerRequest request, int target) {
      request.body().compose(body -> client.request(new RequestOptions().setMethod(request.method())
          .setHost("127.0.0.1").setPort(target).setURI(request.uri())
          .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()).remove(HttpHeaders.HOST)))
        .compose(out -> out.send(body)).compose(response -> response.body()))
        .onComplete(done -> {
          if (done.succeeded()) {
            forwarded.incrementAndGet();
          }
          request.response().setStatusCode(502).end();
        });
    }

    int port() {
      return server.actualPort();
    }

    void close() {
      server.close().await();
      client.close().await();
    }
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
      assertThat(rs.next()).as(sql).isTrue();
      return rs.getLong(1);
    }
  }

  private static List<Long> idsIn(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<Long> ids = new java.util.ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
      return ids;
    }
  }

  /** The regular files stored for a run. */
  private static List<Path> storedFiles(long runId) throws IOException {
    return files(storage.resolve("runs").resolve(Long.toString(runId)));
  }

  /** Files left in the temporary places of uploads. */
  private static List<Path> leftovers() throws IOException {
    List<Path> left = new java.util.ArrayList<>(files(dataDir.resolve("uploads-tmp")));
    left.addAll(files(storage.resolve("staging")));
    return left;
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
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
