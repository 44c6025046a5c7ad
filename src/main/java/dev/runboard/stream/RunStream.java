package dev.runboard.stream;

import dev.runboard.model.FileLinks;
import dev.runboard.model.RunEvent;
import dev.runboard.store.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One client of {@code GET /api/test-runs/{id}/stream}: its position ({@link #lastSeq}, the highest seq
 * written) and the live batches not yet written.
 *
 * <p>The seam between stored and live events: the client joins its run's bus consumer <em>first</em> and live
 * batches queue up; then the snapshot or the replay is read from PostgreSQL and written; then the queue is
 * drained, skipping events at or below {@link #lastSeq}. A live batch that does not start at the next seq (a
 * message lost, or still on its way from another node) makes the stream read the gap from PostgreSQL before it
 * writes the batch, so a client never sees a gap or a duplicate. {@code test-begin} events have no seq and are
 * only ever live.
 *
 * <p>What comes from the store is written under backpressure. {@code init} is one event, written in parts: its
 * results are read {@link #INIT_PAGE} at a time ({@link InitPages}, shared with other viewers of the same run at
 * the same seq), and each page goes out in parts of {@link #PART_BYTES}, each once the client has taken most of the
 * previous ones ({@link SseConnection#sendPaced}); the next page is asked for only then. Replay and gaps go out
 * {@link #REPLAY_PAGE} events at a time the same way. Live batches that arrive meanwhile wait in a queue bounded by
 * {@link #MAX_PENDING_BATCHES} and by {@code sse.maxQueuedBytes} of data; past either, the queue is dropped, and
 * what it held is read back from the store once the current write is done.
 */
final class RunStream {

  static final int REPLAY_PAGE = 500;
  /** Results of {@code init} read from the store per query. */
  static final int INIT_PAGE = 250;
  /** A page of {@code init}'s results is written in parts of this many bytes. */
  static final int PART_BYTES = 32 * 1024;
  /** Live batches a client that is not ready for them may have waiting before they are dropped. */
  static final int MAX_PENDING_BATCHES = 256;

  private final long runId;
  private final EventLog log;
  private final FileLinks links;
  private final SseConnection connection;
  private final InitPages pages;
  private final ReadGate reads;
  private final long maxPendingBytes;
  private final Context context;
  private final Deque<Batch> queue = new ArrayDeque<>();
  private long pendingBytes;
  private long lastSeq;
  private boolean ready;
  private boolean busy;
  private boolean finished;
  private boolean overflowed;

  RunStream(long runId, EventLog log, FileLinks links, SseConnection connection, InitPages pages, ReadGate reads,
            long maxPendingBytes) {
    this.runId = runId;
    this.log = log;
    this.links = links;
    this.connection = connection;
    this.pages = pages;
    this.reads = reads;
    this.maxPendingBytes = maxPendingBytes;
    this.context = Vertx.currentContext();
  }

  long runId() {
    return runId;
  }

  /** The links of this client's files (its files origin). */
  FileLinks links() {
    return links;
  }

  /** Live batches waiting (for tests). */
  int pending() {
    return queue.size();
  }

  /** A live batch from the bus. */
  void offer(Batch batch) {
    if (finished || connection.closed()) {
      return;
    }
    boolean waiting = !ready || busy;
    if (waiting && (queue.size() >= MAX_PENDING_BATCHES || pendingBytes + batch.bytes() > maxPendingBytes)) {
      // The store has every stored event of these batches: read them back once the current write is done.
      queue.clear();
      pendingBytes = 0;
      overflowed = true;
      return;
    }
    queue.add(batch);
    pendingBytes += batch.bytes();
    pump();
  }

  /**
   * First write: the {@code init} snapshot (no Last-Event-ID), then whatever is stored after it. {@code init} is
   * {@code {"run": summary, "results": [...], "seq": n}} on one data line, written in parts: the summary, the
   * results page by page, the seq.
   */
  Future<Void> startWithSnapshot(EventLog.Head head) {
    boolean finishedRun = !head.run().status().running();
    // For a finished run, init covers everything but its last event, run-finished, which follows with its seq.
    long upTo = finishedRun ? Math.max(0, head.lastSeq() - 1) : head.lastSeq();
    Buffer start = SseConnection.frameStart(Buffer.buffer(), null, "init")
      .appendString("{\"run\":").appendString(JsonObject.mapFrom(head.run()).encode()).appendString(",\"results\":[");
    return connection.sendPaced(start, true)
      .compose(v -> writeResults(upTo, EventLog.ResultKey.FIRST))
      .compose(v -> connection.sendPaced(SseConnection.frameEnd(Buffer.buffer("],\"seq\":" + upTo + "}")), false))
      .compose(v -> {
        lastSeq = upTo;
        return catchUp(Long.MAX_VALUE);
      })
      .onComplete(v -> goLive());
  }

  /** First write: the stored events after {@code lastEventId} (a reconnect). */
  Future<Void> startWithReplay(long lastEventId) {
    lastSeq = lastEventId;
    return catchUp(Long.MAX_VALUE).onComplete(v -> goLive());
  }

  /** {@code init}'s results from {@code after} on: one page written before the next is asked for. */
  private Future<Void> writeResults(long upTo, EventLog.ResultKey after) {
    if (connection.closed()) {
      return Future.succeededFuture();
    }
    // A page often is at hand (another viewer asked for it): go on from a later turn of the event loop all the same,
    // so that a crowd of streams and the other requests take turns, page by page.
    return pages.page(runId, upTo, after).compose(page -> nextTurn().compose(v -> writeParts(page.json(), 0))
      .compose(v -> page.next() == null ? Future.succeededFuture() : writeResults(upTo, page.next())));
  }

  private Future<Void> nextTurn() {
    Promise<Void> turn = Promise.promise();
    context.runOnContext(v -> turn.complete());
    return turn.future();
  }

  /** {@code data} from {@code from} on, in parts of {@link #PART_BYTES}, each once the client took the last. */
  private Future<Void> writeParts(Buffer data, int from) {
    if (from >= data.length() || connection.closed()) {
      return Future.succeededFuture();
    }
    int to = Math.min(data.length(), from + PART_BYTES);
    return connection.sendPaced(data.slice(from, to), true).compose(v -> writeParts(data, to));
  }

  private void goLive() {
    ready = true;
    pump();
  }

  /** Writes the stored events after {@link #lastSeq} up to {@code upTo}, one paced write per page. */
  private Future<Void> catchUp(long upTo) {
    if (finished || connection.closed() || lastSeq >= upTo) {
      return Future.succeededFuture();
    }
    return reads.read(() -> connection.closed() ? Future.succeededFuture(List.<RunEvent.Logged>of())
      : log.eventsAfter(runId, lastSeq, REPLAY_PAGE)).compose(events -> write(Batch.of(events, links), true)
      .compose(v -> events.size() == REPLAY_PAGE ? catchUp(upTo) : Future.succeededFuture()));
  }

  /** Writes queued live batches in order, reading a gap (or what an overflow dropped) from the store first. */
  private void pump() {
    while (ready && !busy && !finished && !connection.closed()) {
      if (overflowed) {
        overflowed = false;
        fill(Long.MAX_VALUE);
        return;
      }
      Batch batch = queue.peek();
      if (batch == null) {
        return;
      }
      Long first = batch.firstSeq();
      if (first != null && first > lastSeq + 1) {
        fill(first - 1);
        return;
      }
      queue.poll();
      pendingBytes -= batch.bytes();
      write(batch, false);
    }
  }

  private void fill(long upTo) {
    busy = true;
    catchUp(upTo).onComplete(v -> {
      busy = false;
      pump();
    });
  }

  /** Called with the run's stored last seq from time to time: catches up on a bus message that never came. */
  void checkStored(long storedLastSeq) {
    if (ready && !busy && !finished && queue.isEmpty() && storedLastSeq > lastSeq) {
      fill(storedLastSeq);
    }
  }

  /**
   * One write per batch: stored events only when new, test-begin always. {@code paced} for pages read from the
   * store (the future completes once the client can take more); live batches are written at once.
   */
  private Future<Void> write(Batch batch, boolean paced) {
    Long first = batch.firstSeq();
    Buffer frames;
    if (first == null || first == lastSeq + 1) {
      frames = batch.frames();
      for (Batch.Event e : batch.events()) {
        advance(e);
      }
    } else {
      frames = Buffer.buffer();
      for (Batch.Event e : batch.events()) {
        if (e.seq() == null || e.seq() > lastSeq) {
          SseConnection.frame(frames, e.seq(), e.type(), e.json());
          advance(e);
        }
      }
    }
    Future<Void> written = Future.succeededFuture();
    if (paced) {
      written = frames.length() == 0 ? written : connection.sendPaced(frames, false);
    } else {
      connection.send(frames);
    }
    if (finished) {
      connection.end();
    }
    return written;
  }

  private void advance(Batch.Event e) {
    if (e.seq() != null) {
      lastSeq = Math.max(lastSeq, e.seq());
      if ("run-finished".equals(e.type())) {
        finished = true;
      }
    }
  }
}
