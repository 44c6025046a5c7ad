package dev.runboard.store;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("A blocking input read as a Vert.x stream reads only on demand and lets go of its input")
class BlockingReadStreamTest {

  private static final int SIZE = 1024 * 1024;

  private WorkerExecutor worker;
  private Context context;
  private Input input;

  @BeforeEach
  void setUp(Vertx vertx) {
    worker = vertx.createSharedWorkerExecutor("blocking-read-stream-test", 2);
    context = vertx.getOrCreateContext();
    input = new Input(new byte[SIZE]);
  }

  @AfterEach
  void tearDown() {
    worker.close();
  }

  @Test
  @DisplayName("a paused consumer gets nothing more and nothing more is read; resumed, it gets every byte")
  void backpressure() throws Exception {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    AtomicLong received = new AtomicLong();
    AtomicInteger chunks = new AtomicInteger();
    BlockingReadStream stream = new BlockingReadStream(context, worker, input, SIZE, input::abort);
    context.runOnContext(v -> {
      stream.endHandler(end -> ended.complete(null));
      stream.handler(chunk -> {
        received.addAndGet(chunk.length());
        if (chunks.incrementAndGet() == 1) {
          stream.pause();
        }
      });
    });
    long deadline = System.currentTimeMillis() + 5_000;
    while (received.get() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(300);
    assertThat(received.get()).isEqualTo(BlockingReadStream.CHUNK_BYTES);
    assertThat(input.read.get()).as("bytes taken from the input while paused").isEqualTo(BlockingReadStream.CHUNK_BYTES);

    context.runOnContext(v -> stream.resume());
    ended.get(10, TimeUnit.SECONDS);
    assertThat(received.get()).isEqualTo(SIZE);
    assertThat(chunks.get()).isEqualTo(SIZE / BlockingReadStream.CHUNK_BYTES);
    awaitClosed();
    assertThat(input.aborted.get()).as("a fully read input is closed, not aborted").isFalse();
  }

  @Test
  @DisplayName("a consumer that gives up (handler(null), as a failed pipe does) aborts the input")
  void cancel() throws Exception {
    AtomicInteger chunks = new AtomicInteger();
    BlockingReadStream stream = new BlockingReadStream(context, worker, input, SIZE, input::abort);
    context.runOnContext(v -> stream.handler(chunk -> {
      chunks.incrementAndGet();
      stream.handler(null);
    }));
    awaitClosed();
    Thread.sleep(200);
    assertThat(input.aborted.get()).isTrue();
    assertThat(chunks.get()).isEqualTo(1);
    assertThat(input.read.get()).isLessThanOrEqualTo(2L * BlockingReadStream.CHUNK_BYTES);
  }

  @Test
  @DisplayName("an input shorter than announced fails the stream and is aborted")
  void shortInput() throws Exception {
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    AtomicLong received = new AtomicLong();
    BlockingReadStream stream = new BlockingReadStream(context, worker, input, SIZE + 1000, input::abort);
    context.runOnContext(v -> {
      stream.exceptionHandler(failed::complete);
      stream.endHandler(end -> failed.completeExceptionally(new AssertionError("ended")));
      stream.handler(chunk -> received.addAndGet(chunk.length()));
    });
    assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(EOFException.class).hasMessageContaining("1000 bytes");
    assertThat(received.get()).isEqualTo(SIZE);
    awaitClosed();
    assertThat(input.aborted.get()).isTrue();
  }

  @Test
  @DisplayName("piped to a slow writer, the stream delivers every byte in order")
  void pipe(Vertx vertx) throws Exception {
    byte[] bytes = new byte[SIZE];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    Input numbered = new Input(bytes);
    Buffer collected = Buffer.buffer();
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> new BlockingReadStream(context, worker, numbered, SIZE, numbered::abort)
      .pipeTo(new SlowWriter(vertx, collected)).onComplete(ar -> {
        if (ar.succeeded()) {
          done.complete(null);
        } else {
          done.completeExceptionally(ar.cause());
        }
      }));
    done.get(20, TimeUnit.SECONDS);
    assertThat(collected.getBytes()).isEqualTo(bytes);
  }

  private void awaitClosed() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!input.closed.get() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(input.closed.get()).as("input closed").isTrue();
  }

  /** An input that counts what is read from it and records close and abort. */
  private static final class Input extends ByteArrayInputStream {

    final AtomicLong read = new AtomicLong();
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicBoolean aborted = new AtomicBoolean();

    Input(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int n = super.read(b, off, len);
      if (n > 0) {
        read.addAndGet(n);
      }
      return n;
    }

    @Override
    public void close() {
      closed.set(true);
    }

    void abort() {
      aborted.set(true);
    }
  }

  /** A write stream whose queue is full after every write until a timer drains it. */
  private static final class SlowWriter implements io.vertx.core.streams.WriteStream<Buffer> {

    private final Vertx vertx;
    private final Buffer collected;
    private boolean full;
    private io.vertx.core.Handler<Void> drain;

    SlowWriter(Vertx vertx, Buffer collected) {
      this.vertx = vertx;
      this.collected = collected;
    }

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      return this;
    }

    @Override
    public io.vertx.core.Future<Void> write(Buffer data) {
      collected.appendBuffer(data);
      full = true;
      vertx.setTimer(1, id -> {
        full = false;
        if (drain != null) {
          drain.handle(null);
        }
      });
      return io.vertx.core.Future.succeededFuture();
    }

    @Override
    public io.vertx.core.Future<Void> end() {
      return io.vertx.core.Future.succeededFuture();
    }

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public io.vertx.core.streams.WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) {
      this.drain = handler;
      return this;
    }
  }
}
