package dev.runboard.stream;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicInteger;

/** Open SSE connections on this node (all HTTP verticle instances), for the {@code sse.maxConnections} cap. */
final class ConnectionCount implements Shareable {

  private final AtomicInteger open = new AtomicInteger();

  static ConnectionCount of(Vertx vertx) {
    return (ConnectionCount) vertx.sharedData().getLocalMap("runboard.sse")
      .computeIfAbsent("connections", k -> new ConnectionCount());
  }

  /** Takes a place if fewer than {@code max} are open. */
  boolean tryAcquire(int max) {
    while (true) {
      int now = open.get();
      if (now >= max) {
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void release() {
    open.decrementAndGet();
  }

  int open() {
    return open.get();
  }
}
