package dev.runboard.store;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Counters;
import dev.runboard.model.ErrorFingerprint;
import dev.runboard.model.Outcome;
import dev.runboard.model.Percentiles;
import dev.runboard.model.RunEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one batch changes, computed from the locked run and the attempts it already has: which attempts are new
 * (a repeated (test, retry) is a duplicate, within the batch too), their seqs and outcomes, each touched test's
 * result (its final attempt is the highest retry; its outcome Playwright's, over all its attempts), the counter
 * increments and the events.
 *
 * <p>Counters count each test once: {@code interrupted} when its final attempt is; otherwise by outcome:
 * {@code skipped}; {@code passed} for expected and flaky; {@code timedOut} or {@code failed} (by the final
 * attempt's status) for unexpected. {@code flaky} counts flaky outcomes.
 */
final class BatchPlan {

  record StoredAttempt(long testId, int retry, AttemptStatus status, AttemptStatus expectedStatus, long durationMs) {
  }

  /**
   * A new attempt, with its seq (null for one-shot runs), its test's outcome once it is stored, and its error's
   * fingerprint when it failed unexpectedly.
   */
  record Row(long testId, NewAttempt attempt, Long seq, Outcome outcome, ErrorFingerprint fingerprint) {
  }

  /** A test's result in the run after the batch; {@code fresh}: the run had no attempt of the test before it. */
  record Result(long testId, int finalRetry, AttemptStatus status, AttemptStatus expectedStatus, long durationMs,
                int attemptCount, Outcome outcome, boolean fresh) {

    Result changed() {
      return new Result(testId, finalRetry, status, expectedStatus, durationMs, attemptCount, outcome, false);
    }
  }

  private final List<Row> newAttempts;
  private final List<Result> results;
  private final List<RunEvent.Logged> events;
  private final int duplicates;
  private final Counters delta;
  private final Counters counters;
  private final long lastSeq;

  private BatchPlan(List<Row> newAttempts, List<Result> results, List<RunEvent.Logged> events, int duplicates,
                    Counters delta, Counters counters, long lastSeq) {
    this.newAttempts = newAttempts;
    this.results = results;
    this.events = events;
    this.duplicates = duplicates;
    this.delta = delta;
    this.counters = counters;
    this.lastSeq = lastSeq;
  }

  /**
   * @param liveEvents whether stored attempts get seqs and events ({@code test-completed} each, then one
   *                   {@code run-progress}); one-shot runs have none
   */
  static BatchPlan of(LockedRun run, List<NewAttempt> attempts, Map<TestKey, Long> testIds,
                      List<StoredAttempt> existing, boolean liveEvents) {
    Map<Long, List<StoredAttempt>> byTest = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    for (StoredAttempt a : existing) {
      byTest.computeIfAbsent(a.testId(), k -> new ArrayList<>()).add(a);
      seen.add(a.testId() + "/" + a.retry());
    }
    Map<Long, List<StoredAttempt>> before = new HashMap<>();
    byTest.forEach((k, v) -> before.put(k, List.copyOf(v)));

    long seq = run.lastSeq();
    List<Row> rows = new ArrayList<>();
    List<RunEvent.Logged> events = new ArrayList<>();
    int duplicates = 0;
    for (NewAttempt attempt : attempts) {
      long testId = testIds.get(attempt.test());
      if (!seen.add(testId + "/" + attempt.retry())) {
        duplicates++;
        continue;
      }
      Long attemptSeq = liveEvents ? ++seq : null;
      List<StoredAttempt> ofTest = byTest.computeIfAbsent(testId, k -> new ArrayList<>());
      ofTest.add(new StoredAttempt(testId, attempt.retry(), attempt.status(), attempt.expectedStatus(),
        attempt.durationMs()));
      Outcome outcome = result(testId, ofTest).outcome();
      ErrorFingerprint fingerprint = attempt.fingerprint();
      rows.add(new Row(testId, attempt, attemptSeq, outcome, fingerprint));
      if (liveEvents) {
        events.add(new RunEvent.TestCompleted(attemptSeq, RowMappers.result(testId, attempt, outcome,
          fingerprint == null ? null : fingerprint.hash())));
      }
    }

    int[] d = new int[8]; // total, passed, failed, timedOut, skipped, interrupted, flaky, attempts
    d[7] = rows.size();
    List<Result> results = new ArrayList<>();
    Set<Long> touched = new java.util.LinkedHashSet<>();
    rows.forEach(r -> touched.add(r.testId()));
    for (long testId : touched) {
      Result after = result(testId, byTest.get(testId));
      List<StoredAttempt> old = before.get(testId);
      results.add(old == null ? after : after.changed());
      if (old == null) {
        d[0]++;
        count(d, after, +1);
      } else {
        // A late attempt can change the outcome without changing the final attempt: always recount the test.
        count(d, result(testId, old), -1);
        count(d, after, +1);
      }
    }
    Counters delta = new Counters(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], null);
    Counters c = run.counters();
    Counters counters = new Counters(c.total() + d[0], c.passed() + d[1], c.failed() + d[2],
      c.timedOut() + d[3], c.skipped() + d[4], c.interrupted() + d[5], c.flaky() + d[6], c.attempts() + d[7],
      c.expectedTests());
    if (liveEvents && !rows.isEmpty()) {
      seq++;
      events.add(new RunEvent.RunProgress(seq, counters));
    }
    return new BatchPlan(rows, results, events, duplicates, delta, counters, seq);
  }

  private static Result result(long testId, List<StoredAttempt> attempts) {
    StoredAttempt last = attempts.get(0);
    for (StoredAttempt a : attempts) {
      if (a.retry() > last.retry()) {
        last = a;
      }
    }
    AttemptStatus expected = last.expectedStatus();
    Outcome outcome = Outcome.of(expected, attempts.stream().map(StoredAttempt::status).toList());
    return new Result(testId, last.retry(), last.status(), expected, last.durationMs(), attempts.size(), outcome,
      true);
  }

  private static void count(int[] d, Result result, int sign) {
    if (result.status() == AttemptStatus.INTERRUPTED) {
      d[5] += sign;
    } else {
      switch (result.outcome()) {
        case SKIPPED -> d[4] += sign;
        case EXPECTED, FLAKY -> d[1] += sign;
        case UNEXPECTED -> d[result.status() == AttemptStatus.TIMED_OUT ? 3 : 2] += sign;
      }
    }
    if (result.outcome() == Outcome.FLAKY) {
      d[6] += sign;
    }
  }

  /**
   * p50 and p90 of the results' durations, skipped ones left out, as {@code set-run-percentiles.sql} computes
   * them over a run's results: for a one-shot run, whose only batch this is; null when every result is skipped.
   */
  long[] percentiles() {
    long[] durations = results.stream().filter(r -> r.status() != AttemptStatus.SKIPPED)
      .mapToLong(Result::durationMs).sorted().toArray();
    return durations.length == 0 ? null
      : new long[] {Percentiles.disc(durations, 0.5), Percentiles.disc(durations, 0.9)};
  }

  List<Row> newAttempts() {
    return newAttempts;
  }

  List<Result> results() {
    return results;
  }

  List<RunEvent.Logged> events() {
    return events;
  }

  /** The events the run's event log stores as such; test-completed events are the attempts themselves. */
  List<RunEvent.Logged> loggedEvents() {
    return events.stream().filter(e -> !(e instanceof RunEvent.TestCompleted)).toList();
  }

  int stored() {
    return newAttempts.size();
  }

  int duplicates() {
    return duplicates;
  }

  Counters delta() {
    return delta;
  }

  Counters counters() {
    return counters;
  }

  long lastSeq() {
    return lastSeq;
  }
}
