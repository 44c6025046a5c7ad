package dev.runboard.webhooks;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A webhook receiver for tests: an HTTP server on 127.0.0.1 that records every request and answers by path:
 * {@code /ok…} 200, {@code /fail…} 500, {@code /flaky<n>…} 500 to a delivery's first n attempts then 200,
 * {@code /redirect…} 302 to {@code /ok-redirected}, {@code /hang…} never.
 */
final class Receiver implements AutoCloseable {

  /** One request as received. */
  record Request(String path, Map<String, String> headers, String body, long receivedAtMs) {

    JsonObject json() {
      return new JsonObject(body);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** Checks the signature header as a receiver should: HMAC-SHA256 over "t.body" with the secret. */
    boolean signedWith(String secret) {
      String signature = header("X-Runboard-Signature");
      if (signature == null || !signature.matches("t=\\d+,v1=[0-9a-f]{64}")) {
        return false;
      }
      String t = signature.substring(2, signature.indexOf(','));
      String v1 = signature.substring(signature.indexOf("v1=") + 3);
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
        return expected.equals(v1) && Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) < 300;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

  private Receiver(HttpServer server) {
    this.server = server;
  }

  static Receiver start(Vertx vertx) {
    Receiver[] self = new Receiver[1];
    HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      Map<String, String> headers = new ConcurrentHashMap<>();
      request.headers().forEach(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
      String path = request.path();
      self[0].requests.add(new Request(path, headers, body.toString(StandardCharsets.UTF_8),
        System.currentTimeMillis()));
      // Counted per path and delivery: a /flaky<n> path fails each delivery's first n attempts.
      String key = path + "#" + request.getHeader("X-Runboard-Delivery");
      int count = self[0].seen.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      if (path.startsWith("/ok")) {
        request.response().end("thanks");
      } else if (path.startsWith("/fail")) {
        request.response().setStatusCode(500).end("no");
      } else if (path.startsWith("/flaky")) {
        int failures = Integer.parseInt(path.replaceAll("^/flaky(\\d+).*$", "$1"));
        request.response().setStatusCode(count <= failures ? 500 : 200).end();
      } else if (path.startsWith("/redirect")) {
        request.response().setStatusCode(302).putHeader("Location", "/ok-redirected").end();
      } else if (!path.startsWith("/hang")) {
        request.response().setStatusCode(404).end();
      }
    }));
    self[0] = new Receiver(server);
    server.listen(0, "127.0.0.1").await();
    return self[0];
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  List<Request> requests(Predicate<Request> which) {
    return requests.stream().filter(which).toList();
  }

  List<Request> to(String path) {
    return requests(r -> r.path().equals(path));
  }

  int total() {
    return requests.size();
  }

  static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
      }
      Thread.sleep(25);
    }
  }

  @Override
  public void close() {
    server.close().await();
  }
}
