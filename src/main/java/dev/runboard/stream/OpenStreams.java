package dev.runboard.stream;

import dev.runboard.auth.Principal;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The open SSE connections of this node (all HTTP verticle instances): how many, for the {@code sse.maxConnections}
 * cap; how many per owner (a user, or the client address of an anonymous reader), for {@code sse.maxStreamsPerUser};
 * and who opened each, so that the streams of a user, key or session can be ended. Thread-safe: every instance's
 * event loop uses it.
 */
final class OpenStreams implements Shareable {

  /** The answer to a request for a place. */
  enum Admission { OPEN, NODE_FULL, OWNER_FULL }

  /** One open stream: who opened it, and the event loop its connection lives on. */
  record Stream(Principal principal, Context context, SseConnection connection) {
  }

  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, Integer> byOwner = new ConcurrentHashMap<>();
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();

  static OpenStreams of(Vertx vertx) {
    return (OpenStreams) vertx.sharedData().getLocalMap("runboard.sse")
      .computeIfAbsent("streams", k -> new OpenStreams());
  }

  /** Takes a place if fewer than {@code maxPerOwner} are open for {@code owner} and fewer than {@code max} in all. */
  Admission tryAcquire(String owner, int max, int maxPerOwner) {
    boolean[] taken = new boolean[1];
    byOwner.compute(owner, (k, n) -> {
      int now = n == null ? 0 : n;
      taken[0] = now < maxPerOwner;
      return taken[0] ? now + 1 : n;
    });
    if (!taken[0]) {
      return Admission.OWNER_FULL;
    }
    while (true) {
      int now = open.get();
      if (now >= max) {
        releaseOwner(owner);
        return Admission.NODE_FULL;
      }
      if (open.compareAndSet(now, now + 1)) {
        return Admission.OPEN;
      }
    }
  }

  /** Gives back a place taken by {@link #tryAcquire}. */
  void release(String owner) {
    releaseOwner(owner);
    open.decrementAndGet();
  }

  private void releaseOwner(String owner) {
    byOwner.computeIfPresent(owner, (k, n) -> n <= 1 ? null : n - 1);
  }

  void add(Stream stream) {
    streams.add(stream);
  }

  void remove(Stream stream) {
    streams.remove(stream);
  }

  /** Ends every open stream whose principal matches, each on its own event loop; returns how many. */
  int close(Predicate<Principal> whose) {
    int closed = 0;
    for (Stream stream : streams.toArray(Stream[]::new)) {
      if (whose.test(stream.principal())) {
        stream.context().runOnContext(v -> stream.connection().end());
        closed++;
      }
    }
    return closed;
  }

  int open() {
    return open.get();
  }

  int open(String owner) {
    return byOwner.getOrDefault(owner, 0);
  }
}
