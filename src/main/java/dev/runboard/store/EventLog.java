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
import java.util.Arrays;
import java.util.List;

/**
 * The read side that live streams need: a run's head (summary and last seq), its attempts up to a seq in pages, and
 * the stored events after a seq, in order. Replay reads only PostgreSQL, so it does not matter which node serves it.
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

  /**
   * Where a page of results starts: after this seq, or, for the attempts of one-shot runs (which have none, and
   * come first), after this test and retry. {@link #FIRST} for the first page.
   */
  public record ResultKey(long seq, long testId, int retry) {
    /** Before every result (seqs and test ids are positive). */
    public static final ResultKey FIRST = new ResultKey(0, 0, -1);
  }

  /** One page of results, and the key of the next page ({@code null} when this one is the last). */
  public record ResultPage(List<TestResult> results, ResultKey next) {
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
   * Up to {@code limit} of the run's attempts whose events have a seq up to {@code upToSeq}, after {@code after}:
   * in seq order (one-shot runs' attempts, which have none, first, by test and retry). Each carries its test's
   * outcome over all of the test's attempts up to that seq, also those on other pages. Attempts are written in the
   * same transaction as the seq that covers them and never change, so pages read one after the other after the
   * head give exactly the state at that seq.
   */
  public Future<ResultPage> results(long runId, long upToSeq, ResultKey after, int limit) {
    Tuple args = Tuple.of(runId, upToSeq, after.seq(), after.testId(), after.retry(), limit);
    return pool.preparedQuery(sql.get(StoreQuery.RUN_RESULTS)).execute(args).map(rows -> {
      List<TestResult> results = new ArrayList<>(rows.size());
      ResultKey next = null;
      for (Row row : rows) {
        TestResult attempt = RowMappers.result(row);
        Outcome outcome = Outcome.of(AttemptStatus.fromWire(row.getString("test_expected_status")),
          Arrays.stream(row.getArrayOfStrings("test_statuses")).map(AttemptStatus::fromWire).toList());
        results.add(attempt.outcome() == outcome ? attempt : attempt.withOutcome(outcome));
        Long seq = row.getLong("seq");
        next = seq == null ? new ResultKey(0, attempt.testId(), attempt.retry()) : new ResultKey(seq, 0, -1);
      }
      return new ResultPage(results, results.size() < limit ? null : next);
    });
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
