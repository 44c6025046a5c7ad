package dev.runboard;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.LinkedHashMap;
import java.util.Map;

/** Blocking HTTP calls to a test node, with the credentials of one caller (headers), for tests off the event loop. */
final class ApiClient {

  private final WebClient client;
  private final io.vertx.core.http.HttpClient http;
  private final int port;

  ApiClient(Vertx vertx, int port) {
    this.http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
      .setFollowRedirects(false));
    this.port = port;
  }

  int port() {
    return port;
  }

  String origin() {
    return "http://127.0.0.1:" + port;
  }

  HttpResponse<Buffer> send(HttpMethod method, String path, Caller caller, Object body) {
    HttpRequest<Buffer> request = client.request(method, path);
    caller.headers().forEach(request::putHeader);
    if (body == null) {
      return request.send().await();
    }
    if (body instanceof Buffer raw) {
      return request.putHeader("Content-Type", "application/json").sendBuffer(raw).await();
    }
    return request.sendJson(body).await();
  }

  /**
   * The status of a request to a live-stream route: it answers an endless event stream when allowed, so only the
   * status is read and the connection is closed.
   */
  int streamStatus(String path, Caller caller) {
    io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    caller.headers().forEach(headers::add);
    return http.request(new io.vertx.core.http.RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI(path).setHeaders(headers))
      .compose(request -> request.send())
      .map(response -> {
        int status = response.statusCode();
        response.request().connection().close();
        return status;
      }).await();
  }

  HttpResponse<Buffer> get(String path, Caller caller) {
    return send(HttpMethod.GET, path, caller, null);
  }

  HttpResponse<Buffer> post(String path, Caller caller, Object body) {
    return send(HttpMethod.POST, path, caller, body);
  }

  /** Logs in and returns the session cookie's value. */
  String login(String username, String password) {
    HttpResponse<Buffer> response = post("/api/auth/login", Caller.NOBODY,
      new JsonObject().put("username", username).put("password", password));
    if (response.statusCode() != 200) {
      throw new IllegalStateException("login of " + username + " answered " + response.statusCode() + " "
        + response.bodyAsString());
    }
    return sessionCookie(response);
  }

  /** The value of the runboard_session cookie a response sets, or null. */
  static String sessionCookie(HttpResponse<Buffer> response) {
    for (String header : response.headers().getAll("Set-Cookie")) {
      if (header.startsWith("runboard_session=")) {
        return header.substring("runboard_session=".length(), header.indexOf(';'));
      }
    }
    return null;
  }

  static String setCookieHeader(HttpResponse<Buffer> response) {
    return response.headers().getAll("Set-Cookie").stream().filter(h -> h.startsWith("runboard_session="))
      .findFirst().orElse(null);
  }

  void close() {
    client.close();
  }

  /** Request headers that identify a caller. */
  record Caller(Map<String, String> headers) {

    static final Caller NOBODY = new Caller(Map.of());

    static Caller key(String key) {
      return new Caller(Map.of("X-API-Key", key));
    }

    static Caller bearer(String key) {
      return new Caller(Map.of("Authorization", "Bearer " + key));
    }

    static Caller session(String cookie) {
      return new Caller(Map.of("Cookie", "runboard_session=" + cookie));
    }

    static Caller header(String name, String value) {
      return new Caller(Map.of(name, value));
    }

    Caller with(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Caller(more);
    }
  }
}
