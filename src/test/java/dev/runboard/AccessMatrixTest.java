package dev.runboard;

import dev.runboard.ApiClient.Caller;
import dev.runboard.auth.Access;
import dev.runboard.config.AppConfig;
import dev.runboard.config.DatabaseUrl;
import dev.runboard.store.Pools;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access matrix, generated from the router's own route list: every API route must carry an access rule, and
 * every route × caller answers what its rule implies, over real HTTP against a real node.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Every API route declares an access rule, and every route answers each kind of caller accordingly")
class AccessMatrixTest {

  private static final String PASSWORD = "matrix password";
  private static final Pattern PARAM = Pattern.compile(":([A-Za-z][A-Za-z0-9_]*)");

  private static Runboard node;
  private static ApiClient api;
  private static List<Route> routes;
  private static final Map<String, Caller> callers = new LinkedHashMap<>();
  private static final Map<String, String> ids = new LinkedHashMap<>();
  private static boolean runsExist;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    api = new ApiClient(vertx, node.port());
    Services services = Services.create(vertx, node.config(), null, node.files()).await();
    try {
      Router router = HttpVerticle.router(services).await();
      routes = List.copyOf(router.getRoutes());
    } finally {
      services.pool().close().await();
    }

    HttpResponse<Buffer> setup = api.post("/api/auth/setup", Caller.NOBODY,
      new JsonObject().put("username", "root").put("password", PASSWORD));
    assertThat(setup.statusCode()).isEqualTo(201);
    Caller root = Caller.session(ApiClient.sessionCookie(setup));
    DatabaseUrl url = DatabaseUrl.parse(node.config().dbUrl());
    String expired = TestUsers.apiKey(url, "administrator");
    String revoked = TestUsers.apiKey(url, "administrator");
    try (Connection c = TestDatabase.jdbc(url); Statement s = c.createStatement()) {
      s.execute("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE prefix = '"
        + expired.substring(0, 10) + "'");
      s.execute("UPDATE api_keys SET revoked_at = now() WHERE prefix = '" + revoked.substring(0, 10) + "'");
    }
    String reporter = TestUsers.apiKey(url, "reporter");
    callers.put("anonymous", Caller.NOBODY);
    callers.put("expired key", Caller.key(expired));
    callers.put("revoked key", Caller.bearer(revoked));
    callers.put("viewer", Caller.key(TestUsers.apiKey(url, "viewer")));
    callers.put("reporter", Caller.bearer(reporter));
    callers.put("administrator", Caller.key(TestUsers.apiKey(url, "administrator")));

    HttpResponse<Buffer> victim = api.post("/api/users", root,
      new JsonObject().put("username", "victim").put("password", PASSWORD).put("role", "viewer"));
    ids.put("userId", victim.bodyAsJsonObject().getLong("id").toString());
    HttpResponse<Buffer> key = api.post("/api/keys", root, new JsonObject().put("name", "victim key"));
    ids.put("keyId", key.bodyAsJsonObject().getLong("id").toString());

    // Stream-token routes need two runs: requests name run A and carry run B's token.
    runsExist = routes.stream().anyMatch(r -> "/api/test-runs/start".equals(r.getPath()));
    if (runsExist) {
      JsonObject runA = startRun(reporter);
      JsonObject runB = startRun(reporter);
      ids.put("runId", runA.getLong("runId").toString());
      ids.put("id", runA.getLong("runId").toString());
      ids.put("projectId", runA.getLong("projectId").toString());
      callers.put("another run's stream token", Caller.header("X-Stream-Token", runB.getString("streamToken")));
    }
  }

  private static JsonObject startRun(String reporterKey) {
    HttpResponse<Buffer> started = api.post("/api/test-runs/start", Caller.bearer(reporterKey),
      new JsonObject().put("projectName", "matrix"));
    assertThat(started.statusCode()).as(started.bodyAsString()).isIn(200, 201);
    return started.bodyAsJsonObject();
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  private static boolean isApi(Route route) {
    return route.getPath() != null && route.getPath().startsWith("/api/");
  }

  /** The catch-all 404 of unknown API routes. */
  private static boolean isCatchAll(Route route) {
    return "/api/".equals(route.getPath());
  }

  @Test
  @DisplayName("no route under /api/ lacks an access rule")
  void everyRouteHasAnAccessRule() {
    List<String> unguarded = routes.stream().filter(AccessMatrixTest::isApi)
      .filter(r -> r.getMetadata(Access.METADATA) == null)
      .map(r -> r.methods() + " " + r.getPath()).toList();
    assertThat(unguarded).as("routes without Access metadata (mount them through guard.protect)").isEmpty();
    assertThat(routes.stream().filter(AccessMatrixTest::isApi).count()).isGreaterThanOrEqualTo(12);
  }

  @Test
  @DisplayName("each route answers each caller as its rule says: 401 without valid credentials, 403 for a role too low")
  void matrix() {
    List<Probe> probes = new ArrayList<>();
    for (Route route : routes) {
      if (!isApi(route) || isCatchAll(route)) {
        continue;
      }
      Access access = Access.valueOf(route.getMetadata(Access.METADATA));
      if (access == Access.STREAM_TOKEN && !runsExist) {
        continue;
      }
      Set<HttpMethod> methods = route.methods() == null || route.methods().isEmpty()
        ? Set.of(HttpMethod.GET) : route.methods();
      for (HttpMethod method : methods) {
        probes.add(new Probe(method, route.getPath(), access));
      }
    }
    // Deletions last, so that they do not remove what other probes name.
    probes.sort(Comparator.comparing(p -> p.method() == HttpMethod.DELETE));
    List<String> wrong = new ArrayList<>();
    for (Probe probe : probes) {
      String path = substitute(probe.path());
      for (Map.Entry<String, Caller> caller : callers.entrySet()) {
        Object body = probe.method() == HttpMethod.GET || probe.method() == HttpMethod.DELETE ? null : new JsonObject();
        boolean stream = path.endsWith("/stream");
        HttpResponse<Buffer> response = stream ? null : api.send(probe.method(), path, caller.getValue(), body);
        String expected = expected(probe.access(), caller.getKey());
        int status = stream ? api.streamStatus(path, caller.getValue()) : response.statusCode();
        boolean ok = switch (expected) {
          case "401" -> status == 401;
          case "403" -> status == 403;
          default -> status != 401 && status != 403 && status < 500;
        };
        if (!ok) {
          wrong.add(probe.method() + " " + path + " (" + probe.access() + ") as " + caller.getKey() + ": expected "
            + expected + ", got " + status + (stream ? "" : " " + response.bodyAsString()));
        }
        if (status >= 400 && !stream) {
          assertThat(response.bodyAsJsonObject().getString("error")).as(probe + " as " + caller.getKey()).isNotBlank();
        }
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(probes).hasSizeGreaterThanOrEqualTo(12);
  }

  /** "401", "403", or "allowed" (neither 401 nor 403). */
  private static String expected(Access access, String caller) {
    boolean invalid = caller.equals("anonymous") || caller.endsWith("key") || caller.endsWith("stream token");
    return switch (access) {
      case PUBLIC -> "allowed";
      case STREAM_TOKEN -> caller.endsWith("stream token") ? "403" : "401";
      case SIGNED_IN, VIEWER -> invalid ? "401" : "allowed";
      case REPORTER, REPORTER_OR_STREAM_TOKEN -> invalid ? "401" : caller.equals("viewer") ? "403" : "allowed";
      case ADMINISTRATOR -> invalid ? "401" : caller.equals("administrator") ? "allowed" : "403";
    };
  }

  private static String substitute(String path) {
    Matcher m = PARAM.matcher(path);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, ids.getOrDefault(m.group(1), "1"));
    }
    m.appendTail(out);
    return out.toString();
  }

  @Test
  @DisplayName("with auth.anonymousRead on, viewer GET routes answer without credentials, and nothing else does")
  void anonymousRead(Vertx vertx) throws Exception {
    Runboard open = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.AUTH_ANONYMOUS_READ, true)));
    ApiClient client = new ApiClient(vertx, open.port());
    try {
      String viewerKey = TestUsers.apiKey(DatabaseUrl.parse(open.config().dbUrl()), "viewer");
      for (Route route : routes) {
        if (!isApi(route) || isCatchAll(route)) {
          continue;
        }
        Access access = Access.valueOf(route.getMetadata(Access.METADATA));
        if (access == Access.STREAM_TOKEN) {
          // The matrix covers them; this node has no runs, and a missing run is a 404 before the token.
          continue;
        }
        Set<HttpMethod> methods = route.methods() == null || route.methods().isEmpty()
          ? Set.of(HttpMethod.GET) : route.methods();
        String path = substitute(route.getPath());
        for (HttpMethod method : methods) {
          Object body = method == HttpMethod.GET || method == HttpMethod.DELETE ? null : new JsonObject();
          boolean stream = path.endsWith("/stream");
          int status = stream ? client.streamStatus(path, Caller.NOBODY)
            : client.send(method, path, Caller.NOBODY, body).statusCode();
          if (access == Access.VIEWER && method == HttpMethod.GET) {
            assertThat(status).as(method + " " + path).isNotIn(401, 403);
            Caller invalid = Caller.key(viewerKey + "x");
            assertThat(stream ? client.streamStatus(path, invalid) : client.send(method, path, invalid, null)
              .statusCode()).as("a presented invalid key is still refused").isEqualTo(401);
          } else if (access != Access.PUBLIC) {
            assertThat(status).as(method + " " + path + " (" + access + ")").isEqualTo(401);
          }
        }
      }
      assertThat(client.get("/api/auth/me", Caller.NOBODY).statusCode()).isEqualTo(401);
      assertThat(client.get("/api/auth/me", Caller.key(viewerKey)).statusCode()).isEqualTo(200);
    } finally {
      client.close();
      open.stop();
    }
  }

  private record Probe(HttpMethod method, String path, Access access) {
  }
}
