package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** A keep-alive HTTP/1.1 client for one server, with at most {@code connections} connections. */
final class Http implements AutoCloseable {

  record Response(int status, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }

  /** The bytes of an SSE {@code : ping} comment. */
  static final int PING_BYTES = ": ping\n\n".length();

  private final HttpClientAgent client;
  private final int port;
  long timeoutMs = 120_000;

  Http(Vertx vertx, int port, int connections) {
    this(vertx, port, connections, true);
  }

  Http(Vertx vertx, int port, int connections, boolean keepAlive) {
    this.port = port;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(keepAlive).setConnectTimeout(30_000),
      new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
  }

  Future<Response> send(HttpMethod method, String uri, MultiMap headers, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port)
      .setURI(uri).setIdleTimeout(timeoutMs);
    if (headers != null) {
      options.setHeaders(headers);
    }
    return client.request(options)
      .compose(req -> {
        // The body is asked for before the request is sent: chained after send() from a thread that is not the
        // event loop, body() could come after the answer had ended, and would then never complete.
        Future<Response> answer = req.response()
          .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b)));
        if (body == null) {
          req.end();
        } else {
          req.end(body);
        }
        return answer;
      })
      .timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)
      .onFailure(e -> {
        if (e instanceof java.util.concurrent.TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
          System.err.println("bench: no answer to " + method + " " + uri + " on port " + port + " in " + timeoutMs + " ms");
          Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("vert.x")) {
              System.err.println("  thread " + t.getName() + " " + t.getState());
              for (int i = 0; i < Math.min(8, stack.length); i++) {
                System.err.println("      at " + stack[i]);
              }
            }
          });
        }
      });
  }

  /**
   * A GET read to its end: the time from sending it until the first body chunk that holds {@code marker} (-1 when
   * none did) and until the end, in nanoseconds, and the body's bytes. With {@code holdUntil}, the answer is not
   * read (the socket is not drained) from its headers until that future completes: a client that stalls.
   */
  Future<long[]> timeTo(String uri, MultiMap headers, String marker, Future<?> holdUntil) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI(uri).setIdleTimeout(timeoutMs).setHeaders(headers);
    long start = System.nanoTime();
    long[] times = {-1, -1, 0};
    return client.request(options)
      .compose(req -> {
        Future<long[]> answer = req.response().compose(resp -> {
          if (resp.statusCode() != 200) {
            return Future.failedFuture("GET " + uri + ": " + resp.statusCode());
          }
          if (holdUntil != null) {
            resp.pause();
            holdUntil.onComplete(v -> resp.resume());
          }
          resp.handler(chunk -> {
            times[2] += chunk.length();
            // Only the chunks up to the marker are decoded: a crowd of clients reading megabytes each must not spend
            // the machine's cores on it (the server under test has the same two).
            if (times[0] < 0 && chunk.toString().contains(marker)) {
              times[0] = System.nanoTime() - start;
            }
          });
          return resp.end().map(v -> {
            times[1] = System.nanoTime() - start;
            return times;
          });
        });
        req.end();
        return answer;
      })
      .timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a run of {@code project} ({@code expectedTests} may be null) with the reporter's key: its {@code start}
   * answer ({@code runId}, {@code streamToken}, …), or a failure unless it is 201.
   */
  Future<JsonObject> startRun(String reporterKey, String project, Integer expectedTests) {
    JsonObject body = new JsonObject().put("projectName", project);
    if (expectedTests != null) {
      body.put("expectedTests", expectedTests);
    }
    return post("/api/test-runs/start", json(reporterKey), Buffer.buffer(body.encode())).map(resp -> {
      if (resp.status() != 201) {
        throw new IllegalStateException("start: " + resp.status() + " " + resp.body());
      }
      return resp.json();
    });
  }

  Future<Response> get(String uri, MultiMap headers) {
    return send(HttpMethod.GET, uri, headers, null);
  }

  Future<Response> post(String uri, MultiMap headers, Buffer body) {
    return send(HttpMethod.POST, uri, headers, body);
  }

  static MultiMap bearer(String key) {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + key);
  }

  static MultiMap json(String key) {
    return bearer(key).add("Content-Type", "application/json");
  }

  static MultiMap token(String token) {
    return MultiMap.caseInsensitiveMultiMap().add("X-Stream-Token", token).add("Content-Type", "application/json");
  }

  @Override
  public void close() {
    client.close().await();
  }
}
