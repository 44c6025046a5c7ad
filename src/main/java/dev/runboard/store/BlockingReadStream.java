package dev.runboard.store;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A blocking {@link InputStream} (an S3 object's body) as a Vert.x {@link ReadStream}: chunks of at most
 * {@link #CHUNK_BYTES} are read one at a time on a worker executor, and only while there is demand, so a slow
 * client holds at most one chunk in memory and no thread while it is paused. Events are delivered on the context
 * that created the stream. The input is closed at its end and aborted (its connection dropped rather than drained)
 * on a failure or when the consumer gives up ({@code handler(null)} before the end, as a failed pipe does).
 */
final class BlockingReadStream implements ReadStream<Buffer> {

  static final int CHUNK_BYTES = 64 * 1024;
  private static final Logger logger = LoggerFactory.getLogger(BlockingReadStream.class);

  private final Context context;
  private final WorkerExecutor worker;
  private final InputStream input;
  private final Runnable abort;
  private long remaining;
  private long demand = Long.MAX_VALUE;
  private boolean reading;
  private boolean done;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  /**
   * @param length the bytes the input must deliver: fewer is a failure, more are not read
   * @param abort  drops the input's connection without reading the rest
   */
  BlockingReadStream(Context context, WorkerExecutor worker, InputStream input, long length, Runnable abort) {
    this.context = context;
    this.worker = worker;
    this.input = input;
    this.remaining = length;
    this.abort = abort;
  }

  @Override
  public synchronized ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler == null) {
      cancel();
    } else {
      readNext();
    }
    return this;
  }

  @Override
  public synchronized ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public synchronized ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public synchronized ReadStream<Buffer> pause() {
    demand = 0;
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public synchronized ReadStream<Buffer> fetch(long amount) {
    demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    readNext();
    return this;
  }

  /** Starts reading the next chunk when someone wants it and no read is under way. */
  private synchronized void readNext() {
    if (reading || done || demand == 0 || handler == null) {
      return;
    }
    reading = true;
    int size = (int) Math.min(CHUNK_BYTES, remaining);
    context.runOnContext(v -> worker.executeBlocking(() -> readChunk(size), false).onComplete(read -> {
      if (read.succeeded()) {
        deliver(read.result());
      } else {
        fail(read.cause());
      }
    }));
  }

  /** Reads exactly {@code size} bytes (or none at the end); fewer means the object is shorter than announced. */
  private Buffer readChunk(int size) throws IOException {
    if (size == 0) {
      return null;
    }
    byte[] bytes = input.readNBytes(size);
    if (bytes.length < size) {
      throw new EOFException("The stored object ended " + (remaining - bytes.length) + " bytes early");
    }
    return Buffer.buffer(bytes);
  }

  private void deliver(Buffer chunk) {
    Handler<Buffer> target;
    synchronized (this) {
      reading = false;
      if (done) {
        return;
      }
      if (chunk == null) {
        done = true;
        target = null;
      } else {
        remaining -= chunk.length();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        target = handler;
      }
    }
    if (chunk == null) {
      closeQuietly(false);
      Handler<Void> end = endHandler;
      if (end != null) {
        end.handle(null);
      }
      return;
    }
    if (target != null) {
      target.handle(chunk);
    }
    readNext();
  }

  private void fail(Throwable cause) {
    Handler<Throwable> target;
    synchronized (this) {
      reading = false;
      if (done) {
        return;
      }
      done = true;
      target = exceptionHandler;
    }
    closeQuietly(true);
    if (target != null) {
      target.handle(cause);
    } else {
      logger.debug("Reading a stored file failed: {}", cause.toString());
    }
  }

  /** The consumer gave up before the end: drop the input. */
  private void cancel() {
    if (!done) {
      done = true;
      closeQuietly(true);
    }
  }

  private void closeQuietly(boolean abortConnection) {
    worker.executeBlocking(() -> {
      if (abortConnection) {
        abort.run();
      }
      input.close();
      return null;
    }, false).onFailure(e -> logger.debug("Closing a stored file's stream failed: {}", e.toString()));
  }
}
