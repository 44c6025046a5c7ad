package dev.runboard.ingest;

import dev.runboard.Multipart;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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
import org.slf4j.LoggerFactory;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Bad input is refused with the protocol's error body naming the field, never with a 500")
class BadInputTest {

  private static final String JSON = "application/json";

  private static Runboard node;
  private static WebClient client;
  private static DatabaseUrl db;
  private static String reporterKey;
  private static String adminKey;
  private static String viewerKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    db = DatabaseUrl.parse(node.config().dbUrl());
    reporterKey = TestUsers.apiKey(db, "reporter");
    adminKey = TestUsers.apiKey(db, "administrator");
    viewerKey = TestUsers.apiKey(db, "viewer");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  // ----- NUL and other text PostgreSQL cannot store -----------------------------------------------------------

  @Test
  @DisplayName("NUL in any stored string or key, or an unpaired surrogate, is a 400 naming its path; nothing is kept")
  void unstorableText() throws Exception {
    String project = "nul-" + UUID.randomUUID();
    Map<String, JsonObject> startCases = new LinkedHashMap<>();
    startCases.put("metadata.ci.tag", startBody(project).put("metadata", new JsonObject()
      .put("ci", new JsonObject().put("tag", "a\0b"))));
    startCases.put("metadata.a\\u0000b", startBody(project).put("metadata", new JsonObject().put("a\0b", 1)));
    startCases.put("metadata.tags[1]", startBody(project).put("metadata", new JsonObject()
      .put("tags", new JsonArray().add("ok").add("\0"))));
    startCases.put("projectDescription", startBody(project).put("projectDescription", "x\0"));
    startCases.put("reporterVersion", startBody(project).put("reporterVersion", "1.0\0"));
    for (Map.Entry<String, JsonObject> c : startCases.entrySet()) {
      assertError(post("/api/test-runs/start", reporterKey, c.getValue()), 400, "validation_failed", c.getKey());
    }
    // An unpaired surrogate is not a character: refused rather than stored as '?'.
    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project
      + "\",\"metadata\":{\"x\":\"a\\ud800b\"}}"), 400, "validation_failed", "metadata.x");
    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project
      + "\",\"metadata\":{\"x\":[\"\\udc00\"]}}"), 400, "validation_failed", "metadata.x[0]");
    assertThat(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project + "-pair\","
      + "\"metadata\":{\"x\":\"\\ud83d\\ude00\"}}").statusCode()).as("a surrogate pair is a character").isEqualTo(201);
    assertThat(scalar("SELECT count(*) FROM projects WHERE name = '" + project + "'")).isZero();

    JsonObject run = startRun(project);
    String token = run.getString("streamToken");
    long runId = run.getLong("runId");
    Map<String, JsonObject> eventCases = new LinkedHashMap<>();
    eventCases.put("testCases[0].steps[0].title", complete("t").put("steps", new JsonArray()
      .add(step("a\0"))));
    eventCases.put("testCases[0].steps[0].category", complete("t").put("steps", new JsonArray()
      .add(step("a").put("category", "pw:\0"))));
    eventCases.put("testCases[0].steps[0].steps[1].title", complete("t").put("steps", new JsonArray()
      .add(step("a").put("steps", new JsonArray().add(step("b")).add(step("\0"))))));
    eventCases.put("testCases[0].annotations[0].type", complete("t").put("annotations", new JsonArray()
      .add(new JsonObject().put("type", "\0"))));
    eventCases.put("testCases[0].annotations[0].description", complete("t").put("annotations", new JsonArray()
      .add(new JsonObject().put("type", "issue").put("description", "#1\0"))));
    eventCases.put("testCases[0].attachments[0].name", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("name", "\0").put("contentType", "image/png"))));
    eventCases.put("testCases[0].attachments[0].contentType", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("name", "shot").put("contentType", "image/png\0"))));
    eventCases.put("testCases[0].attachments[0].path", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("name", "shot").put("contentType", "image/png").put("path", "/tmp/\0"))));
    eventCases.put("testCases[0].error.location.file", complete("t").put("error", new JsonObject()
      .put("message", "boom").put("location", new JsonObject().put("file", "a\0.ts").put("line", 1))));
    eventCases.put("testCases[0].error.message", complete("t").put("error", new JsonObject().put("message", "\0")));
    eventCases.put("testCases[0].error.stack", complete("t").put("error", new JsonObject().put("message", "m")
      .put("stack", "at \0")));
    eventCases.put("testCases[0].error", complete("t").put("error", "boom\0"));
    eventCases.put("testCases[0].titlePath[1]", complete("t").put("titlePath", new JsonArray().add("s").add("\0")));
    eventCases.put("testCases[0].location", complete("t").put("location", "a\0.spec.ts:1:1"));
    eventCases.put("testCases[0].playwrightProject", complete("t").put("playwrightProject", "chro\0mium"));
    for (Map.Entry<String, JsonObject> c : eventCases.entrySet()) {
      assertError(events(runId, token, batch(c.getValue())), 400, "validation_failed", c.getKey());
    }
    assertError(finish(runId, token, new JsonObject().put("status", "passed")
      .put("metadata", new JsonObject().put("k", new JsonArray().add(new JsonObject().put("\0", 1))))), 400,
      "validation_failed", "metadata.k[0].\\u0000");
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isZero();

    Map<String, JsonObject> submitCases = new LinkedHashMap<>();
    submitCases.put("metadata.branch", submitBody(project).put("metadata", new JsonObject().put("branch", "\0")));
    submitCases.put("testCases[0].networkRequests[0].url", submitBody(project, entry("t")
      .put("networkRequests", new JsonArray().add(new JsonObject().put("url", "http://x/\0")))));
    submitCases.put("testCases[0].networkRequests[0].a\\u0000", submitBody(project, entry("t")
      .put("networkRequests", new JsonArray().add(new JsonObject().put("a\0", 1)))));
    submitCases.put("testCases[0].webVitals.lcp\\u0000", submitBody(project, entry("t")
      .put("webVitals", new JsonObject().put("lcp\0", 1))));
    submitCases.put("testCases[0].steps[0].title", submitBody(project, entry("t")
      .put("steps", new JsonArray().add(step("\0")))));
    submitCases.put("testCases[0].slowestStep", submitBody(project, entry("t").put("slowestStep", "\0")));
    for (Map.Entry<String, JsonObject> c : submitCases.entrySet()) {
      assertError(post("/api/test-runs/submit", reporterKey, c.getValue()), 400, "validation_failed", c.getKey());
    }

    String testRun = new JsonObject().put("status", "passed").put("startTime", "2026-11-20T10:00:00Z")
      .put("metadata", new JsonObject().put("branch", "ma\0in")).encode();
    assertError(upload(new Multipart().field("projectName", project).field("testRun", testRun)
      .field("testCases", "[]")), 400, "validation_failed", "testRun.metadata.branch");
    String testCases = new JsonArray().add(entry("t").put("steps", new JsonArray().add(step("\0")))).encode();
    assertError(upload(new Multipart().field("projectName", project).field("testRun", validTestRun())
      .field("testCases", testCases)), 400, "validation_failed", "testCases[0].steps[0].title");
    assertThat(scalar("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.name = '"
      + project + "'")).as("only the streamed run exists").isEqualTo(1);

    // Strings that go to queries, not to jsonb: a NUL there was a 500 (PostgreSQL refuses it in text, too).
    assertError(send(HttpMethod.POST, "/api/auth/login", null, new JsonObject().put("username", "a\0")
      .put("password", "x")), 400, "validation_failed", "username");
    assertError(send(HttpMethod.POST, "/api/keys", adminKey, new JsonObject().put("name", "k\0")), 400,
      "validation_failed", "name");
    String nulCursor = java.util.Base64.getUrlEncoder().withoutPadding()
      .encodeToString("[\"a\\u0000\"]".getBytes(StandardCharsets.UTF_8));
    assertError(send(HttpMethod.GET, "/api/projects?cursor=" + nulCursor, viewerKey, null), 400, "validation_failed",
      "cursor");
  }

  // ----- nesting, number length, ranges ------------------------------------------------------------------------

  @Test
  @DisplayName("JSON nested deeper than 64 levels and numbers of 1,000+ digits are 400, never a 500")
  void depthAndNumberLength() throws Exception {
    String project = "deep-" + UUID.randomUUID();
    // The body is level 1; metadata's value adds levels 2..64.
    assertThat(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project + "\",\"metadata\":"
      + nested(63) + "}").statusCode()).as("64 levels").isEqualTo(201);
    HttpResponse<Buffer> deeper = post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project
      + "-65\",\"metadata\":" + nested(64) + "}");
    assertError(deeper, 400, "validation_failed", "metadata" + ".a".repeat(63));
    assertThat(deeper.bodyAsJsonObject().getString("message")).contains("deeper than 64 levels");
    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"x\",\"metadata\":" + nested(1_200)
      + "}"), 400, "validation_failed", "metadata" + ".a".repeat(63));
    assertError(post("/api/test-runs/start", reporterKey, "[".repeat(100_000)), 400, "validation_failed",
      "[0]".repeat(64));

    String digits = "9".repeat(1_200);
    HttpResponse<Buffer> longNumber = post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project
      + "-n\",\"expectedTests\":" + digits + "}");
    assertError(longNumber, 400, "validation_failed", "expectedTests");
    assertThat(longNumber.bodyAsJsonObject().getString("message")).contains("more than 1000 characters");
    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"" + project + "-n\",\"metadata\":"
      + "{\"n\":[1, 0." + digits + "]}}"), 400, "validation_failed", "metadata.n[1]");
    assertThat(scalar("SELECT count(*) FROM projects WHERE name LIKE '" + project + "-%'")).isZero();

    // Stream-token routes: the body's error comes after the token and state checks, and still names the place.
    JsonObject run = startRun(project);
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");
    String deepEvents = "{\"testCases\":[{\"title\":\"t\",\"location\":\"a:1\",\"retry\":0,\"status\":\"passed\","
      + "\"duration\":1,\"steps\":" + "[".repeat(2_000) + "]".repeat(2_000) + "}]}";
    assertError(request(HttpMethod.POST, "/api/test-runs/" + runId + "/events", null).putHeader("X-Stream-Token",
      "wrong").putHeader("Content-Type", JSON).sendBuffer(Buffer.buffer(deepEvents)).await(), 403, "forbidden", null);
    assertError(request(HttpMethod.POST, "/api/test-runs/" + runId + "/events", null).putHeader("X-Stream-Token",
      token).putHeader("Content-Type", JSON).sendBuffer(Buffer.buffer(deepEvents)).await(), 400,
      "validation_failed", "testCases[0].steps" + "[0]".repeat(61));

    String deepCases = "[{\"title\":\"t\",\"location\":\"a:1\",\"status\":\"passed\",\"duration\":1,\"steps\":"
      + "[".repeat(500) + "]".repeat(500) + "}]";
    assertError(upload(new Multipart().field("projectName", project).field("testRun", validTestRun())
      .field("testCases", deepCases)), 400, "validation_failed", "testCases[0].steps" + "[0]".repeat(62));
    assertError(upload(new Multipart().field("projectName", project).field("testRun", "{\"status\":\"passed\","
      + "\"startTime\":\"2026-11-20T10:00:00Z\",\"duration\":" + digits + "}").field("testCases", "[]")), 400,
      "validation_failed", "testRun.duration");
  }

  @Test
  @DisplayName("numbers out of a field's range say so and give the range; integral and fractional forms are read")
  void numbersOutOfRange() throws Exception {
    String project = "range-" + UUID.randomUUID();
    JsonObject run = startRun(project);
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");

    HttpResponse<Buffer> huge = finish(runId, token, "{\"status\":\"passed\",\"duration\":9223372036854775807}");
    assertError(huge, 400, "validation_failed", "duration");
    assertThat(huge.bodyAsJsonObject().getString("message"))
      .isEqualTo("duration is out of range: a duration is 0 to 1000000000000000 milliseconds, got "
        + "9223372036854775807.");
    assertThat(finish(runId, token, "{\"status\":\"passed\",\"duration\":-1}").bodyAsJsonObject()
      .getString("message")).isEqualTo("duration must be a number of milliseconds >= 0, got -1.");

    // Each case: one field of a valid item, written as raw JSON.
    String[][] refused = {
      {"duration", "1e400"}, {"duration", "1000000000000001"}, {"duration", "-0.5"}, {"duration", "\"5\""},
      {"retry", "1e400"}, {"retry", "1e19"}, {"retry", "18446744073709551616"}, {"retry", "1001"}, {"retry", "-1"},
      {"retry", "1.5"}, {"error", "{\"message\":\"m\",\"location\":{\"line\":1e10}}", "error.location.line"},
      {"startTime", "\"+10000-01-01T00:00:00Z\"", "startTime", "type", "\"begin\""}};
    for (String[] c : refused) {
      assertError(events(runId, token, rawBatch(c[0], c[1], c.length > 3 ? c[3] : c[0], c.length > 3 ? c[4] : c[1])),
        400, "validation_failed",
        "testCases[0]." + (c.length > 2 ? c[2] : c[0]));
    }
    assertThat(events(runId, token, rawBatch("retry", "1e19")).bodyAsJsonObject().getString("message"))
      .isEqualTo("testCases[0].retry is out of range: it must be between 0 and 1000, got 1.0E19.");
    assertThat(events(runId, token, rawBatch("retry", "1e400")).bodyAsJsonObject().getString("message"))
      .isEqualTo("testCases[0].retry is out of range: it must be between 0 and 1000, got a number beyond ±1.8e308.");

    // Accepted forms: a fractional duration is rounded, -0 is 0, 2.0 and 2e0 are the integer 2.
    String accepted = "{\"testCases\":["
      + "{\"title\":\"half\",\"location\":\"a:1\",\"status\":\"passed\",\"retry\":0,\"duration\":1.5},"
      + "{\"title\":\"zero\",\"location\":\"a:1\",\"status\":\"passed\",\"retry\":-0,\"duration\":-0},"
      + "{\"title\":\"two\",\"location\":\"a:1\",\"status\":\"passed\",\"retry\":2.0,\"duration\":2e0},"
      + "{\"title\":\"max\",\"location\":\"a:1\",\"status\":\"passed\",\"retry\":0,\"duration\":1e15}]}";
    HttpResponse<Buffer> stored = events(runId, token, accepted);
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(200);
    assertThat(scalar(attempt(runId, "half", "duration_ms"))).isEqualTo(2);
    assertThat(scalar(attempt(runId, "zero", "retry"))).isZero();
    assertThat(scalar(attempt(runId, "two", "retry"))).isEqualTo(2);
    assertThat(scalar(attempt(runId, "two", "duration_ms"))).isEqualTo(2);
    assertThat(scalar(attempt(runId, "max", "duration_ms"))).isEqualTo(1_000_000_000_000_000L);

    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"x\",\"startTime\":"
      + "\"-5000-01-01T00:00:00Z\"}"), 400, "validation_failed", "startTime");
    assertError(post("/api/test-runs/start", reporterKey, "{\"projectName\":\"x\",\"expectedTests\":"
      + "99999999999999999999}"), 400, "validation_failed", "expectedTests");

    // A long one-shot run: its end is start + duration, exactly (no overflow in nanoseconds).
    HttpResponse<Buffer> submitted = post("/api/test-runs/submit", reporterKey, submitBody(project + "-long")
      .put("duration", 1_000_000_000_000_000L));
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(201);
    assertThat(text("SELECT to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM runs WHERE id = "
      + submitted.bodyAsJsonObject().getLong("testRunId"))).isEqualTo("33715-08-17");
  }

  // ----- encodings --------------------------------------------------------------------------------------------

  @Test
  @DisplayName("invalid UTF-8, UTF-16 and UTF-32 bodies are 400 invalid_json, not altered; a UTF-8 BOM is skipped")
  void encodings() throws Exception {
    String project = "enc-" + UUID.randomUUID();
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("overlong '/'", bytes("{\"projectName\":\"", 0xc0, 0xaf, "\"}"));
    bad.put("overlong 3-byte", bytes("{\"projectName\":\"", 0xe0, 0x80, 0xaf, "\"}"));
    bad.put("lone continuation byte", bytes("{\"projectName\":\"a", 0x80, "\"}"));
    bad.put("truncated sequence", bytes("{\"projectName\":\"a", 0xe2, 0x82, "\"}"));
    bad.put("truncated at the end", bytes("{\"projectName\":\"a\"}", 0xe2));
    bad.put("surrogate in UTF-8", bytes("{\"projectName\":\"a", 0xed, 0xa0, 0x80, "\"}"));
    bad.put("above U+10FFFF", bytes("{\"projectName\":\"a", 0xf4, 0x90, 0x80, 0x80, "\"}"));
    bad.put("F5 lead byte", bytes("{\"projectName\":\"a", 0xf5, 0x80, 0x80, 0x80, "\"}"));
    bad.put("Latin-1 é", "{\"projectName\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
    String json = "{\"projectName\":\"" + project + "\"}";
    bad.put("UTF-16LE", json.getBytes(StandardCharsets.UTF_16LE));
    bad.put("UTF-16BE", json.getBytes(StandardCharsets.UTF_16BE));
    bad.put("UTF-16 with BOM", json.getBytes(StandardCharsets.UTF_16));
    bad.put("UTF-16LE with BOM", concat(new byte[] {(byte) 0xff, (byte) 0xfe},
      json.getBytes(StandardCharsets.UTF_16LE)));
    bad.put("UTF-32BE", json.getBytes(Charset.forName("UTF-32BE")));
    bad.put("UTF-32LE", json.getBytes(Charset.forName("UTF-32LE")));
    bad.put("UTF-32BE with BOM", concat(new byte[] {0, 0, (byte) 0xfe, (byte) 0xff},
      json.getBytes(Charset.forName("UTF-32BE"))));
    bad.put("UTF-32LE with BOM", concat(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0},
      json.getBytes(Charset.forName("UTF-32LE"))));
    for (Map.Entry<String, byte[]> c : bad.entrySet()) {
      HttpResponse<Buffer> response = post("/api/test-runs/start", reporterKey, c.getValue());
      assertThat(response.statusCode()).as(c.getKey() + ": " + response.bodyAsString()).isEqualTo(400);
      assertError(response, 400, "invalid_json", null);
    }
    assertThat(scalar("SELECT count(*) FROM projects WHERE name LIKE 'enc-%' OR name LIKE 'a%' OR name = '/'"))
      .isZero();

    byte[] withBom = concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
      ("{\"projectName\":\"" + project + " caf\u00e9 \uD83D\uDE00\"}").getBytes(StandardCharsets.UTF_8));
    HttpResponse<Buffer> bom = post("/api/test-runs/start", reporterKey, withBom);
    assertThat(bom.statusCode()).as(bom.bodyAsString()).isEqualTo(201);
    assertThat(text("SELECT name FROM projects WHERE id = " + bom.bodyAsJsonObject().getLong("projectId")))
      .isEqualTo(project + " caf\u00e9 \uD83D\uDE00");

    // Multipart JSON text fields are decoded as strictly; a problem names the field.
    byte[] overlong = bytes("{\"status\":\"passed\",\"startTime\":\"2026-11-20T10:00:00Z\",\"metadata\":{\"a\":\"",
      0xc0, 0xaf, "\"}}");
    assertError(upload(new Multipart().field("projectName", project).field("testRun", overlong)
      .field("testCases", "[]")), 400, "validation_failed", "testRun");
    assertError(upload(new Multipart().field("projectName", project).field("testRun", validTestRun())
      .field("testCases", "[]".getBytes(StandardCharsets.UTF_16))), 400, "validation_failed", "testCases");
    assertError(upload(new Multipart().field("projectName", project).field("testRun", validTestRun())
      .field("testCases", "[]".getBytes(StandardCharsets.UTF_16LE))), 400, "validation_failed", "testCases");
    HttpResponse<Buffer> bomField = upload(new Multipart().field("projectName", project + "-bom")
      .field("testRun", concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
        validTestRun().getBytes(StandardCharsets.UTF_8))).field("testCases", "[]"));
    assertThat(bomField.statusCode()).as(bomField.bodyAsString()).isEqualTo(201);
  }

  // ----- request targets --------------------------------------------------------------------------------------

  @Test
  @DisplayName("a malformed percent-encoding in the path or query is a JSON 400, logged without a stack trace")
  void malformedPercentEncoding() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try {
      for (String path : List.of("/api/%zz", "/api/test-runs/%zz/events", "/api/test-runs/1%", "/%zz",
        "/health/%zz")) {
        HttpResponse<Buffer> response = send(HttpMethod.GET, path, viewerKey, null);
        assertError(response, 400, "validation_failed", null);
        assertThat(response.bodyAsJsonObject().getString("message")).contains("path");
      }
      assertError(send(HttpMethod.POST, "/api/test-runs/%zz/events", null, new JsonObject()), 400,
        "validation_failed", null);
      assertError(send(HttpMethod.GET, "/api/test-runs?limit=%zz", viewerKey, null), 400, "validation_failed",
        "limit");
      assertError(send(HttpMethod.GET, "/api/test-runs?status=passed&q%zz=1", viewerKey, null), 400,
        "validation_failed", null);
      assertError(send(HttpMethod.GET, "/api/projects?cursor=%", viewerKey, null), 400, "validation_failed",
        "cursor");
    } finally {
      root.detachAppender(logged);
    }
    assertThat(logged.list).as("nothing at WARN or above, no stack trace")
      .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null);
  }

  // ----- media types ------------------------------------------------------------------------------------------

  @Test
  @DisplayName("JSON routes take application/json (charset utf-8 only), else 415, in the protocol's check order")
  void mediaTypes() {
    String project = "media-" + UUID.randomUUID();
    String body = startBody(project).encode();
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
      "application/json; charset=utf-16", "application/json; charset=iso-8859-1", "application/merge-patch+json",
      "application/jsonx", "")) {
      assertError(typed(HttpMethod.POST, "/api/test-runs/start", reporterKey, type, body), 415,
        "unsupported_media_type", null);
      assertError(typed(HttpMethod.POST, "/api/test-runs/submit", reporterKey, type, submitBody(project).encode()),
        415, "unsupported_media_type", null);
    }
    for (String type : List.of("application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8",
      "application/json; charset=\"utf-8\"")) {
      assertThat(typed(HttpMethod.POST, "/api/test-runs/start", reporterKey, type, body).statusCode()).as(type)
        .isIn(200, 201);
    }
    assertError(typed(HttpMethod.POST, "/api/test-runs/start", reporterKey, null, body), 415,
      "unsupported_media_type", null);
    assertError(typed(HttpMethod.POST, "/api/test-runs/start", null, "text/plain", body), 401, "unauthorized", null);
    assertError(typed(HttpMethod.POST, "/api/test-runs/start", viewerKey, "text/plain", body), 403, "forbidden",
      null);

    // Stream-token routes: 404 → token → state → 415, as for any other body error.
    JsonObject run = startRun(project + "-stream");
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");
    String events = "{\"testCases\":[]}";
    assertError(streamTyped("/api/test-runs/999999/events", token, "text/plain", events), 404, "not_found", null);
    assertError(streamTyped("/api/test-runs/" + runId + "/events", null, "text/plain",
      "{\"streamToken\":\"" + token + "\",\"testCases\":[]}"), 401, "unauthorized", null);
    assertError(streamTyped("/api/test-runs/" + runId + "/events", "nope", "text/plain", events), 403, "forbidden",
      null);
    assertError(streamTyped("/api/test-runs/" + runId + "/events", token, "text/plain", events), 415,
      "unsupported_media_type", null);
    assertError(streamTyped("/api/test-runs/" + runId + "/finish", token, "text/plain", "{\"status\":\"passed\"}"),
      415, "unsupported_media_type", null);
    assertThat(streamTyped("/api/test-runs/" + runId + "/finish", token, "application/json; charset=utf-8",
      "{\"status\":\"passed\"}").statusCode()).isEqualTo(200);
    assertError(streamTyped("/api/test-runs/" + runId + "/events", token, "text/plain", events), 409, "conflict",
      null);
    assertThat(streamTyped("/api/test-runs/" + runId + "/finish", token, "text/plain", "whatever").statusCode())
      .as("a repeated finish does not read its body").isEqualTo(200);

    // The read API's and the auth routes' JSON bodies follow the same rule.
    long projectId = run.getLong("projectId");
    String rename = new JsonObject().put("description", "d").encode();
    assertError(typed(HttpMethod.PATCH, "/api/projects/" + projectId, viewerKey, "text/plain", rename), 403,
      "forbidden", null);
    assertError(typed(HttpMethod.PATCH, "/api/projects/999999", adminKey, "text/plain", rename), 404, "not_found",
      null);
    assertError(typed(HttpMethod.PATCH, "/api/projects/" + projectId, adminKey, "text/plain", rename), 415,
      "unsupported_media_type", null);
    assertThat(typed(HttpMethod.PATCH, "/api/projects/" + projectId, adminKey, JSON, rename).statusCode())
      .isEqualTo(200);
    assertError(typed(HttpMethod.POST, "/api/keys", adminKey, "application/json; charset=latin1",
      new JsonObject().put("name", "k").encode()), 415, "unsupported_media_type", null);
    assertError(typed(HttpMethod.POST, "/api/auth/login", null, "text/plain",
      new JsonObject().put("username", "u").put("password", "p").encode()), 415, "unsupported_media_type", null);
  }

  // ----- retry, error, steps, annotations, attachments -------------------------------------------------------

  @Test
  @DisplayName("streamed events need retry (alias retries) and an error object needs message; one-shot entries do not")
  void retryAndErrorMessage() throws Exception {
    String project = "retry-" + UUID.randomUUID();
    JsonObject run = startRun(project);
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");

    JsonObject noRetry = complete("t");
    noRetry.remove("retry");
    HttpResponse<Buffer> missing = events(runId, token, batch(noRetry));
    assertError(missing, 400, "validation_failed", "testCases[0].retry");
    assertThat(missing.bodyAsJsonObject().getString("message")).contains("required");
    JsonObject begin = new JsonObject().put("type", "begin").put("title", "t").put("location", "a.spec.ts:1:1");
    assertError(events(runId, token, batch(begin)), 400, "validation_failed", "testCases[0].retry");
    assertError(events(runId, token, new JsonObject().put("testCase", noRetry.copy())), 400, "validation_failed",
      "testCase.retry");
    assertError(events(runId, token, batch(complete("t").put("retries", 1))), 400, "validation_failed",
      "testCases[0].retry");
    assertError(events(runId, token, batch(complete("t").put("error", new JsonObject().put("stack", "at x")))), 400,
      "validation_failed", "testCases[0].error.message");
    assertError(events(runId, token, batch(complete("t").put("error", new JsonObject().put("message", 3)))), 400,
      "validation_failed", "testCases[0].error.message");
    assertError(events(runId, token, batch(complete("t").put("error", 3))), 400, "validation_failed",
      "testCases[0].error");
    assertThat(scalar("SELECT count(*) FROM attempts WHERE run_id = " + runId)).isZero();

    JsonObject alias = complete("alias");
    alias.remove("retry");
    HttpResponse<Buffer> ok = events(runId, token, batch(alias.put("retries", 1),
      complete("both").put("retries", 0), complete("text").put("error", "boom"),
      complete("empty").put("error", new JsonObject().put("message", "")),
      new JsonObject().put("type", "begin").put("title", "b").put("location", "a.spec.ts:1:1").put("retries", 0)));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getInteger("stored")).isEqualTo(4);
    assertThat(scalar(attempt(runId, "alias", "retry"))).isEqualTo(1);

    JsonObject oneShot = entry("old");
    oneShot.remove("retries");
    HttpResponse<Buffer> submitted = post("/api/test-runs/submit", reporterKey, submitBody(project, oneShot));
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(201);
    assertThat(scalar(attempt(submitted.bodyAsJsonObject().getLong("testRunId"), "old", "retry"))).isZero();
  }

  @Test
  @DisplayName("steps, annotations and attachments have a checked shape; what is stored is exactly that shape")
  void shapesOfStoredLists() throws Exception {
    String project = "shape-" + UUID.randomUUID();
    JsonObject run = startRun(project);
    long runId = run.getLong("runId");
    String token = run.getString("streamToken");

    Map<String, JsonObject> refused = new LinkedHashMap<>();
    refused.put("testCases[0].steps", complete("t").put("steps", new JsonObject()));
    refused.put("testCases[0].steps[0]", complete("t").put("steps", new JsonArray().add("page.goto")));
    refused.put("testCases[0].steps[0].title", complete("t").put("steps", new JsonArray()
      .add(new JsonObject().put("duration", 1))));
    refused.put("testCases[0].steps[1].title", complete("t").put("steps", new JsonArray().add(step("a"))
      .add(step("b").put("title", 5))));
    refused.put("testCases[0].steps[0].title ", complete("t").put("steps", new JsonArray()
      .add(step("x".repeat(1_001)))));
    refused.put("testCases[0].steps[0].duration", complete("t").put("steps", new JsonArray()
      .add(new JsonObject().put("title", "a"))));
    refused.put("testCases[0].steps[0].duration ", complete("t").put("steps", new JsonArray()
      .add(step("a").put("duration", -1))));
    refused.put("testCases[0].steps[0].category", complete("t").put("steps", new JsonArray()
      .add(step("a").put("category", 7))));
    refused.put("testCases[0].steps[0].depth", complete("t").put("steps", new JsonArray()
      .add(step("a").put("depth", -1))));
    refused.put("testCases[0].steps[0].error", complete("t").put("steps", new JsonArray()
      .add(step("a").put("error", "yes"))));
    refused.put("testCases[0].steps[0].steps[0].steps", complete("t").put("steps", new JsonArray()
      .add(step("a").put("steps", new JsonArray().add(step("b").put("steps", "c"))))));
    refused.put("testCases[0].annotations[0]", complete("t").put("annotations", new JsonArray().add("skip")));
    refused.put("testCases[0].annotations[0].type", complete("t").put("annotations", new JsonArray()
      .add(new JsonObject().put("description", "d"))));
    refused.put("testCases[0].annotations[0].description", complete("t").put("annotations", new JsonArray()
      .add(new JsonObject().put("type", "issue").put("description", 42))));
    refused.put("testCases[0].annotations", complete("t").put("annotations", array(101,
      new JsonObject().put("type", "x"))));
    refused.put("testCases[0].attachments[0].name", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("contentType", "image/png"))));
    refused.put("testCases[0].attachments[0].contentType", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("name", "shot"))));
    refused.put("testCases[0].attachments[0].body", complete("t").put("attachments", new JsonArray()
      .add(new JsonObject().put("name", "shot").put("contentType", "image/png").put("body", "iVBORw0KGgo="))));
    for (Map.Entry<String, JsonObject> c : refused.entrySet()) {
      assertError(events(runId, token, batch(c.getValue())), 400, "validation_failed", c.getKey().trim());
    }

    // Nesting is bounded (20 levels below the attempt's list), and so is the number of steps, nested ones included.
    JsonObject deepest = step("level 20");
    for (int level = 19; level >= 0; level--) {
      deepest = step("level " + level).put("steps", new JsonArray().add(deepest));
    }
    assertThat(events(runId, token, batch(complete("nested").put("steps", new JsonArray().add(deepest))))
      .statusCode()).isEqualTo(200);
    JsonObject tooDeep = step("level 21");
    for (int level = 20; level >= 0; level--) {
      tooDeep = step("level " + level).put("steps", new JsonArray().add(tooDeep));
    }
    assertError(events(runId, token, batch(complete("t").put("steps", new JsonArray().add(tooDeep)))), 400,
      "validation_failed", "testCases[0].steps[0]" + ".steps[0]".repeat(20) + ".steps");
    JsonArray many = array(500, step("s"));
    many.add(step("parent").put("steps", array(500, step("child"))));
    assertError(events(runId, token, batch(complete("t").put("steps", many))), 400, "validation_failed",
      "testCases[0].steps[500].steps[499]");

    // What our reporter sends (flat, with depth and error flags) and Playwright-like nesting are kept as checked;
    // other fields are not stored.
    JsonObject ours = complete("ours")
      .put("steps", new JsonArray().add(new JsonObject().put("title", "").put("duration", 3).put("category", "hook"))
        .add(step("click").put("depth", 1).put("error", true).put("location", new JsonObject().put("line", 3))))
      .put("annotations", new JsonArray().add(new JsonObject().put("type", "issue").put("description", "#12"))
        .add(new JsonObject().put("type", "slow").put("location", "a.spec.ts:1"))
        .add(new JsonObject().put("type", "").put("description", null)))
      .put("attachments", new JsonArray().add(new JsonObject().put("name", "screenshot")
        .put("contentType", "image/png").put("path", "/ci/test-results/shot.png").put("extra", "\0")));
    JsonObject nested = complete("nested-pw").put("steps", new JsonArray().add(step("outer").put("startTime", "x")
      .put("steps", new JsonArray().add(step("inner").put("duration", 1.4)))));
    HttpResponse<Buffer> stored = events(runId, token, batch(ours, nested));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(200);
    assertThat(new JsonArray(text(attempt(runId, "ours", "steps::text")))).isEqualTo(new JsonArray()
      .add(new JsonObject().put("title", "").put("duration", 3).put("category", "hook"))
      .add(new JsonObject().put("title", "click").put("duration", 10).put("category", "pw:api").put("depth", 1)
        .put("error", true)));
    assertThat(new JsonArray(text(attempt(runId, "ours", "annotations::text")))).isEqualTo(new JsonArray()
      .add(new JsonObject().put("type", "issue").put("description", "#12"))
      .add(new JsonObject().put("type", "slow")).add(new JsonObject().put("type", "")));
    assertThat(new JsonArray(text(attempt(runId, "ours", "attachments::text")))).isEqualTo(new JsonArray()
      .add(new JsonObject().put("name", "screenshot").put("contentType", "image/png")
        .put("path", "/ci/test-results/shot.png")));
    assertThat(new JsonArray(text(attempt(runId, "nested-pw", "steps::text")))).isEqualTo(new JsonArray()
      .add(new JsonObject().put("title", "outer").put("duration", 10).put("category", "pw:api")
        .put("steps", new JsonArray().add(new JsonObject().put("title", "inner").put("duration", 1)
          .put("category", "pw:api")))));

    // One-shot entries are checked the same way.
    assertError(post("/api/test-runs/submit", reporterKey, submitBody(project, entry("t")
      .put("steps", new JsonArray().add(new JsonObject().put("title", "s"))))), 400, "validation_failed",
      "testCases[0].steps[0].duration");
    assertError(post("/api/test-runs/submit", reporterKey, submitBody(project, entry("t")
      .put("networkRequests", new JsonArray().add("GET /")))), 400, "validation_failed",
      "testCases[0].networkRequests[0]");
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static JsonObject startBody(String project) {
    return new JsonObject().put("projectName", project);
  }

  private static JsonObject startRun(String project) {
    HttpResponse<Buffer> response = post("/api/test-runs/start", reporterKey, startBody(project));
    assertThat(response.statusCode()).as(response.bodyAsString()).isIn(200, 201);
    return response.bodyAsJsonObject();
  }

  private static JsonObject complete(String title) {
    return new JsonObject().put("type", "complete").put("title", title)
      .put("titlePath", new JsonArray().add("suite").add(title)).put("location", "tests/a.spec.ts:10:5")
      .put("retry", 0).put("status", "passed").put("duration", 5);
  }

  private static JsonObject step(String title) {
    return new JsonObject().put("title", title).put("duration", 10).put("category", "pw:api");
  }

  private static JsonObject entry(String title) {
    return new JsonObject().put("title", title).put("location", "tests/a.spec.ts:3:1").put("status", "passed")
      .put("duration", 5).put("error", null).put("retries", 0);
  }

  private static JsonObject submitBody(String project, JsonObject... entries) {
    return new JsonObject().put("projectName", project).put("status", "passed")
      .put("startTime", "2026-11-20T10:00:00Z").put("testCases", new JsonArray(List.of((Object[]) entries)));
  }

  private static String validTestRun() {
    return new JsonObject().put("status", "passed").put("startTime", "2026-11-20T10:00:00Z").encode();
  }

  /** A batch of one complete item with some fields set to raw JSON: name, value, name, value, … */
  private static String rawBatch(String... fields) {
    Map<String, String> item = new LinkedHashMap<>(Map.of("title", "\"t\"", "location", "\"a:1\"",
      "status", "\"passed\"", "retry", "0", "duration", "1"));
    for (int i = 0; i < fields.length; i += 2) {
      item.put(fields[i], fields[i + 1]);
    }
    StringBuilder json = new StringBuilder("{\"testCases\":[{");
    item.forEach((name, raw) -> json.append(json.charAt(json.length() - 1) == '{' ? "" : ",")
      .append('"').append(name).append("\":").append(raw));
    return json.append("}]}").toString();
  }

  private static JsonObject batch(JsonObject... items) {
    return new JsonObject().put("testCases", new JsonArray(List.of((Object[]) items)));
  }

  private static JsonArray array(int size, JsonObject item) {
    JsonArray array = new JsonArray();
    for (int i = 0; i < size; i++) {
      array.add(item.copy());
    }
    return array;
  }

  /** {@code depth} objects nested inside each other: {"a":{"a":…{}}}. */
  private static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  private static String attempt(long runId, String title, String column) {
    return "SELECT a." + column + " FROM attempts a JOIN tests t ON t.id = a.test_id WHERE a.run_id = " + runId
      + " AND t.title = '" + title + "'";
  }

  private static HttpRequest<Buffer> request(HttpMethod method, String path, String key) {
    HttpRequest<Buffer> request = client.request(method, path);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    return request;
  }

  /** A JSON request: a JsonObject, a String or raw bytes, sent as application/json. */
  private static HttpResponse<Buffer> send(HttpMethod method, String path, String key, Object body) {
    HttpRequest<Buffer> request = request(method, path, key);
    if (body == null) {
      return request.send().await();
    }
    Buffer bytes = body instanceof JsonObject json ? json.toBuffer() : body instanceof byte[] raw
      ? Buffer.buffer(raw) : Buffer.buffer((String) body);
    return request.putHeader("Content-Type", JSON).sendBuffer(bytes).await();
  }

  private static HttpResponse<Buffer> post(String path, String key, Object body) {
    return send(HttpMethod.POST, path, key, body);
  }

  private static HttpResponse<Buffer> typed(HttpMethod method, String path, String key, String type, String body) {
    HttpRequest<Buffer> request = request(method, path, key);
    if (type != null) {
      request.putHeader("Content-Type", type);
    }
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  private static HttpResponse<Buffer> streamTyped(String path, String token, String type, String body) {
    HttpRequest<Buffer> request = client.post(path).putHeader("Content-Type", type);
    if (token != null) {
      request.putHeader("X-Stream-Token", token);
    }
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  private static HttpResponse<Buffer> events(long runId, String token, Object body) {
    Buffer bytes = body instanceof JsonObject json ? json.toBuffer() : Buffer.buffer((String) body);
    return client.post("/api/test-runs/" + runId + "/events").putHeader("X-Stream-Token", token)
      .putHeader("Content-Type", JSON).sendBuffer(bytes).await();
  }

  private static HttpResponse<Buffer> finish(long runId, String token, Object body) {
    Buffer bytes = body instanceof JsonObject json ? json.toBuffer() : Buffer.buffer((String) body);
    return client.post("/api/test-runs/" + runId + "/finish").putHeader("X-Stream-Token", token)
      .putHeader("Content-Type", JSON).sendBuffer(bytes).await();
  }

  private static HttpResponse<Buffer> upload(Multipart form) {
    return client.post("/api/test-runs/upload").bearerTokenAuthentication(reporterKey)
      .putHeader("Content-Type", form.contentType()).sendBuffer(form.body()).await();
  }

  /** The protocol's error body, exactly: error, message and (when expected) field, nothing else. */
  private static void assertError(HttpResponse<Buffer> response, int status, String code, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).as(body.encode()).isEqualTo(code);
    assertThat(body.getString("message")).as(body.encode()).isNotBlank();
    assertThat(body.getString("field")).as(body.encode()).isEqualTo(field);
    assertThat(body.fieldNames()).isSubsetOf("error", "message", "field");
  }

  /** Text and raw bytes ({@code Integer}s) in a row. */
  private static byte[] bytes(Object... parts) {
    Buffer out = Buffer.buffer();
    for (Object part : parts) {
      if (part instanceof String text) {
        out.appendString(text);
      } else {
        out.appendByte((byte) (int) (Integer) part);
      }
    }
    return out.getBytes();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return Buffer.buffer(a).appendBytes(b).getBytes();
  }

  private static long scalar(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String text(String sql) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).as(sql).isTrue();
      return rs.getString(1);
    }
  }

}
