package dev.runboard.stream;

import dev.runboard.model.TestResult;
import dev.runboard.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pages of {@code init}'s results, read through the {@link ReadGate} and encoded once, then shared by the
 * streams of one HTTP verticle instance that ask for the same page: a crowd opening one run at the same seq costs
 * one read and one encoding per page, not one per viewer. A page at a given seq never changes (attempts up to a
 * seq never do), so sharing is exact. Recently used pages are kept up to {@code maxBytes} in all (the least
 * recently used go first); a page being written holds on to its own bytes until it is written. Event-loop confined.
 */
final class InitPages {

  /** A page: its results as JSON, comma-separated (with a leading comma unless it is the first page). */
  record Page(Buffer json, int count, EventLog.ResultKey next) {
  }

  private record Key(long runId, long upToSeq, EventLog.ResultKey after) {
  }

  private final EventLog log;
  private final ReadGate reads;
  private final int pageSize;
  private final long maxBytes;
  private final Map<Key, Future<Page>> pages = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  InitPages(EventLog log, ReadGate reads, int pageSize, long maxBytes) {
    this.log = log;
    this.reads = reads;
    this.pageSize = pageSize;
    this.maxBytes = maxBytes;
  }

  /** The page of {@code runId}'s results up to {@code upToSeq} after {@code after}. */
  Future<Page> page(long runId, long upToSeq, EventLog.ResultKey after) {
    Key key = new Key(runId, upToSeq, after);
    Future<Page> known = pages.get(key);
    if (known != null) {
      return known;
    }
    Future<Page> reading = reads.read(() -> log.results(runId, upToSeq, after, pageSize))
      .map(results -> encode(results, after.equals(EventLog.ResultKey.FIRST)));
    pages.put(key, reading);
    reading.onComplete(done -> {
      if (done.failed()) {
        pages.remove(key, reading);
      } else if (pages.get(key) == reading) {
        bytes += done.result().json().length();
        evict();
      }
    });
    return reading;
  }

  private static Page encode(EventLog.ResultPage results, boolean first) {
    Buffer json = Buffer.buffer();
    for (TestResult result : results.results()) {
      if (!first || json.length() > 0) {
        json.appendString(",");
      }
      // The same JSON as JsonObject.mapFrom(result).encode() (live events' way), without the detour via a Map.
      json.appendString(Json.encode(result));
    }
    return new Page(json, results.results().size(), results.next());
  }

  /** Drops the least recently used read pages until the rest fit in {@code maxBytes}. */
  private void evict() {
    Iterator<Future<Page>> oldest = pages.values().iterator();
    while (bytes > maxBytes && oldest.hasNext()) {
      Future<Page> page = oldest.next();
      if (page.succeeded()) {
        bytes -= page.result().json().length();
        oldest.remove();
      }
    }
  }

  /** Bytes of the pages kept. */
  long bytes() {
    return bytes;
  }
}
