package dev.runboard.store;

import dev.runboard.bus.EventCodec;
import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Outcome;
import dev.runboard.model.RunEvent;
import dev.runboard.model.RunSummary;
import dev.runboard.model.TestResult;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side that live streams need: a run's snapshot (summary, its last seq, the attempts up to it) and the
 * stored events after a seq, in order. Replay reads only PostgreSQL, so it does not matter which node serves it.
 */
public final class EventLog {

  private final Pool pool;
  private final Sql<StoreQuery> sql;

  EventLog(Pool pool, Sql<StoreQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  /** A run's summary and last seq, read together from its row. */
  public record Head(RunSummary run, long lastSeq) {
  }

  /** A run's state at one seq: its summary and stored attempts as of {@code seq}. */
  public record Snapshot(RunSummary run, long seq, List<TestResult> results) {
  }

  /** The run's head, or null when there is no such run. */
  public Future<Head> head(long runId) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_SUMMARY)).execute(Tuple.of(runId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        return null;
      }
      Row row = rows.iterator().next();
      return new Head(RowMappers.runSummary(row), row.getLong("last_seq"));
    });
  }

  /**
   * The head's run plus the attempts whose events have a seq up to {@code upToSeq}, each with its test's outcome
   * over exactly those attempts. Attempts are written in the same transaction as the seq that covers them, so
   * reading them after the head gives exactly that state.
   */
  public Future<Snapshot> snapshot(Head head, long upToSeq) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_RESULTS)).execute(Tuple.of(head.run().id(), upToSeq))
      .map(rows -> {
        List<TestResult> results = new ArrayList<>(rows.size());
        rows.forEach(row -> results.add(RowMappers.result(row)));
        return new Snapshot(head.run(), upToSeq, withTestOutcomes(results));
      });
  }

  /** Each attempt with the outcome of its test over all the given attempts (the final one's expected status). */
  static List<TestResult> withTestOutcomes(List<TestResult> attempts) {
    Map<Long, TestResult> finals = new HashMap<>();
    Map<Long, List<AttemptStatus>> statuses = new HashMap<>();
    for (TestResult a : attempts) {
      finals.merge(a.testId(), a, (x, y) -> y.retry() > x.retry() ? y : x);
      statuses.computeIfAbsent(a.testId(), id -> new ArrayList<>()).add(a.status());
    }
    Map<Long, Outcome> outcomes = new HashMap<>();
    finals.forEach((id, last) -> outcomes.put(id, Outcome.of(last.expectedStatus(), statuses.get(id))));
    return attempts.stream().map(a -> a.outcome() == outcomes.get(a.testId()) ? a
      : a.withOutcome(outcomes.get(a.testId()))).toList();
  }

  /** Up to {@code limit} stored events after {@code afterSeq}, in seq order. */
  public Future<List<RunEvent.Logged>> eventsAfter(long runId, long afterSeq, int limit) {
    return pool.preparedQuery(sql.get(StoreQuery.EVENTS_AFTER)).execute(Tuple.of(runId, afterSeq, limit))
      .map(rows -> {
        List<RunEvent.Logged> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
          String type = row.getString("type");
          events.add("test-completed".equals(type)
            ? new RunEvent.TestCompleted(row.getLong("seq"), RowMappers.result(row))
            : (RunEvent.Logged) EventCodec.decode(type, row.getJsonObject("data")));
        }
        return events;
      });
  }

  /** The run's last seq, or null when there is no such run: a cheap check that a stream has missed nothing. */
  public Future<Long> lastSeq(long runId) {
    return pool.preparedQuery(sql.get(StoreQuery.RUN_LAST_SEQ)).execute(Tuple.of(runId))
      .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("last_seq") : null);
  }
}
