package dev.runboard.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N open SSE connections to one URL, the same client for Runboard and the bare server. Each connection parses
 * its stream byte by byte just enough to see where frames end and which {@code id:} they carry; a round
 * ({@link #arm}) records, per connection, when the first complete frame with {@code id >= target} arrived.
 */
final class SseFleet implements AutoCloseable {

  private static final byte[] ID_PREFIX = {'i', 'd', ':', ' '};
  final int size;
  private final HttpClientAgent client;
  private final long[] received;
  private final int[] roundOf;
  private volatile int round;
  private volatile long target = Long.MAX_VALUE;
  private volatile CountDownLatch pending = new CountDownLatch(0);
  final AtomicInteger opened = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final AtomicInteger closedEarly = new AtomicInteger();
  final AtomicLong bytes = new AtomicLong();
  private final CountDownLatch ready;

  private SseFleet(Vertx vertx, String localAddress, int size) {
    this.size = size;
    this.received = new long[size];
    this.roundOf = new int[size];
    this.ready = new CountDownLatch(size);
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(false).setConnectTimeout(30_000)
      .setIdleTimeout(0);
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(size + 1)
      .setMaxWaitQueueSize(-1));
  }

  /**
   * Opens {@code size} streams, at most {@code inFlight} connecting at once; returns when each has received
   * {@code readyFrames} complete frames (or failed), or throws after {@code timeoutMs}.
   */
  static SseFleet open(Vertx vertx, String localAddress, int port, String uri, MultiMap headers, int size,
                       int readyFrames, int inFlight, long timeoutMs) {
    SseFleet fleet = new SseFleet(vertx, localAddress, size);
    AtomicInteger next = new AtomicInteger();
    Promise<Void> started = Promise.promise();
    vertx.runOnContext(v -> {
      for (int i = 0; i < Math.min(inFlight, size); i++) {
        fleet.connectNext(next, port, uri, headers, readyFrames);
      }
      started.complete();
    });
    started.future().await();
    try {
      if (!fleet.ready.await(timeoutMs, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("only " + (size - fleet.ready.getCount()) + " of " + size
          + " SSE streams ready within " + timeoutMs + " ms (" + fleet.failed.get() + " failed)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return fleet;
  }

  private void connectNext(AtomicInteger next, int port, String uri, MultiMap headers, int readyFrames) {
    int i = next.getAndIncrement();
    if (i >= size) {
      return;
    }
    Parser parser = new Parser(i, readyFrames, () -> connectNext(next, port, uri, headers, readyFrames));
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri)
        .setHeaders(headers))
      .compose(req -> {
        // Handlers are attached before the request is sent, so that they are set before any of the body arrives.
        Future<HttpClientResponse> answer = req.response().andThen(done -> {
          if (done.failed()) {
            return;
          }
          HttpClientResponse resp = done.result();
          if (resp.statusCode() != 200) {
            parser.fail();
            return;
          }
          opened.incrementAndGet();
          resp.handler(parser::feed);
          resp.endHandler(v -> closedEarly.incrementAndGet());
          resp.exceptionHandler(e -> closedEarly.incrementAndGet());
        });
        req.end();
        return answer;
      })
      .onFailure(e -> parser.fail());
  }

  /** Starts a round: from now on, each connection's first complete frame with id ≥ {@code targetId} counts. */
  void arm(long targetId) {
    pending = new CountDownLatch(size);
    target = targetId;
    round++;
  }

  /**
   * Waits for the armed round; returns the latencies (arrival − {@code sentAt}, ns) of the connections that got
   * it within {@code timeoutMs}, in the first {@code count[0]} slots of {@code out}.
   */
  int collect(long sentAt, long timeoutMs, long[] out, int offset) {
    try {
      pending.await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int n = 0;
    int r = round;
    for (int i = 0; i < size; i++) {
      if (roundOf[i] == r) {
        out[offset + n++] = received[i] - sentAt;
      }
    }
    target = Long.MAX_VALUE;
    return n;
  }

  @Override
  public void close() {
    client.close().await();
  }

  /** The per-connection SSE scanner: frame ends (blank lines) and the value of an {@code id:} line. */
  private final class Parser {
    final int index;
    final int readyFrames;
    final Runnable onOpened;
    int frames;
    int lineLength;
    boolean idLine;
    boolean prefix = true;
    long id;
    long frameId = -1;
    boolean done;

    Parser(int index, int readyFrames, Runnable onOpened) {
      this.index = index;
      this.readyFrames = readyFrames;
      this.onOpened = onOpened;
    }

    void fail() {
      failed.incrementAndGet();
      opened();
    }

    private void opened() {
      if (!done) {
        done = true;
        ready.countDown();
        onOpened.run();
      }
    }

    void feed(Buffer buffer) {
      bytes.addAndGet(buffer.length());
      int length = buffer.length();
      for (int p = 0; p < length; p++) {
        byte b = buffer.getByte(p);
        if (b == '\n') {
          if (lineLength == 0) {
            frameEnd();
          } else if (idLine) {
            frameId = id;
          }
          lineLength = 0;
          prefix = true;
          idLine = false;
          id = 0;
          continue;
        }
        if (lineLength < 4) {
          if (prefix && b == ID_PREFIX[lineLength]) {
            idLine = lineLength == 3;
          } else {
            prefix = false;
          }
        } else if (idLine) {
          if (b >= '0' && b <= '9') {
            id = id * 10 + (b - '0');
          } else {
            idLine = false;
          }
        }
        lineLength++;
      }
    }

    private void frameEnd() {
      frames++;
      if (frames == readyFrames) {
        opened();
      }
      long fid = frameId;
      frameId = -1;
      if (fid >= target) {
        int r = round;
        if (roundOf[index] != r) {
          received[index] = System.nanoTime();
          roundOf[index] = r;
          pending.countDown();
        }
      }
    }
  }
}
