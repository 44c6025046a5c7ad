package dev.runboard.stream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * The pages that live streams read from the store ({@code init}'s results, replay), at most {@code permits} at a
 * time on this node (all HTTP verticle instances), the others waiting in order. A crowd opening streams thus
 * takes only part of the database pool, and the rest of the API keeps its connections. Each read runs, and its
 * result arrives, on the event loop of the stream that asked.
 */
final class ReadGate implements Shareable {

  private final int permits;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  private ReadGate(int permits) {
    this.permits = permits;
  }

  /** The node's gate; the first caller's {@code permits} count. */
  static ReadGate of(Vertx vertx, int permits) {
    return (ReadGate) vertx.sharedData().getLocalMap("runboard.sse")
      .computeIfAbsent("reads", k -> new ReadGate(permits));
  }

  /** Runs {@code read} once a place is free; call on an event loop. */
  <T> Future<T> read(Supplier<Future<T>> read) {
    Context context = Vertx.currentContext();
    Promise<T> result = Promise.promise();
    Runnable start = () -> context.runOnContext(v -> {
      Future<T> reading;
      try {
        reading = read.get();
      } catch (RuntimeException e) {
        reading = Future.failedFuture(e);
      }
      reading.onComplete(done -> {
        release();
        result.handle(done);
      });
    });
    boolean now;
    synchronized (this) {
      now = running < permits;
      if (now) {
        running++;
      } else {
        waiting.add(start);
      }
    }
    if (now) {
      start.run();
    }
    return result.future();
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run();
    }
  }
}
