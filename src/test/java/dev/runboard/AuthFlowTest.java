package dev.runboard;

import dev.runboard.ApiClient.Caller;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Accounts: setup, login and sessions, API keys, users, cross-site and throttling rules over real HTTP")
class AuthFlowTest {

  private static final String ADMIN = "admin";
  private static final String ADMIN_PASSWORD = "correct horse battery";

  private static Runboard node;
  private static ApiClient api;
  private static String adminCookie;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    api = new ApiClient(vertx, node.port());
    HttpResponse<Buffer> setup = api.post("/api/auth/setup", Caller.NOBODY,
      new JsonObject().put("username", ADMIN).put("password", ADMIN_PASSWORD));
    assertThat(setup.statusCode()).isEqualTo(201);
    adminCookie = ApiClient.sessionCookie(setup);
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static Caller admin() {
    return Caller.session(adminCookie);
  }

  /** Creates an account through the API and returns its id. */
  private static long createUser(String username, String role) {
    HttpResponse<Buffer> created = api.post("/api/users", admin(),
      new JsonObject().put("username", username).put("password", ADMIN_PASSWORD).put("role", role));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getLong("id");
  }

  private static JsonObject createKey(Caller caller, JsonObject body) {
    HttpResponse<Buffer> created = api.post("/api/keys", caller, body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
  }

  @Test
  @DisplayName("setup creates the first administrator exactly once, also when two setups race; then answers 409")
  void setupOnlyOnce(Vertx vertx) throws Exception {
    Runboard fresh = Runboard.start(TestDatabase.config(new JsonObject()));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(fresh.port()));
    try {
      assertThat(client.get("/api/auth/setup").send().await().bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("setupRequired", true));
      List<Future<HttpResponse<Buffer>>> racing = List.of(
        client.post("/api/auth/setup").sendJsonObject(new JsonObject().put("username", "first")
          .put("password", ADMIN_PASSWORD)),
        client.post("/api/auth/setup").sendJsonObject(new JsonObject().put("username", "second")
          .put("password", ADMIN_PASSWORD)));
      Future.join(racing).await();
      List<Integer> statuses = racing.stream().map(f -> f.result().statusCode()).sorted().collect(Collectors.toList());
      assertThat(statuses).containsExactly(201, 409);
      HttpResponse<Buffer> winner = racing.stream().map(Future::result).filter(r -> r.statusCode() == 201)
        .findFirst().orElseThrow();
      assertThat(winner.bodyAsJsonObject().getString("role")).isEqualTo("administrator");
      assertThat(winner.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("id", "username", "role",
        "createdAt");
      assertThat(ApiClient.sessionCookie(winner)).isNotBlank();

      assertThat(client.get("/api/auth/setup").send().await().bodyAsJsonObject().getBoolean("setupRequired"))
        .isFalse();
      HttpResponse<Buffer> again = client.post("/api/auth/setup").sendJsonObject(
        new JsonObject().put("username", "third").put("password", ADMIN_PASSWORD)).await();
      assertError(again, 409, "conflict");
      try (Connection c = TestDatabase.jdbc(DatabaseUrl.parse(fresh.config().dbUrl()));
           Statement s = c.createStatement();
           var rs = s.executeQuery("SELECT count(*), min(password_hash) FROM users")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
        assertThat(rs.getString(2)).as("Argon2id in PHC form, salted")
          .matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
      }
    } finally {
      client.close();
      fresh.stop();
    }
  }

  @Test
  @DisplayName("login sets an HttpOnly SameSite=Strict cookie, me answers with it, and logout ends the session")
  void loginAndLogout() {
    HttpResponse<Buffer> login = api.post("/api/auth/login", Caller.NOBODY,
      new JsonObject().put("username", "ADMIN").put("password", ADMIN_PASSWORD));
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.bodyAsJsonObject().getString("username")).isEqualTo(ADMIN);
    assertThat(login.bodyAsJsonObject().getString("role")).isEqualTo("administrator");
    assertThat(login.bodyAsString()).doesNotContain("argon2").doesNotContain("password");
    String setCookie = ApiClient.setCookieHeader(login);
    assertThat(setCookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/")
      .doesNotContain("Secure");
    String cookie = ApiClient.sessionCookie(login);
    assertThat(cookie).hasSizeGreaterThanOrEqualTo(43);

    HttpResponse<Buffer> me = api.get("/api/auth/me", Caller.session(cookie));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("authentication")).isEqualTo("session");
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo(ADMIN);

    HttpResponse<Buffer> logout = api.post("/api/auth/logout", Caller.session(cookie), null);
    assertThat(logout.statusCode()).isEqualTo(204);
    assertThat(ApiClient.setCookieHeader(logout)).startsWith("runboard_session=;").contains("Max-Age=0");
    assertError(api.get("/api/auth/me", Caller.session(cookie)), 401, "unauthorized");
    assertThat(api.get("/api/auth/me", admin()).statusCode()).as("other sessions go on").isEqualTo(200);
  }

  @Test
  @DisplayName("a wrong password or an unknown user answers 401 with the protocol's error body")
  void wrongPassword() {
    HttpResponse<Buffer> wrong = api.post("/api/auth/login", Caller.NOBODY,
      new JsonObject().put("username", ADMIN).put("password", "not the password"));
    assertError(wrong, 401, "unauthorized");
    assertThat(ApiClient.sessionCookie(wrong)).isNull();
    HttpResponse<Buffer> unknown = api.post("/api/auth/login", Caller.NOBODY,
      new JsonObject().put("username", "nobody-here").put("password", "whatever it is"));
    assertError(unknown, 401, "unauthorized");
    assertThat(unknown.bodyAsJsonObject().getString("message")).isEqualTo(wrong.bodyAsJsonObject().getString("message"));
    assertError(api.post("/api/auth/login", Caller.NOBODY, Buffer.buffer("{\"username\":")), 400, "invalid_json");
    assertError(api.post("/api/auth/login", Caller.NOBODY, new JsonArray().add(1)), 400, "validation_failed");
  }

  @Test
  @DisplayName("failed logins are throttled per username (429 with Retry-After, even for the right password) and per address")
  void throttling() throws Exception {
    createUser("throttled", "viewer");
    for (int i = 0; i < 5; i++) {
      assertError(api.post("/api/auth/login", Caller.NOBODY,
        new JsonObject().put("username", "throttled").put("password", "wrong password " + i)), 401, "unauthorized");
    }
    HttpResponse<Buffer> blocked = api.post("/api/auth/login", Caller.NOBODY,
      new JsonObject().put("username", "Throttled").put("password", ADMIN_PASSWORD));
    assertError(blocked, 429, "too_many_requests");
    assertThat(Long.parseLong(blocked.getHeader("Retry-After"))).isBetween(1L, 15 * 60L + 1);
    assertThat(ApiClient.sessionCookie(blocked)).isNull();
    assertThat(api.login(ADMIN, ADMIN_PASSWORD)).as("other accounts still log in").isNotBlank();

    try (Connection c = TestDatabase.jdbc(DatabaseUrl.parse(node.config().dbUrl()));
         Statement s = c.createStatement()) {
      s.execute("INSERT INTO login_throttle (throttle_key, failures, blocked_until) "
        + "VALUES ('ip:127.0.0.1', 30, now() + interval '1 minute') "
        + "ON CONFLICT (throttle_key) DO UPDATE SET blocked_until = excluded.blocked_until");
      try {
        assertError(api.post("/api/auth/login", Caller.NOBODY,
          new JsonObject().put("username", ADMIN).put("password", ADMIN_PASSWORD)), 429, "too_many_requests");
      } finally {
        s.execute("DELETE FROM login_throttle WHERE throttle_key = 'ip:127.0.0.1'");
      }
    }
  }

  @Test
  @DisplayName("a cookie-authenticated POST from a foreign Origin is refused; same-origin, no Origin and API keys pass")
  void crossSite() {
    JsonObject body = new JsonObject().put("name", "cross-site");
    assertError(api.post("/api/keys", admin().with("Origin", "https://evil.example"), body), 403, "forbidden");
    assertError(api.post("/api/keys", admin().with("Origin", "null"), body), 403, "forbidden");
    assertThat(api.post("/api/keys", admin().with("Origin", api.origin()), body).statusCode()).isEqualTo(201);
    assertThat(api.post("/api/keys", admin(), body).statusCode()).isEqualTo(201);
    assertThat(api.get("/api/keys", admin().with("Origin", "https://evil.example")).statusCode())
      .as("reads are not mutations").isEqualTo(200);
    String key = createKey(admin(), body).getString("key");
    assertThat(api.post("/api/keys", Caller.key(key).with("Origin", "https://evil.example"), body).statusCode())
      .as("API keys are not sent by browsers on their own").isEqualTo(201);
    assertError(api.post("/api/auth/login", Caller.header("Origin", "https://evil.example"),
      new JsonObject().put("username", ADMIN).put("password", ADMIN_PASSWORD)), 403, "forbidden");
  }

  @Test
  @DisplayName("an API key is shown once at creation and never again in any list or profile")
  void keyShownOnce() {
    long viewerId = createUser("key-owner", "viewer");
    JsonObject created = createKey(admin(), new JsonObject().put("name", "ci").put("userId", viewerId)
      .put("expiresInDays", 30));
    String key = created.getString("key");
    assertThat(key).startsWith("rb_").hasSize(46);
    assertThat(created.getString("prefix")).isEqualTo(key.substring(0, 10));
    assertThat(created.getLong("userId")).isEqualTo(viewerId);
    assertThat(created.getString("expiresAt")).isNotNull();

    HttpResponse<Buffer> me = api.get("/api/auth/me", Caller.bearer(key));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("authentication")).isEqualTo("apiKey");
    assertThat(me.bodyAsJsonObject().getLong("apiKeyId")).isEqualTo(created.getLong("id"));
    List<HttpResponse<Buffer>> reads = List.of(me,
      api.get("/api/keys", Caller.key(key)),
      api.get("/api/keys?userId=" + viewerId, admin()),
      api.get("/api/users", admin()));
    for (HttpResponse<Buffer> read : reads) {
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(read.bodyAsString()).doesNotContain(key).doesNotContain(key.substring(10)).doesNotContain("argon2")
        .doesNotContain("\"key\"").doesNotContain("hash");
    }
    JsonObject listed = api.get("/api/keys", Caller.key(key)).bodyAsJsonObject().getJsonArray("keys").getJsonObject(0);
    assertThat(listed.fieldNames()).containsExactlyInAnyOrder("id", "userId", "name", "prefix", "createdAt",
      "lastUsedAt", "expiresAt", "revokedAt");
    assertThat(listed.getString("lastUsedAt")).as("use is recorded").isNotNull();
  }

  @Test
  @DisplayName("expired and revoked keys answer 401; only the owner or an administrator revokes a key")
  void expiredAndRevokedKeys() throws Exception {
    long viewerId = createUser("revoker", "viewer");
    String viewerKey = createKey(admin(), new JsonObject().put("name", "own").put("userId", viewerId)).getString("key");
    JsonObject adminKey = createKey(admin(), new JsonObject().put("name", "admin's"));
    assertError(api.send(HttpMethod.DELETE, "/api/keys/" + adminKey.getLong("id"), Caller.key(viewerKey), null),
      404, "not_found");
    assertError(api.post("/api/keys", Caller.key(viewerKey), new JsonObject().put("name", "x").put("userId", 1)),
      403, "forbidden");

    JsonObject second = createKey(Caller.key(viewerKey), new JsonObject().put("name", "second"));
    assertThat(api.send(HttpMethod.DELETE, "/api/keys/" + second.getLong("id"), Caller.key(viewerKey), null)
      .statusCode()).isEqualTo(204);
    assertError(api.get("/api/auth/me", Caller.key(second.getString("key"))), 401, "unauthorized");
    JsonObject revoked = api.get("/api/keys", Caller.key(viewerKey)).bodyAsJsonObject().getJsonArray("keys")
      .stream().map(JsonObject.class::cast).filter(k -> k.getLong("id").equals(second.getLong("id")))
      .findFirst().orElseThrow();
    assertThat(revoked.getString("revokedAt")).isNotNull();

    JsonObject expiring = createKey(admin(), new JsonObject().put("name", "short").put("userId", viewerId)
      .put("expiresAt", "2099-01-01T00:00:00Z"));
    assertThat(api.get("/api/auth/me", Caller.key(expiring.getString("key"))).statusCode()).isEqualTo(200);
    try (Connection c = TestDatabase.jdbc(DatabaseUrl.parse(node.config().dbUrl()));
         Statement s = c.createStatement()) {
      s.execute("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = " + expiring.getLong("id"));
    }
    assertError(api.get("/api/auth/me", Caller.key(expiring.getString("key"))), 401, "unauthorized");
    assertError(api.get("/api/auth/me", Caller.bearer(expiring.getString("key"))), 401, "unauthorized");
    assertError(api.post("/api/keys", admin(), new JsonObject().put("name", "past")
      .put("expiresAt", "2001-01-01T00:00:00Z")), 400, "validation_failed");
  }

  @Test
  @DisplayName("the last administrator can be neither deleted nor demoted (409); with two, one can be demoted")
  void lastAdministrator() {
    long adminId = api.get("/api/auth/me", admin()).bodyAsJsonObject().getLong("id");
    assertError(api.send(HttpMethod.DELETE, "/api/users/" + adminId, admin(), null), 409, "conflict");
    assertError(api.send(HttpMethod.PATCH, "/api/users/" + adminId, admin(), new JsonObject().put("role", "viewer")),
      409, "conflict");
    long second = createUser("second-admin", "administrator");
    HttpResponse<Buffer> demoted = api.send(HttpMethod.PATCH, "/api/users/" + second, admin(),
      new JsonObject().put("role", "reporter"));
    assertThat(demoted.statusCode()).isEqualTo(200);
    assertThat(demoted.bodyAsJsonObject().getString("role")).isEqualTo("reporter");
    assertThat(api.send(HttpMethod.DELETE, "/api/users/" + second, admin(), null).statusCode()).isEqualTo(204);
    assertError(api.send(HttpMethod.DELETE, "/api/users/" + second, admin(), null), 404, "not_found");
    assertThat(api.get("/api/auth/me", admin()).bodyAsJsonObject().getString("role")).isEqualTo("administrator");
  }

  @Test
  @DisplayName("a password reset ends the account's sessions and the new password works")
  void passwordReset() {
    long userId = createUser("resetter", "reporter");
    String cookie = api.login("resetter", ADMIN_PASSWORD);
    HttpResponse<Buffer> reset = api.send(HttpMethod.PATCH, "/api/users/" + userId, admin(),
      new JsonObject().put("password", "a brand new passphrase"));
    assertThat(reset.statusCode()).isEqualTo(200);
    assertError(api.get("/api/auth/me", Caller.session(cookie)), 401, "unauthorized");
    assertThat(api.login("resetter", "a brand new passphrase")).isNotBlank();
  }

  @Test
  @DisplayName("bad bodies and ids answer 400 with the field, unknown users 404, duplicate names 409")
  void validation() {
    assertError(api.post("/api/users", admin(), Buffer.buffer("{nope")), 400, "invalid_json");
    assertError(api.post("/api/users", admin(), new JsonArray()), 400, "validation_failed");
    HttpResponse<Buffer> shortPassword = api.post("/api/users", admin(),
      new JsonObject().put("username", "shorty").put("password", "short").put("role", "viewer"));
    assertError(shortPassword, 400, "validation_failed");
    assertThat(shortPassword.bodyAsJsonObject().getString("field")).isEqualTo("password");
    HttpResponse<Buffer> badRole = api.post("/api/users", admin(),
      new JsonObject().put("username", "roleless").put("password", ADMIN_PASSWORD).put("role", "root"));
    assertThat(badRole.bodyAsJsonObject().getString("field")).isEqualTo("role");
    createUser("Duplicate", "viewer");
    assertError(api.post("/api/users", admin(),
      new JsonObject().put("username", "duplicate").put("password", ADMIN_PASSWORD)), 409, "conflict");
    HttpResponse<Buffer> badId = api.send(HttpMethod.PATCH, "/api/users/abc", admin(),
      new JsonObject().put("role", "viewer"));
    assertError(badId, 400, "validation_failed");
    assertThat(badId.bodyAsJsonObject().getString("field")).isEqualTo("userId");
    assertError(api.send(HttpMethod.PATCH, "/api/users/99999", admin(), new JsonObject().put("role", "viewer")),
      404, "not_found");
    assertError(api.send(HttpMethod.PATCH, "/api/users/1", admin(), new JsonObject()), 400, "validation_failed");
    assertError(api.post("/api/keys", admin(), new JsonObject().put("name", "x").put("expiresInDays", 3)
      .put("expiresAt", "2099-01-01T00:00:00Z")), 400, "validation_failed");
    assertError(api.post("/api/keys", admin(), Buffer.buffer(new byte[70 * 1024])), 413, "payload_too_large");
  }

  @Test
  @DisplayName("credentials in other forms answer 401: a key as a cookie, an unknown session, a malformed header")
  void otherCredentialForms() {
    String key = createKey(admin(), new JsonObject().put("name", "as cookie")).getString("key");
    assertError(api.get("/api/auth/me", Caller.header("Cookie", key)), 401, "unauthorized");
    assertError(api.get("/api/auth/me", Caller.header("Cookie", "apiKey=" + key)), 401, "unauthorized");
    assertError(api.get("/api/auth/me", Caller.session("not-a-session")), 401, "unauthorized");
    assertError(api.get("/api/auth/me", Caller.header("Authorization", "Basic YWRtaW46eA==")), 401, "unauthorized");
    assertError(api.get("/api/users", Caller.NOBODY), 401, "unauthorized");
  }

  @Test
  @DisplayName("sessions end after the idle timeout and after their absolute lifetime; https implies Secure cookies")
  void sessionExpiry(Vertx vertx) throws Exception {
    Runboard shortLived = Runboard.start(TestDatabase.config(new JsonObject()
      .put(AppConfig.AUTH_SESSION_IDLE_TIMEOUT, "1500ms")
      .put(AppConfig.AUTH_SESSION_MAX_AGE, "4s")
      .put(AppConfig.HTTP_PUBLIC_URL, "https://runboard.example.com")
      .put(AppConfig.ADMIN_USERNAME, "root")
      .put(AppConfig.ADMIN_PASSWORD, ADMIN_PASSWORD)));
    ApiClient client = new ApiClient(vertx, shortLived.port());
    try {
      assertThat(client.get("/api/auth/setup", Caller.NOBODY).bodyAsJsonObject().getBoolean("setupRequired"))
        .as("the configured administrator exists").isFalse();
      HttpResponse<Buffer> login = client.post("/api/auth/login", Caller.NOBODY,
        new JsonObject().put("username", "root").put("password", ADMIN_PASSWORD));
      assertThat(ApiClient.setCookieHeader(login)).contains("Secure").containsIgnoringCase("HttpOnly").contains("Max-Age=4");
      String idle = ApiClient.sessionCookie(login);
      String busy = client.login("root", ADMIN_PASSWORD);
      long started = System.currentTimeMillis();
      assertThat(client.get("/api/auth/me", Caller.session(idle)).statusCode()).isEqualTo(200);
      // The busy session is used every 400 ms: it outlives the idle timeout, but not its 4 s lifetime.
      while (System.currentTimeMillis() - started < 2_500) {
        assertThat(client.get("/api/auth/me", Caller.session(busy)).statusCode()).isEqualTo(200);
        Thread.sleep(400);
      }
      assertError(client.get("/api/auth/me", Caller.session(idle)), 401, "unauthorized");
      while (System.currentTimeMillis() - started < 4_500) {
        Thread.sleep(400);
        client.get("/api/auth/me", Caller.session(busy));
      }
      assertError(client.get("/api/auth/me", Caller.session(busy)), 401, "unauthorized");
      String cookie = client.login("root", ADMIN_PASSWORD);
      assertError(client.post("/api/keys", Caller.session(cookie).with("Origin", client.origin()),
        new JsonObject().put("name", "x")), 403, "forbidden");
      assertThat(client.post("/api/keys", Caller.session(cookie).with("Origin", "https://runboard.example.com"),
        new JsonObject().put("name", "x")).statusCode()).as("the public URL is the server's origin").isEqualTo(201);
    } finally {
      client.close();
      shortLived.stop();
    }
  }
}
