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
 *
 * <p>A stream's first read (its run's head: {@code init} starts with it) goes before every waiting page
 * ({@link #readFirst}): in a crowd opening a large run, each viewer gets the start of its {@code init} in a few
 * milliseconds instead of after the pages of the viewers that came before it.
 */
final class ReadGate implements Shareable {

  private final int permits;
  private final Deque<Runnable> first = new ArrayDeque<>();
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
    return read(read, waiting);
  }

  /** Runs {@code read} once a place is free, before the reads of {@link #read} that wait. */
  <T> Future<T> readFirst(Supplier<Future<T>> read) {
    return read(read, first);
  }

  private <T> Future<T> read(Supplier<Future<T>> read, Deque<Runnable> queue) {
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
        queue.add(start);
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
      next = first.isEmpty() ? waiting.poll() : first.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run();
    }
  }
}
