package dev.runboard.files;

import dev.runboard.Runboard;
import dev.runboard.SseClient;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.Multipart;
import dev.runboard.files.FileFixtures.StartedRun;
import dev.runboard.files.FileFixtures.Token;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
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

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The files origin over real HTTP on a real node (two HTTP instances, embedded PostgreSQL): the URLs the API,
 * live events and uploads give out, what the files listener answers and with which headers, capabilities that do
 * not hold, the old {@code /api/files} addresses, and key rotation, also across two nodes sharing one database.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Files are served from their own origin, by signed expiring URL only")
class FilesOriginTest {

  private static final String REPORT_INDEX = "<!doctype html><html><body><script src=\"./data/app.js\"></script>"
    + "</body></html>";
  private static final byte[] SCRIPT = "document.body.append('report ready');\n".repeat(10)
    .getBytes(StandardCharsets.UTF_8);
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3, 4};
  private static final long TTL_SECONDS = 3600;

  private static Runboard node;
  private static DatabaseUrl db;
  private static Path dataDir;
  private static WebClient client;
  private static WebClient files;
  private static HttpClient http;
  private static String viewerKey;
  private static String adminKey;
  private static long runId;
  private static JsonObject report;
  private static JsonObject screenshot;
  private static JsonObject page;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    dataDir = Files.createTempDirectory("runboard-files-origin");
    node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, dataDir.toString())));
    db = DatabaseUrl.parse(node.config().dbUrl());
    viewerKey = TestUsers.apiKey(db, "viewer");
    adminKey = TestUsers.apiKey(db, "administrator");
    String reporterKey = TestUsers.apiKey(db, "reporter");
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port())
      .setFollowRedirects(false));
    // New connections each time: requests reach both HTTP instances.
    files = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setKeepAlive(false));
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));

    StartedRun run = FileFixtures.startRun(client, reporterKey, "files-origin");
    runId = run.runId();
    byte[] reportZip = FileFixtures.zip(Map.of("index.html", REPORT_INDEX.getBytes(StandardCharsets.UTF_8),
      "data/app.js", SCRIPT, "data/notes and more.txt", "spaced".getBytes(StandardCharsets.UTF_8)));
    JsonArray stored = FileFixtures.attach(client, run, new Multipart()
      .file("report_html", "report.zip", "application/zip", reportZip)
      .field("attachments", FileFixtures.attachments("screenshot", "image/png", "page", "text/html").encode())
      .file("attachment_0", "shot.png", "image/png", PNG)
      .file("attachment_1", "page.html", "text/html", "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8)));
    report = stored.getJsonObject(0);
    screenshot = stored.getJsonObject(1);
    page = stored.getJsonObject(2);
  }

  @AfterAll
  static void stop() throws IOException {
    if (node != null) {
      node.stop();
    }
    if (dataDir != null) {
      try (Stream<Path> all = Files.walk(dataDir)) {
        for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  // ----- the URLs given out --------------------------------------------------------------------------------------

  @Test
  @DisplayName("upload answers, the read API and live events give absolute signed URLs on the files origin, with expiresAt")
  void urlsGivenOut() throws Exception {
    String filesOrigin = "http://127.0.0.1:" + node.filesPort();
    assertThat(node.filesPort()).isNotEqualTo(node.port()).isPositive();
    // Upload answer.
    assertThat(report.getString("url")).matches("\\Q" + filesOrigin + "/c/\\E[A-Za-z0-9_-]{60}/" + report.getLong("id")
      + "/");
    assertThat(screenshot.getString("url")).as("a single file is at its (attachment) name")
      .endsWith("/" + screenshot.getLong("id") + "/screenshot");
    assertExpiry(report);

    // Read API: on the host the client used.
    JsonObject detail = get(client.get("/api/test-runs/" + runId)).bodyAsJsonObject();
    JsonObject listed = detail.getJsonArray("files").getJsonObject(0);
    assertThat(listed.getString("url")).startsWith(filesOrigin + "/c/").endsWith("/" + report.getLong("id") + "/");
    assertExpiry(listed);
    JsonObject viaLocalhost = get(client.get("/api/test-runs/" + runId).virtualHost("localhost")).bodyAsJsonObject();
    assertThat(viaLocalhost.getJsonArray("files").getJsonObject(0).getString("url"))
      .startsWith("http://localhost:" + node.filesPort() + "/c/");
    HttpResponse<Buffer> viaNonsense = get(client.get("/api/test-runs/" + runId).putHeader("Host", "evil_host!:80"));
    assertThat(viaNonsense.statusCode()).isEqualTo(200);
    assertThat(viaNonsense.bodyAsJsonObject().getJsonArray("files").getJsonObject(0).getString("url"))
      .as("a Host that is not a host name is not echoed").startsWith(filesOrigin + "/c/");

    // Live events (a replay of the run's events): run-files with URLs, each client on its own host.
    for (String host : List.of("127.0.0.1", "localhost")) {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewerKey)
        .add("Last-Event-ID", "0").add("Host", host + ":" + node.port());
      try (SseClient sse = SseClient.connect(http, node.port(), "/api/test-runs/" + runId + "/stream", headers)) {
        SseClient.Event event = sse.next();
        assertThat(event.type()).isEqualTo("run-files");
        JsonObject file = event.json().getJsonArray("files").getJsonObject(0);
        assertThat(file.getString("url")).startsWith("http://" + host + ":" + node.filesPort() + "/c/");
        assertExpiry(file);
        assertThat(file.getString("expiresAt")).isNotNull();
      }
    }
  }

  @Test
  @DisplayName("a live run-files event reaches clients of two hosts at once, each with URLs on its own host")
  void liveEventsPerHost(Vertx vertx) throws Exception {
    String reporterKey = TestUsers.apiKey(db, "reporter");
    StartedRun run = FileFixtures.startRun(client, reporterKey, "files-live");
    List<SseClient> streams = new ArrayList<>();
    try {
      for (String host : List.of("127.0.0.1", "localhost", "127.0.0.1")) {
        SseClient sse = SseClient.connect(http, node.port(), "/api/test-runs/" + run.runId() + "/stream",
          MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + viewerKey)
            .add("Host", host + ":" + node.port()));
        assertThat(sse.next().type()).isEqualTo("init");
        streams.add(sse);
      }
      FileFixtures.attach(client, run, new Multipart()
        .field("attachments", FileFixtures.attachments("screenshot", "image/png").encode())
        .file("attachment_0", "live.png", "image/png", PNG));
      List<String> urls = new ArrayList<>();
      for (SseClient sse : streams) {
        SseClient.Event event = sse.next();
        assertThat(event.type()).isEqualTo("run-files");
        urls.add(event.json().getJsonArray("files").getJsonObject(0).getString("url"));
      }
      assertThat(urls.get(0)).startsWith("http://127.0.0.1:" + node.filesPort() + "/c/").endsWith("/screenshot");
      assertThat(urls.get(1)).startsWith("http://localhost:" + node.filesPort() + "/c/").endsWith("/screenshot");
      assertThat(urls.get(2)).isEqualTo(urls.get(0));
      HttpResponse<Buffer> image = get(files.getAbs(urls.get(1)));
      assertThat(image.statusCode()).isEqualTo(200);
      assertThat(image.body().getBytes()).isEqualTo(PNG);
    } finally {
      streams.forEach(SseClient::close);
    }
  }

  // ----- the files listener --------------------------------------------------------------------------------------

  @Test
  @DisplayName("a report and its relative entries are served under one capability, with the files origin's headers")
  void servesReport() {
    String base = fresh(report);
    HttpResponse<Buffer> index = get(files.getAbs(base));
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).isEqualTo(REPORT_INDEX);
    assertThat(index.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(index.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(index.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(index.getHeader("Content-Security-Policy"))
      .isEqualTo("frame-ancestors 'self' http://127.0.0.1:" + node.port());
    assertThat(index.getHeader("Cross-Origin-Resource-Policy")).isEqualTo("same-origin");
    assertThat(index.getHeader("Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
    assertThat(index.getHeader("Set-Cookie")).isNull();
    long maxAge = Long.parseLong(index.getHeader("Cache-Control").replaceAll("^private, max-age=(\\d+), immutable$",
      "$1"));
    assertThat(maxAge).as("until the capability expires").isBetween(TTL_SECONDS - 5, TTL_SECONDS + 300);
    // Relative links resolve under the same capability.
    HttpResponse<Buffer> script = get(files.getAbs(base + "data/app.js"));
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(script.body().getBytes()).isEqualTo(SCRIPT);
    assertThat(get(files.getAbs(base + "data/notes%20and%20more.txt")).bodyAsString()).isEqualTo("spaced");
    // The folder without its slash: a relative redirect that keeps the capability.
    HttpResponse<Buffer> folder = get(files.getAbs(base.substring(0, base.length() - 1)));
    assertThat(folder.statusCode()).isEqualTo(302);
    assertThat(folder.getHeader("Location")).isEqualTo(report.getLong("id") + "/");
    // The domain of the dashboard as the client named it may frame files.
    HttpResponse<Buffer> viaLocalhost = get(files.getAbs(base).virtualHost("localhost"));
    assertThat(viaLocalhost.getHeader("Content-Security-Policy"))
      .isEqualTo("frame-ancestors 'self' http://localhost:" + node.port());
  }

  @Test
  @DisplayName("HEAD answers as GET without a body; byte ranges answer 206, and 416 past the end")
  void headAndRanges() {
    String url = fresh(report) + "data/app.js";
    HttpResponse<Buffer> head = get(files.headAbs(url));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.getHeader("Content-Length")).isEqualTo(Integer.toString(SCRIPT.length));
    assertThat(head.getHeader("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(head.getHeader("Accept-Ranges")).isEqualTo("bytes");
    assertThat(head.body()).isNull();

    HttpResponse<Buffer> part = get(files.getAbs(url).putHeader("Range", "bytes=7-24"));
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.getHeader("Content-Range")).isEqualTo("bytes 7-24/" + SCRIPT.length);
    assertThat(part.body().getBytes()).isEqualTo(Arrays.copyOfRange(SCRIPT, 7, 25));
    HttpResponse<Buffer> suffix = get(files.getAbs(url).putHeader("Range", "bytes=-5"));
    assertThat(suffix.statusCode()).isEqualTo(206);
    assertThat(suffix.body().getBytes()).isEqualTo(Arrays.copyOfRange(SCRIPT, SCRIPT.length - 5, SCRIPT.length));
    HttpResponse<Buffer> headRange = get(files.headAbs(url).putHeader("Range", "bytes=0-9"));
    assertThat(headRange.statusCode()).isEqualTo(206);
    assertThat(headRange.getHeader("Content-Length")).isEqualTo("10");
    HttpResponse<Buffer> beyond = get(files.getAbs(url).putHeader("Range", "bytes=" + SCRIPT.length + "-"));
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.getHeader("Content-Range")).isEqualTo("bytes */" + SCRIPT.length);
  }

  @Test
  @DisplayName("single files: their declared type, sandboxed, embeddable cross-origin; nothing but their own name")
  void servesSingleFiles() {
    HttpResponse<Buffer> image = get(files.getAbs(fresh(screenshot)));
    assertThat(image.statusCode()).isEqualTo(200);
    assertThat(image.getHeader("Content-Type")).isEqualTo("image/png");
    assertThat(image.body().getBytes()).isEqualTo(PNG);
    assertThat(image.getHeader("Cross-Origin-Resource-Policy")).isEqualTo("cross-origin");
    assertThat(image.getHeader("Content-Security-Policy"))
      .isEqualTo("sandbox; frame-ancestors 'self' http://127.0.0.1:" + node.port());
    HttpResponse<Buffer> html = get(files.getAbs(fresh(page)));
    assertThat(html.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(html.getHeader("Content-Security-Policy")).as("an HTML attachment runs no script").startsWith("sandbox;");
    String url = fresh(screenshot);
    String base = url.substring(0, url.lastIndexOf('/') + 1);
    assertThat(get(files.getAbs(base)).statusCode()).as("the file's folder is the file").isEqualTo(200);
    assertThat(get(files.getAbs(base + "screenshot")).statusCode()).isEqualTo(200);
    assertThat(get(files.getAbs(base + "other.png")).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("forged, expired, misplaced or malformed capabilities are 403 with a short plain body; other mistakes 4xx")
  void refusals() throws Exception {
    String url = fresh(report);
    String capability = FileFixtures.capabilityOf(url);
    long reportId = report.getLong("id");
    String origin = "http://127.0.0.1:" + node.filesPort();
    Token token = Token.of(capability);
    assertThat(token.version()).isEqualTo(1);

    // A capability made here with the stored secret is accepted: the format is as documented.
    byte[] secret = secret(token.keyId());
    long future = Instant.now().getEpochSecond() + 600;
    assertThat(get(files.getAbs(origin + "/c/" + sign(secret, token.keyId(), reportId, future) + "/" + reportId + "/"))
      .statusCode()).isEqualTo(200);

    List<String> refused = new ArrayList<>();
    refused.add(origin + "/c/" + sign(secret, token.keyId(), reportId, Instant.now().getEpochSecond() - 1) + "/"
      + reportId + "/");
    refused.add(origin + "/c/" + sign("another secret 32 bytes long!!!!".getBytes(StandardCharsets.US_ASCII),
      token.keyId(), reportId, future) + "/" + reportId + "/");
    refused.add(origin + "/c/" + sign(secret, token.keyId() + 1000, reportId, future) + "/" + reportId + "/");
    char last = capability.charAt(40);
    refused.add(url.replace(capability, capability.substring(0, 40) + (last == 'A' ? 'B' : 'A')
      + capability.substring(41)));
    refused.add(url.replace(capability, capability.substring(1)));
    refused.add(url.replace(capability, "not-a-capability"));
    refused.add(origin + "/c/" + capability + "/" + screenshot.getLong("id") + "/screenshot");
    for (String bad : refused) {
      HttpResponse<Buffer> response = get(files.getAbs(bad));
      assertThat(response.statusCode()).as(bad).isEqualTo(403);
      assertThat(response.getHeader("Content-Type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(response.bodyAsString()).isEqualTo(FileServer.FORBIDDEN_TEXT).hasSizeLessThan(100);
      assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
    }

    long unknown = 987_654_321L;
    HttpResponse<Buffer> missing = get(files.getAbs(origin + "/c/" + sign(secret, token.keyId(), unknown, future)
      + "/" + unknown + "/"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(get(files.getAbs(url + "data/missing.js")).statusCode()).isEqualTo(404);
    for (String escape : List.of("..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/x", "data%5C..%5C..%5Cx",
      "data/%00.js", "%zz")) {
      HttpResponse<Buffer> outside = get(files.getAbs(url + escape));
      assertThat(outside.statusCode()).as(escape).isIn(400, 404);
      assertThat(outside.bodyAsJsonObject().getString("error")).as(escape).isIn("validation_failed", "not_found");
    }
    HttpResponse<Buffer> badId = get(files.getAbs(origin + "/c/" + capability + "/abc/"));
    assertThat(badId.statusCode()).isEqualTo(400);
    assertThat(badId.bodyAsJsonObject().getString("field")).isEqualTo("artifactId");
    HttpResponse<Buffer> post = get(files.postAbs(url));
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.getHeader("Allow")).isEqualTo("GET, HEAD");
    for (String path : List.of("/", "/api/test-runs", "/api/auth/me", "/index.html", "/health/live", "/metrics")) {
      HttpResponse<Buffer> other = get(files.getAbs(origin + path).bearerTokenAuthentication(adminKey));
      assertThat(other.statusCode()).as("the files origin serves files only: " + path).isEqualTo(404);
    }
    // A cookie is neither needed nor read, and none is set.
    HttpResponse<Buffer> withCookie = get(files.getAbs(url).putHeader("Cookie", "runboard_session=whatever"));
    assertThat(withCookie.statusCode()).isEqualTo(200);
    assertThat(withCookie.getHeader("Set-Cookie")).isNull();
  }

  // ----- the API's file addresses ---------------------------------------------------------------------------------

  @Test
  @DisplayName("/api/files/{id}/… answers 307 to the signed URL of the same entry, for callers with credentials")
  void apiRedirects() {
    long reportId = report.getLong("id");
    HttpResponse<Buffer> entry = get(client.get("/api/files/" + reportId + "/data/app.js")
      .bearerTokenAuthentication(viewerKey));
    assertThat(entry.statusCode()).isEqualTo(307);
    String location = entry.getHeader("Location");
    assertThat(location).startsWith("http://127.0.0.1:" + node.filesPort() + "/c/").endsWith("/" + reportId
      + "/data/app.js");
    assertThat(entry.bodyAsJsonObject().getString("url")).isEqualTo(location);
    assertThat(entry.bodyAsJsonObject().getString("expiresAt")).isNotNull();
    assertThat(entry.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(get(files.getAbs(location)).body().getBytes()).isEqualTo(SCRIPT);

    assertThat(get(client.get("/api/files/" + reportId).bearerTokenAuthentication(viewerKey)).getHeader("Location"))
      .endsWith("/" + reportId + "/");
    assertThat(get(client.get("/api/files/" + reportId + "/data/notes%20and%20more.txt")
      .bearerTokenAuthentication(viewerKey)).getHeader("Location")).endsWith("/data/notes%20and%20more.txt");
    long shotId = screenshot.getLong("id");
    String single = get(client.get("/api/files/" + shotId).bearerTokenAuthentication(viewerKey)).getHeader("Location");
    assertThat(single).endsWith("/" + shotId + "/screenshot");
    assertThat(get(files.getAbs(single)).body().getBytes()).isEqualTo(PNG);
    assertThat(get(client.get("/api/files/" + shotId + "/other.png").bearerTokenAuthentication(viewerKey))
      .statusCode()).isEqualTo(404);
    assertThat(get(client.get("/api/files/" + reportId + "/..%2F..%2Fx").bearerTokenAuthentication(viewerKey))
      .statusCode()).isEqualTo(400);
    assertThat(get(client.get("/api/files/987654321/").bearerTokenAuthentication(viewerKey)).statusCode())
      .isEqualTo(404);
    assertThat(get(client.get("/api/files/" + reportId + "/")).statusCode()).as("no credentials").isEqualTo(401);
  }

  // ----- keys ----------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("rotation: a new key signs, old URLs work until their key is retired, then 403; the last key stays")
  void rotation(Vertx vertx) throws Exception {
    String before = freshUrl();
    int oldKey = Token.of(FileFixtures.capabilityOf(before)).keyId();

    assertThat(get(client.post("/api/signing-keys").bearerTokenAuthentication(viewerKey)).statusCode()).isEqualTo(403);
    HttpResponse<Buffer> created = get(client.post("/api/signing-keys").bearerTokenAuthentication(adminKey));
    assertThat(created.statusCode()).isEqualTo(201);
    int newKey = created.bodyAsJsonObject().getInteger("id");
    assertThat(newKey).isGreaterThan(oldKey);
    assertThat(created.bodyAsJsonObject().getBoolean("signing")).isTrue();
    assertThat(created.bodyAsString()).doesNotContain("secret");

    // Every instance signs with the new key (the bus told them), and still verifies the old one.
    awaitTrue(() -> {
      for (int i = 0; i < 6; i++) {
        if (Token.of(FileFixtures.capabilityOf(freshUrl())).keyId() != newKey) {
          return false;
        }
      }
      return true;
    });
    for (int i = 0; i < 4; i++) {
      assertThat(get(files.getAbs(before)).statusCode()).isEqualTo(200);
    }
    JsonArray keys = get(client.get("/api/signing-keys").bearerTokenAuthentication(adminKey)).bodyAsJsonObject()
      .getJsonArray("keys");
    assertThat(keys.stream().map(k -> ((JsonObject) k).getInteger("id") + ":" + ((JsonObject) k).getBoolean("signing")
      + ":" + (((JsonObject) k).getString("retiredAt") != null))).contains(oldKey + ":false:false",
      newKey + ":true:false");

    assertThat(get(client.delete("/api/signing-keys/" + oldKey).bearerTokenAuthentication(adminKey)).statusCode())
      .isEqualTo(204);
    awaitTrue(() -> {
      for (int i = 0; i < 6; i++) {
        if (get(files.getAbs(before)).statusCode() != 403) {
          return false;
        }
      }
      return true;
    });
    assertThat(get(files.getAbs(freshUrl())).statusCode()).isEqualTo(200);
    assertThat(get(client.delete("/api/signing-keys/" + oldKey).bearerTokenAuthentication(adminKey)).statusCode())
      .as("retiring again").isEqualTo(204);
    for (Object key : get(client.get("/api/signing-keys").bearerTokenAuthentication(adminKey)).bodyAsJsonObject()
      .getJsonArray("keys")) {
      JsonObject other = (JsonObject) key;
      if (other.getInteger("id") != newKey && other.getString("retiredAt") == null) {
        assertThat(get(client.delete("/api/signing-keys/" + other.getInteger("id")).bearerTokenAuthentication(adminKey))
          .statusCode()).isEqualTo(204);
      }
    }
    HttpResponse<Buffer> last = get(client.delete("/api/signing-keys/" + newKey).bearerTokenAuthentication(adminKey));
    assertThat(last.statusCode()).isEqualTo(409);
    assertThat(last.bodyAsJsonObject().getString("error")).isEqualTo("conflict");
    assertThat(get(client.delete("/api/signing-keys/99999").bearerTokenAuthentication(adminKey)).statusCode())
      .isEqualTo(404);
    assertThat(get(client.delete("/api/signing-keys/99999999999").bearerTokenAuthentication(adminKey)).statusCode())
      .isEqualTo(404);
  }

  @Test
  @DisplayName("a second node on the same database verifies every URL, also one signed with a key it has not seen yet")
  void everyNodeVerifies() throws Exception {
    Runboard other = Runboard.start(AppConfig.of(node.config().json().put(AppConfig.HTTP_PORT, 0)
      .put(AppConfig.FILES_PORT, 0)));
    try {
      String url = freshUrl();
      String onOther = url.replace(":" + node.filesPort() + "/", ":" + other.filesPort() + "/");
      assertThat(get(files.getAbs(onOther)).body().getBytes()).isEqualTo(SCRIPT);
      // A key created on the first node (no cluster bus between these two): the other node looks it up.
      HttpResponse<Buffer> created = get(client.post("/api/signing-keys").bearerTokenAuthentication(adminKey));
      assertThat(created.statusCode()).isEqualTo(201);
      int newKey = created.bodyAsJsonObject().getInteger("id");
      String[] latest = new String[1];
      awaitTrue(() -> Token.of(FileFixtures.capabilityOf(latest[0] = freshUrl())).keyId() == newKey);
      String signedWithNew = latest[0];
      String newOnOther = signedWithNew.replace(":" + node.filesPort() + "/", ":" + other.filesPort() + "/");
      assertThat(get(files.getAbs(newOnOther)).statusCode()).isEqualTo(200);
    } finally {
      other.stop();
    }
  }

  @Test
  @DisplayName("behind a proxy: URLs name files.publicUrl, and files let http.publicUrl frame them")
  void behindProxy() throws Exception {
    Runboard proxied = Runboard.start(AppConfig.of(node.config().json().put(AppConfig.HTTP_PORT, 0)
      .put(AppConfig.FILES_PORT, 0).put(AppConfig.HTTP_PUBLIC_URL, "https://runboard.example.com")
      .put(AppConfig.FILES_PUBLIC_URL, "https://runboard-files.example-usercontent.com")));
    try {
      JsonObject detail = get(client.get(proxied.port(), "127.0.0.1", "/api/test-runs/" + runId)
        .bearerTokenAuthentication(viewerKey)).bodyAsJsonObject();
      String url = detail.getJsonArray("files").getJsonObject(0).getString("url");
      assertThat(url).startsWith("https://runboard-files.example-usercontent.com/c/");
      // What the proxy forwards: the same path to the node's files port.
      String path = url.substring("https://runboard-files.example-usercontent.com".length());
      HttpResponse<Buffer> index = get(files.get(proxied.filesPort(), "127.0.0.1", path)
        .virtualHost("runboard-files.example-usercontent.com"));
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.bodyAsString()).isEqualTo(REPORT_INDEX);
      assertThat(index.getHeader("Content-Security-Policy"))
        .isEqualTo("frame-ancestors 'self' https://runboard.example.com");
    } finally {
      proxied.stop();
    }
  }

  @Test
  @DisplayName("a busy files port stops the start with a message that names files.port")
  void busyFilesPort() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      AppConfig config = AppConfig.of(node.config().json().put(AppConfig.HTTP_PORT, 0)
        .put(AppConfig.FILES_PORT, busy.getLocalPort()));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Runboard.start(config))
        .hasMessageContaining("files.port").hasMessageContaining(":" + busy.getLocalPort());
    }
  }

  // ----- helpers -------------------------------------------------------------------------------------------------

  /** A freshly signed URL of the report's script, from the read API. */
  private static String freshUrl() {
    return fresh(report) + "data/app.js";
  }

  /** The file's URL as the read API gives it now (signed with the key in force). */
  private static String fresh(JsonObject file) {
    JsonObject detail = get(client.get("/api/test-runs/" + runId).bearerTokenAuthentication(viewerKey))
      .bodyAsJsonObject();
    for (Object listed : detail.getJsonArray("files")) {
      if (((JsonObject) listed).getLong("id").equals(file.getLong("id"))) {
        return ((JsonObject) listed).getString("url");
      }
    }
    throw new AssertionError("no file " + file.getLong("id") + " in run " + runId);
  }

  private static void assertExpiry(JsonObject file) {
    long expiresAt = Instant.parse(file.getString("expiresAt")).getEpochSecond();
    long now = Instant.now().getEpochSecond();
    assertThat(expiresAt).as("files.urlTtl (1 h), rounded up to 5 min at most").isBetween(now + TTL_SECONDS - 5,
      now + TTL_SECONDS + 300);
    assertThat(Token.of(FileFixtures.capabilityOf(file.getString("url"))).expiry()).isEqualTo(expiresAt);
  }

  private static HttpResponse<Buffer> get(HttpRequest<Buffer> request) {
    if (request.method() == HttpMethod.GET && request.uri().startsWith("/api/") && !hasCredentials(request)) {
      request.bearerTokenAuthentication(viewerKey);
    }
    return request.send().await();
  }

  private static boolean hasCredentials(HttpRequest<Buffer> request) {
    return request.headers().contains("Authorization") || request.uri().startsWith("/api/files/");
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static byte[] secret(int keyId) throws SQLException {
    try (Connection c = TestDatabase.jdbc(db);
         PreparedStatement s = c.prepareStatement("SELECT secret FROM file_signing_keys WHERE id = ?")) {
      s.setInt(1, keyId);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getBytes(1);
      }
    }
  }

  /** A capability as documented: version 1, expiry, key id, HMAC-SHA256 over the domain, artifact and the rest. */
  private static String sign(byte[] secret, int keyId, long artifactId, long expiry) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    mac.update("runboard-file".getBytes(StandardCharsets.US_ASCII));
    mac.update(ByteBuffer.allocate(21).put((byte) 1).putLong(artifactId).putLong(expiry).putInt(keyId).array());
    byte[] token = ByteBuffer.allocate(45).put((byte) 1).putLong(expiry).putInt(keyId).put(mac.doFinal()).array();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
  }
}
