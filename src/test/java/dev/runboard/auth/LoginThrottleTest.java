package dev.runboard.auth;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.TestUsers;
import dev.runboard.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Login throttling holds under concurrency; password hashing is bounded and never starves other requests")
class LoginThrottleTest {

  private static final String PASSWORD = "correct horse battery";
  private static final int USER_LIMIT = SessionHandler.USER_FAILURES;
  private static final int ADDRESS_LIMIT = SessionHandler.ADDRESS_FAILURES;

  private static Runboard node;
  private static WebClient client;
  private static String apiKey;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    client = client(vertx, node, "127.0.0.1");
    HttpResponse<Buffer> setup = client.post("/api/auth/setup")
      .sendJsonObject(new JsonObject().put("username", "admin").put("password", PASSWORD)).await();
    assertThat(setup.statusCode()).as(setup.bodyAsString()).isEqualTo(201);
    apiKey = TestUsers.apiKey(DatabaseUrl.parse(node.config().dbUrl()), "viewer");
  }

  @AfterAll
  static void stop() {
    client.close();
    node.stop();
  }

  @BeforeEach
  void forgetFailures() throws SQLException {
    sql(node, "DELETE FROM login_throttle");
  }

  /** A client for {@code target} whose connections come from {@code localAddress}, with room for large crowds. */
  private static WebClient client(Vertx vertx, Runboard target, String localAddress) {
    WebClientOptions options = new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(target.port());
    options.setLocalAddress(localAddress);
    return WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(256));
  }

  private static Future<HttpResponse<Buffer>> login(WebClient from, String username, String password) {
    return from.post("/api/auth/login")
      .sendJsonObject(new JsonObject().put("username", username).put("password", password));
  }

  /** Sends {@code count} logins at once and waits for every answer. */
  private static List<HttpResponse<Buffer>> crowd(int count, IntFunction<Future<HttpResponse<Buffer>>> login) {
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sent.add(login.apply(i));
    }
    Future.all(sent).await();
    return sent.stream().map(Future::result).toList();
  }

  private static Map<Integer, Long> statuses(List<HttpResponse<Buffer>> responses) {
    return responses.stream().collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
  }

  private static void assertRefusedAsThrottled(List<HttpResponse<Buffer>> responses) {
    for (HttpResponse<Buffer> response : responses) {
      if (response.statusCode() == 429) {
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("too_many_requests");
        assertThat(Long.parseLong(response.getHeader("Retry-After"))).isBetween(1L, 15 * 60L + 1);
      }
    }
  }

  /** The value of a Prometheus counter or gauge of the node {@code to} talks to (0 if absent). */
  private static double metric(WebClient to, String name) {
    String text = to.get("/metrics").send().await().bodyAsString();
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double hashes(WebClient to) {
    return metric(to, "runboard_password_hashes_total");
  }

  private static void sql(Runboard target, String statement) throws SQLException {
    try (Connection c = TestDatabase.jdbc(DatabaseUrl.parse(target.config().dbUrl()));
         Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** Attempts counted for the key ({@code LIKE} pattern), summed. */
  private static int failuresCounted(Runboard target, String key) throws SQLException {
    try (Connection c = TestDatabase.jdbc(DatabaseUrl.parse(target.config().dbUrl()));
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT coalesce(sum(failures), 0) FROM login_throttle "
           + "WHERE throttle_key LIKE '" + key + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void createUser(String username) {
    String cookie = null;
    HttpResponse<Buffer> admin = login(client, "admin", PASSWORD).await();
    for (String header : admin.headers().getAll("Set-Cookie")) {
      if (header.startsWith("runboard_session=")) {
        cookie = header.substring(0, header.indexOf(';'));
      }
    }
    HttpResponse<Buffer> created = client.post("/api/users").putHeader("Cookie", cookie)
      .sendJsonObject(new JsonObject().put("username", username).put("password", PASSWORD)).await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  @Test
  @DisplayName("40 wrong passwords at once for one user: only the per-user limit reaches the hash, the rest get 429, "
    + "and then the right password is refused too")
  void perUserLimitUnderConcurrency() throws SQLException {
    createUser("victim");
    double before = hashes(client);

    List<HttpResponse<Buffer>> answers = crowd(40, i -> login(client, "victim", "wrong password " + i));

    Map<Integer, Long> statuses = statuses(answers);
    assertThat(statuses).as("answers by status").containsOnlyKeys(401, 429);
    assertThat(statuses.get(401)).as("guesses checked").isEqualTo(USER_LIMIT);
    assertThat(statuses.get(429)).isEqualTo(40L - USER_LIMIT);
    assertRefusedAsThrottled(answers);
    assertThat(hashes(client) - before).as("Argon2 hashes computed").isEqualTo(USER_LIMIT);

    HttpResponse<Buffer> right = login(client, "Victim", PASSWORD).await();
    assertThat(right.statusCode()).as(right.bodyAsString()).isEqualTo(429);
    assertThat(right.headers().getAll("Set-Cookie")).noneMatch(h -> h.startsWith("runboard_session="));
    assertThat(failuresCounted(node, "ip:127.0.0.1")).as("the address counts only the checked guesses")
      .isEqualTo(USER_LIMIT);
    assertThat(login(client, "admin", PASSWORD).await().statusCode()).as("other accounts still log in")
      .isEqualTo(200);
  }

  @Test
  @DisplayName("an unknown username costs one hash per guess and is throttled like a real one")
  void unknownUsernameIsThrottled() {
    double before = hashes(client);
    for (int i = 0; i < USER_LIMIT; i++) {
      assertThat(login(client, "ghost", "guess " + i).await().statusCode()).isEqualTo(401);
    }
    assertThat(hashes(client) - before).isEqualTo(USER_LIMIT);
    HttpResponse<Buffer> blocked = login(client, "ghost", "guess").await();
    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(blocked.bodyAsJsonObject().getString("message")).startsWith("Too many failed logins");
    assertThat(hashes(client) - before).as("a blocked login is not hashed").isEqualTo(USER_LIMIT);
  }

  @Test
  @DisplayName("200 guesses at once from one address: exactly the per-address limit is hashed, the address is "
    + "then blocked, and other addresses are not")
  void perAddressLimitUnderConcurrency(Vertx vertx) {
    double before = hashes(client);

    List<HttpResponse<Buffer>> answers = crowd(200, i -> login(client, "nobody-" + i, "guess " + i));

    Map<Integer, Long> statuses = statuses(answers);
    assertThat(statuses).as("answers by status").containsOnlyKeys(401, 429);
    assertThat(statuses.get(401)).as("guesses checked").isEqualTo(ADDRESS_LIMIT);
    assertRefusedAsThrottled(answers);
    assertThat(hashes(client) - before).as("Argon2 hashes computed, unknown users included")
      .isEqualTo(ADDRESS_LIMIT);

    assertThat(login(client, "admin", PASSWORD).await().statusCode()).as("the address is blocked").isEqualTo(429);
    WebClient elsewhere = client(vertx, node, "127.0.0.2");
    try {
      assertThat(login(elsewhere, "admin", PASSWORD).await().statusCode()).as("another address").isEqualTo(200);
    } finally {
      elsewhere.close();
    }
  }

  @Test
  @DisplayName("more concurrent logins to one account than its limit all succeed (they wait for the places in "
    + "flight), and a success never counts as a failure")
  void concurrentRightLogins() throws SQLException {
    for (int i = 0; i < 3; i++) {
      assertThat(login(client, "nobody", "guess " + i).await().statusCode()).isEqualTo(401);
    }
    List<HttpResponse<Buffer>> answers = crowd(2 * USER_LIMIT, i -> login(client, "admin", PASSWORD));
    assertThat(statuses(answers)).containsOnlyKeys(200);
    assertThat(failuresCounted(node, "ip:127.0.0.1")).isEqualTo(3);
    assertThat(failuresCounted(node, "user:admin")).isZero();
  }

  @Test
  @DisplayName("while a crowd of logins is being hashed, a cheap API request still answers quickly")
  void cheapRequestsDuringACrowd() throws InterruptedException {
    double before = hashes(client);
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < ADDRESS_LIMIT; i++) {
      sent.add(login(client, "crowd-" + i, "guess " + i));
    }
    Future<?> crowd = Future.all(sent);

    List<Long> probesDuringCrowd = new ArrayList<>();
    long slowest = 0;
    while (!crowd.isComplete()) {
      long start = System.nanoTime();
      HttpResponse<Buffer> me = client.get("/api/auth/me").putHeader("X-API-Key", apiKey).send().await();
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(me.statusCode()).isEqualTo(200);
      slowest = Math.max(slowest, millis);
      if (!crowd.isComplete()) {
        probesDuringCrowd.add(millis);
      }
      Thread.sleep(20);
    }
    crowd.await();

    assertThat(sent).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(401));
    assertThat(hashes(client) - before).isEqualTo(ADDRESS_LIMIT);
    assertThat(probesDuringCrowd).as("requests answered while the crowd was hashed").isNotEmpty();
    assertThat(slowest).as("slowest of %s requests during the crowd (ms)", probesDuringCrowd.size())
      .isLessThan(1_000);
  }

  @Test
  @DisplayName("past auth.hashQueue waiting hashes a login gets 503 with Retry-After at once, and its attempt is "
    + "not counted against the user or the address")
  void boundedHashingQueue(Vertx vertx) throws Exception {
    Runboard small = Runboard.start(TestDatabase.config(new JsonObject().put("auth.hashThreads", 1)
      .put("auth.hashQueue", 0)));
    WebClient to = client(vertx, small, "127.0.0.1");
    try {
      double hashedBefore = hashes(to);
      double refusedBefore = metric(to, "runboard_password_hashes_refused_total");

      List<HttpResponse<Buffer>> answers = crowd(ADDRESS_LIMIT, i -> login(to, "someone-" + i, "guess " + i));

      Map<Integer, Long> statuses = statuses(answers);
      assertThat(statuses).as("answers by status").containsOnlyKeys(401, 503).containsKeys(401, 503);
      for (HttpResponse<Buffer> answer : answers) {
        if (answer.statusCode() == 503) {
          assertThat(answer.bodyAsJsonObject().getString("error")).isEqualTo("unavailable");
          assertThat(answer.getHeader("Retry-After")).isEqualTo(Long.toString(Passwords.BUSY_RETRY_AFTER_S));
        }
      }
      long checked = statuses.get(401);
      assertThat(hashes(to) - hashedBefore).isEqualTo(checked);
      assertThat(metric(to, "runboard_password_hashes_refused_total") - refusedBefore)
        .isEqualTo(statuses.get(503).doubleValue());
      assertThat(metric(to, "runboard_password_hashes_pending")).isZero();
      assertThat(failuresCounted(small, "ip:127.0.0.1")).as("refused hashes gave their places back")
        .isEqualTo((int) checked);
      assertThat(failuresCounted(small, "user:someone-%")).as("and so did their usernames'").isEqualTo((int) checked);
    } finally {
      to.close();
      small.stop();
    }
  }
}
