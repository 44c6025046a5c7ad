package dev.runboard.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The baseline: a minimal Vert.x SSE server. {@code GET /sse} opens a stream with one event-bus consumer of its
 * own that writes every published message to it; {@code GET /publish?id=N&bytes=B} publishes one SSE frame of
 * about B bytes with {@code id: N}; {@code GET /health} answers 200. One verticle instance per core, as Runboard.
 */
public final class BareSse extends VerticleBase {

  static final String ADDRESS = "bare.fanout";
  private final int port;

  BareSse(int port) {
    this.port = port;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new BareSse(port), new DeploymentOptions().setInstances(instances)).await();
    System.out.println("bare SSE server on 127.0.0.1:" + port);
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(new HttpServerOptions()).requestHandler(this::handle).listen(port, "127.0.0.1");
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/sse" -> sse(req);
      case "/publish" -> {
        long id = Long.parseLong(req.getParam("id"));
        int bytes = Integer.parseInt(req.getParam("bytes"));
        vertx.eventBus().publish(ADDRESS, frame(id, bytes));
        req.response().end("ok");
      }
      case "/health" -> req.response().end("ok");
      default -> req.response().setStatusCode(404).end();
    }
  }

  private void sse(HttpServerRequest req) {
    HttpServerResponse response = req.response().setChunked(true)
      .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
    MessageConsumer<String> consumer = vertx.eventBus().consumer(ADDRESS, m -> response.write(m.body()));
    response.closeHandler(v -> consumer.unregister());
    response.write("retry: 3000\n\n");
  }

  /** {@code id: N}, {@code event: x}, and a data line padded to about {@code bytes} in all. */
  static String frame(long id, int bytes) {
    StringBuilder s = new StringBuilder(bytes + 64).append("id: ").append(id).append("\nevent: x\ndata: ");
    while (s.length() < bytes - 2) {
      s.append('x');
    }
    return s.append("\n\n").toString();
  }
}
