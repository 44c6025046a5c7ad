package dev.runboard.stream;

import dev.runboard.model.FileLinks;
import dev.runboard.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;

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
 */
final class RunStream {

  static final int REPLAY_PAGE = 500;

  private final long runId;
  private final EventLog log;
  private final FileLinks links;
  private final SseConnection connection;
  private final Deque<Batch> queue = new ArrayDeque<>();
  private long lastSeq;
  private boolean ready;
  private boolean busy;
  private boolean finished;

  RunStream(long runId, EventLog log, FileLinks links, SseConnection connection) {
    this.runId = runId;
    this.log = log;
    this.links = links;
    this.connection = connection;
  }

  long runId() {
    return runId;
  }

  /** The links of this client's files (its files origin). */
  FileLinks links() {
    return links;
  }

  /** A live batch from the bus. */
  void offer(Batch batch) {
    if (!finished && !connection.closed()) {
      queue.add(batch);
      pump();
    }
  }

  /** First write: the {@code init} snapshot (no Last-Event-ID), then whatever is stored after it. */
  Future<Void> startWithSnapshot(EventLog.Head head) {
    boolean finishedRun = !head.run().status().running();
    // For a finished run, init covers everything but its last event, run-finished, which follows with its seq.
    long upTo = finishedRun ? Math.max(0, head.lastSeq() - 1) : head.lastSeq();
    return log.snapshot(head, upTo).compose(snapshot -> {
      Buffer frames = Buffer.buffer();
      JsonArray results = new JsonArray(new java.util.ArrayList<>(snapshot.results().size()));
      snapshot.results().forEach(result -> results.add(JsonObject.mapFrom(result)));
      SseConnection.frame(frames, null, "init", new JsonObject().put("run", JsonObject.mapFrom(snapshot.run()))
        .put("results", results).put("seq", upTo).encode());
      connection.send(frames);
      lastSeq = upTo;
      return catchUp(Long.MAX_VALUE);
    }).onComplete(v -> goLive());
  }

  /** First write: the stored events after {@code lastEventId} (a reconnect). */
  Future<Void> startWithReplay(long lastEventId) {
    lastSeq = lastEventId;
    return catchUp(Long.MAX_VALUE).onComplete(v -> goLive());
  }

  private void goLive() {
    ready = true;
    pump();
  }

  /** Writes the stored events after {@link #lastSeq} up to {@code upTo}, one write per page. */
  private Future<Void> catchUp(long upTo) {
    if (finished || connection.closed() || lastSeq >= upTo) {
      return Future.succeededFuture();
    }
    return log.eventsAfter(runId, lastSeq, REPLAY_PAGE).compose(events -> {
      write(Batch.of(events, links));
      return events.size() == REPLAY_PAGE ? catchUp(upTo) : Future.succeededFuture();
    });
  }

  /** Writes queued live batches in order, reading a gap from the store first. */
  private void pump() {
    while (ready && !busy && !finished && !queue.isEmpty()) {
      Batch batch = queue.peek();
      Long first = batch.firstSeq();
      if (first != null && first > lastSeq + 1) {
        fill(first - 1);
        return;
      }
      queue.poll();
      write(batch);
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

  /** One write per batch: stored events only when new, test-begin always. */
  private void write(Batch batch) {
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
    connection.send(frames);
    if (finished) {
      connection.end();
    }
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
