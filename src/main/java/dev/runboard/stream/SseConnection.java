package dev.runboard.stream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * The framing of one Server-Sent Events response: headers, {@code retry:}, events ({@code id:} when they have one,
 * {@code event:}, one-line {@code data:}) and {@code : ping} comments.
 *
 * <p>It counts the bytes written but not yet handed to the socket (each write's future says when they are), and
 * offers two ways to write, so that nothing is buffered without bound:
 * <ul>
 *   <li>{@link #send}, for live events: everything for one moment in one write; a client that still has more
 *   than {@code sse.maxQueuedBytes} of earlier writes waiting is disconnected instead (it reconnects with
 *   {@code Last-Event-ID}). So a client holds at most that plus one batch.</li>
 *   <li>{@link #sendPaced}, for what is read from the store ({@code init}, replay): the caller writes its next
 *   part only when the returned future completes, which is at once while at most {@link #PACED_WINDOW_BYTES} (or
 *   {@code sse.maxQueuedBytes}, if smaller) wait, else once the client has taken half of that. A client that
 *   takes nothing for {@code sse.stallTimeout} meanwhile is disconnected.</li>
 * </ul>
 * Vert.x's own {@code writeQueueFull()} is not used: in Vert.x 5 it turns only once 16 further writes wait behind
 * a full socket, whatever their size. An event may be written in parts ({@code init} is); until its last part,
 * pings are held back so that they do not land inside it.
 */
final class SseConnection {

  static final int RETRY_MS = 3_000;
  /** The most bytes waiting for a client before a paced write waits for it to read. */
  static final int PACED_WINDOW_BYTES = 64 * 1024;
  private static final Buffer PING = Buffer.buffer(": ping\n\n");

  private final Vertx vertx;
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final int maxQueuedBytes;
  private final int pacedWindow;
  private final long stallTimeoutMs;
  private long queued;
  private boolean closed;
  private boolean eventOpen;
  private Promise<Void> drained;
  private long lastProgress;
  private long stallTimer = -1;
  private Runnable closeOnce = () -> { };

  private SseConnection(RoutingContext ctx, int maxQueuedBytes, long stallTimeoutMs) {
    this.vertx = ctx.vertx();
    this.ctx = ctx;
    this.response = ctx.response();
    this.maxQueuedBytes = maxQueuedBytes;
    this.pacedWindow = Math.min(PACED_WINDOW_BYTES, maxQueuedBytes);
    this.stallTimeoutMs = stallTimeoutMs;
  }

  /**
   * Writes the headers and the {@code retry:} hint; {@code onClose} runs once when the client or we end it.
   * {@code maxQueuedBytes} bounds what a live write may leave waiting; {@code stallTimeoutMs} how long a paced write
   * waits for a client that takes nothing.
   */
  static SseConnection open(RoutingContext ctx, int maxQueuedBytes, long stallTimeoutMs, Runnable onClose) {
    SseConnection connection = new SseConnection(ctx, maxQueuedBytes, stallTimeoutMs);
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("Content-Encoding", "identity")
      .putHeader("X-Accel-Buffering", "no");
    Runnable once = connection.onceClosed(onClose);
    connection.closeOnce = once;
    response.closeHandler(v -> once.run());
    response.endHandler(v -> once.run());
    response.exceptionHandler(e -> once.run());
    ctx.request().connection().shutdownHandler(v -> connection.end());
    connection.write(Buffer.buffer("retry: " + RETRY_MS + "\n\n"));
    return connection;
  }

  private Runnable onceClosed(Runnable onClose) {
    return () -> {
      if (!closed) {
        closed = true;
        settle();
        onClose.run();
      }
    };
  }

  boolean closed() {
    return closed;
  }

  /** Appends one event's frame to {@code frames}. */
  static void frame(Buffer frames, Long id, String type, String json) {
    frameStart(frames, id, type);
    frames.appendString(json);
    frameEnd(frames);
  }

  /** Appends the start of an event's frame, up to its data line's first character. */
  static Buffer frameStart(Buffer frames, Long id, String type) {
    if (id != null) {
      frames.appendString("id: ").appendString(Long.toString(id)).appendString("\n");
    }
    return frames.appendString("event: ").appendString(type).appendString("\ndata: ");
  }

  /** Appends the end of an event's frame, after its data line's last character. */
  static Buffer frameEnd(Buffer frames) {
    return frames.appendString("\n\n");
  }

  /**
   * Sends the frames in one write, unless the client still has more than {@code sse.maxQueuedBytes} of earlier
   * writes waiting: then it cannot keep up and is disconnected instead.
   */
  void send(Buffer frames) {
    if (closed || frames.length() == 0) {
      return;
    }
    if (queued > maxQueuedBytes) {
      cutOff();
      return;
    }
    write(frames);
  }

  /**
   * Writes {@code frames} and completes once the client can take more: at once while little waits, else once it
   * has taken half of the window. A client that takes nothing for {@code sse.stallTimeout} is disconnected, and the
   * future completes too: callers check {@link #closed()} before writing on. {@code eventOpen}: these bytes leave
   * an event unfinished (its next part follows).
   */
  Future<Void> sendPaced(Buffer frames, boolean eventOpen) {
    if (closed) {
      return Future.succeededFuture();
    }
    this.eventOpen = eventOpen;
    write(frames);
    if (queued <= pacedWindow) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    lastProgress = System.nanoTime();
    armStallTimer(stallTimeoutMs);
    return drained.future();
  }

  /** Writes and counts the bytes until the write is done (handed to the socket, or failed with the connection). */
  private void write(Buffer frames) {
    int bytes = frames.length();
    queued += bytes;
    response.write(frames).onComplete(done -> {
      queued -= bytes;
      lastProgress = System.nanoTime();
      if (drained != null && queued <= pacedWindow / 2) {
        settle();
      }
    });
  }

  /** Disconnects the client if it has taken nothing for the stall timeout, else looks again when it would be. */
  private void armStallTimer(long delayMs) {
    stallTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
      stallTimer = -1;
      long idleMs = (System.nanoTime() - lastProgress) / 1_000_000;
      if (idleMs >= stallTimeoutMs) {
        cutOff();
      } else if (drained != null) {
        armStallTimer(stallTimeoutMs - idleMs);
      }
    });
  }

  /** Completes a paced write's wait (the client took enough, or the connection is gone). */
  private void settle() {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (drained != null) {
      Promise<Void> waiting = drained;
      drained = null;
      waiting.complete();
    }
  }

  /** Disconnects a client that does not keep up. */
  private void cutOff() {
    // Cleanup does not wait for the connection to go: a client that does not read may hold it open.
    closeOnce.run();
    // A graceful close would wait for the response to be flushed, which a client that does not read never lets
    // happen: give it no time.
    ctx.request().connection().shutdown(1, TimeUnit.MILLISECONDS);
  }

  /** A {@code : ping} comment, unless an event is being written in parts. */
  void ping() {
    if (!eventOpen) {
      send(PING.copy());
    }
  }

  /** Ends the response (after {@code run-finished}, when the server shuts down, or when its credentials go). */
  void end() {
    if (!closed && !response.ended()) {
      response.end();
    }
    closeOnce.run();
  }
}
