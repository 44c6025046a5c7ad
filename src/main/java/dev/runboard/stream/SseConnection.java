package dev.runboard.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * The framing of one Server-Sent Events response: headers, {@code retry:}, events ({@code id:} when they have one,
 * {@code event:}, one-line {@code data:}) and {@code : ping} comments. Everything for one moment goes out in one
 * write. A client whose write queue is full is disconnected (it reconnects with {@code Last-Event-ID}), so
 * nothing is buffered without bound.
 */
final class SseConnection {

  static final int RETRY_MS = 3_000;
  private static final Buffer PING = Buffer.buffer(": ping\n\n");

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private boolean closed;
  private Runnable closeOnce = () -> { };

  private SseConnection(RoutingContext ctx) {
    this.ctx = ctx;
    this.response = ctx.response();
  }

  /** Writes the headers and the {@code retry:} hint; {@code onClose} runs once when the client or we end it. */
  static SseConnection open(RoutingContext ctx, int maxQueuedBytes, Runnable onClose) {
    SseConnection connection = new SseConnection(ctx);
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("Content-Encoding", "identity")
      .putHeader("X-Accel-Buffering", "no")
      .setWriteQueueMaxSize(maxQueuedBytes);
    Runnable once = connection.onceClosed(onClose);
    connection.closeOnce = once;
    response.closeHandler(v -> once.run());
    response.endHandler(v -> once.run());
    response.exceptionHandler(e -> once.run());
    ctx.request().connection().shutdownHandler(v -> connection.end());
    response.write(Buffer.buffer("retry: " + RETRY_MS + "\n\n"));
    return connection;
  }

  private Runnable onceClosed(Runnable onClose) {
    return () -> {
      if (!closed) {
        closed = true;
        onClose.run();
      }
    };
  }

  boolean closed() {
    return closed;
  }

  /** Appends one event's frame to {@code frames}. */
  static void frame(Buffer frames, Long id, String type, String json) {
    if (id != null) {
      frames.appendString("id: ").appendString(Long.toString(id)).appendString("\n");
    }
    frames.appendString("event: ").appendString(type).appendString("\ndata: ").appendString(json)
      .appendString("\n\n");
  }

  /** Sends the frames in one write; a client that cannot keep up is disconnected. */
  void send(Buffer frames) {
    if (closed || frames.length() == 0) {
      return;
    }
    response.write(frames);
    if (response.writeQueueFull()) {
      // Cleanup does not wait for the connection to go: a client that does not read may hold it open.
      closeOnce.run();
      // A graceful close would wait for the response to be flushed, which a client that does not read never
      // lets happen: give it no time.
      ctx.request().connection().shutdown(1, TimeUnit.MILLISECONDS);
    }
  }

  void ping() {
    send(PING.copy());
  }

  /** Ends the response (after {@code run-finished}, or when the server shuts down). */
  void end() {
    if (!closed && !response.ended()) {
      response.end();
    }
    closeOnce.run();
  }
}
