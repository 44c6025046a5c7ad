package dev.runboard.api;

import dev.runboard.model.Percentiles;
import dev.runboard.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A project's slowest tests over its last runs, ranked from each window run's durations kept in memory.
 *
 * <p>Ranking by mean means aggregating every result of the window (20 runs of 5,000 tests: 100,000 results), which
 * PostgreSQL did per request in ≈ 60 ms at 1 M results. Here each run's non-skipped final durations are read once
 * (one packed value per run) and kept, keyed by the run and its stored attempt count: a run's results change only
 * when attempts are stored ({@code store/write-batch.sql}), so a kept run whose count still matches is exact, and a
 * changed one (a running run) is read again. A request thus reads the window's runs (one index range), the
 * runs it does not have, and ranks on a worker thread (≈ 1 ms for 100,000 durations), then reads the identity of
 * the page's tests.
 *
 * <p>A node keeps at most {@link #MAX_KEPT_DURATIONS} durations ({@link Kept}, shared by its HTTP verticle
 * instances), the least recently used runs dropped first; a window larger than that is read whole each time.
 */
final class SlowestTests {

  /** Durations a node keeps: 16 bytes each (test id and duration), 16 MiB in all. */
  static final long MAX_KEPT_DURATIONS = 1_000_000;
  /** {@code percentile_disc(0.9)}, as PostgreSQL computes it. */
  private static final double P90 = 0.9;

  /** A run's non-skipped final durations by ascending test id, as of {@code attempts} stored attempts. */
  record RunDurations(long runId, long attempts, long[] testIds, long[] durations) {
  }

  /** One ranked test: its mean (rounded half up), p90 and max, its number of runs and its trend, oldest first. */
  record Ranked(long testId, long mean, long p90, long max, int runs, long[] runIds, long[] durations) {
  }

  private record WindowRun(long id, long attempts) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final Sql<ApiQuery> sql;
  private final Kept kept;

  SlowestTests(Vertx vertx, Pool pool, Sql<ApiQuery> sql, Kept kept) {
    this.vertx = vertx;
    this.pool = pool;
    this.sql = sql;
    this.kept = kept;
  }

  /**
   * Up to {@code count} tests of project {@code projectId} by mean duration over its last {@code window} runs (of
   * {@code branch} unless null), slowest first, ties by test id; after ({@code afterMean}, {@code afterTest}) when
   * given. Each as the API's JSON.
   */
  Future<List<JsonObject>> page(long projectId, int window, String branch, Long afterMean, Long afterTest,
                                int count) {
    return pool.preparedQuery(sql.get(ApiQuery.SLOWEST_WINDOW)).execute(Tuple.of(projectId, window, branch))
      .compose(rows -> {
        List<WindowRun> runs = new ArrayList<>();
        rows.forEach(row -> runs.add(new WindowRun(row.getLong("id"), row.getLong("attempts"))));
        return durations(runs);
      })
      .compose(runs -> vertx.executeBlocking(() -> rank(runs, afterMean, afterTest, count), false))
      .compose(this::withIdentity);
  }

  /** The durations of {@code runs}: kept ones whose attempt count matches, the others read (and kept). */
  private Future<List<RunDurations>> durations(List<WindowRun> runs) {
    List<RunDurations> found = new ArrayList<>(runs.size());
    List<Long> missing = new ArrayList<>();
    for (WindowRun run : runs) {
      RunDurations known = kept.get(run.id(), run.attempts());
      if (known != null) {
        found.add(known);
      } else {
        missing.add(run.id());
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(found);
    }
    return pool.preparedQuery(sql.get(ApiQuery.RUN_DURATIONS))
      .execute(Tuple.of(missing.toArray(new Long[0])))
      .map(rows -> {
        for (Row row : rows) {
          RunDurations read = unpacked(row.getLong("id"), row.getLong("attempts"), row.getBuffer("packed"));
          kept.put(read);
          found.add(read);
        }
        return found;
      });
  }

  /**
   * The runs' durations a node keeps, shared by its HTTP verticle instances (one bound per node, whatever its
   * core count): at most {@code maxDurations} in all, the least recently used runs dropped first. Its few calls
   * per request take its lock; the arrays it hands out are never changed.
   */
  static final class Kept implements Shareable {

    private final long maxDurations;
    private final Map<Long, RunDurations> runs = new LinkedHashMap<>(64, 0.75f, true);
    private long durations;

    Kept(long maxDurations) {
      this.maxDurations = maxDurations;
    }

    /** The node's store; the first caller's bound counts. */
    static Kept of(Vertx vertx, long maxDurations) {
      return (Kept) vertx.sharedData().getLocalMap("runboard.api").computeIfAbsent("slowest-tests",
        k -> new Kept(maxDurations));
    }

    /** Run {@code runId}'s durations as of {@code attempts} stored attempts, or null. */
    synchronized RunDurations get(long runId, long attempts) {
      RunDurations known = runs.get(runId);
      return known != null && known.attempts() == attempts ? known : null;
    }

    synchronized void put(RunDurations run) {
      RunDurations before = runs.put(run.runId(), run);
      if (before != null) {
        durations -= before.testIds().length;
      }
      durations += run.testIds().length;
      Iterator<RunDurations> oldest = runs.values().iterator();
      while (durations > maxDurations && oldest.hasNext()) {
        durations -= oldest.next().testIds().length;
        oldest.remove();
      }
    }
  }

  private Future<List<JsonObject>> withIdentity(List<Ranked> ranked) {
    if (ranked.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Long[] ids = ranked.stream().map(Ranked::testId).toArray(Long[]::new);
    return pool.preparedQuery(sql.get(ApiQuery.TESTS_BY_ID)).execute(Tuple.of(ids)).map(rows -> {
      Map<Long, Row> tests = new HashMap<>();
      rows.forEach(row -> tests.put(row.getLong("test_id"), row));
      List<JsonObject> page = new ArrayList<>(ranked.size());
      for (Ranked test : ranked) {
        Row identity = tests.get(test.testId());
        if (identity != null) {
          page.add(ApiRows.slowTest(identity, test));
        }
      }
      return page;
    });
  }

  /**
   * Ranks the tests of {@code runs} (any order) by mean duration, slowest first, ties by test id, and returns the
   * first {@code count} after ({@code afterMean}, {@code afterTest}) when given. The mean is rounded half up, as
   * PostgreSQL's {@code round(avg(…))} rounds a non-negative one; p90 is {@code percentile_disc(0.9)}.
   */
  static List<Ranked> rank(List<RunDurations> runs, Long afterMean, Long afterTest, int count) {
    List<RunDurations> oldestFirst = new ArrayList<>(runs);
    oldestFirst.sort(Comparator.comparingLong(RunDurations::runId));
    Totals totals = new Totals();
    for (RunDurations run : oldestFirst) {
      for (int i = 0; i < run.testIds().length; i++) {
        totals.add(run.testIds()[i], run.durations()[i]);
      }
    }
    long[] means = new long[totals.size];
    List<Integer> candidates = new ArrayList<>();
    for (int slot = 0; slot < totals.size; slot++) {
      means[slot] = totals.mean(slot);
      if (afterMean == null || means[slot] < afterMean
        || (means[slot] == afterMean && totals.ids[slot] > afterTest)) {
        candidates.add(slot);
      }
    }
    candidates.sort(Comparator.<Integer>comparingLong(slot -> -means[slot]).thenComparingLong(slot -> totals.ids[slot]));
    List<Ranked> ranked = new ArrayList<>(Math.min(count, candidates.size()));
    for (int slot : candidates.subList(0, Math.min(count, candidates.size()))) {
      ranked.add(trend(oldestFirst, totals.ids[slot], means[slot], totals.max[slot], totals.count[slot]));
    }
    return ranked;
  }

  private static Ranked trend(List<RunDurations> oldestFirst, long testId, long mean, long max, int runs) {
    long[] runIds = new long[runs];
    long[] durations = new long[runs];
    int n = 0;
    for (RunDurations run : oldestFirst) {
      int at = Arrays.binarySearch(run.testIds(), testId);
      if (at >= 0) {
        runIds[n] = run.runId();
        durations[n++] = run.durations()[at];
      }
    }
    long[] sorted = durations.clone();
    Arrays.sort(sorted);
    return new Ranked(testId, mean, Percentiles.disc(sorted, P90), max, runs, runIds, durations);
  }

  /** A run's (test id, duration) pairs as {@code run-durations.sql} packs them: 16 bytes each, big-endian. */
  private static RunDurations unpacked(long runId, long attempts, Buffer packed) {
    int n = packed == null ? 0 : packed.length() / 16;
    long[] testIds = new long[n];
    long[] durations = new long[n];
    for (int i = 0; i < n; i++) {
      testIds[i] = packed.getLong(16 * i);
      durations[i] = packed.getLong(16 * i + 8);
    }
    return new RunDurations(runId, attempts, testIds, durations);
  }

  /**
   * Per test: the sum, count and max of its durations (a sum fits a long: durations go up to 10^15 ms,
   * {@code JsonInput.MAX_DURATION_MS}, and a window holds at most 500 runs); test ids to slots by open addressing
   * (test ids are positive, 0 marks a free place).
   */
  private static final class Totals {

    long[] ids = new long[1024];
    long[] sum = new long[1024];
    long[] max = new long[1024];
    int[] count = new int[1024];
    int size;
    private long[] keys = new long[2048];
    private int[] slots = new int[2048];

    void add(long testId, long duration) {
      int slot = slot(testId);
      sum[slot] += duration;
      max[slot] = count[slot] == 0 ? duration : Math.max(max[slot], duration);
      count[slot]++;
    }

    /** round(sum / count), halves up. */
    long mean(int slot) {
      long n = count[slot];
      return (2 * sum[slot] + n) / (2 * n);
    }

    private int slot(long testId) {
      int mask = keys.length - 1;
      int at = Long.hashCode(testId * 0x9E3779B97F4A7C15L) & mask;
      while (keys[at] != 0) {
        if (keys[at] == testId) {
          return slots[at];
        }
        at = (at + 1) & mask;
      }
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
        sum = Arrays.copyOf(sum, size * 2);
        max = Arrays.copyOf(max, size * 2);
        count = Arrays.copyOf(count, size * 2);
      }
      keys[at] = testId;
      slots[at] = size;
      ids[size] = testId;
      if (2 * (size + 1) > keys.length) {
        rehash();
      }
      return size++;
    }

    private void rehash() {
      long[] oldKeys = keys;
      int[] oldSlots = slots;
      keys = new long[oldKeys.length * 2];
      slots = new int[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != 0) {
          int at = Long.hashCode(oldKeys[i] * 0x9E3779B97F4A7C15L) & mask;
          while (keys[at] != 0) {
            at = (at + 1) & mask;
          }
          keys[at] = oldKeys[i];
          slots[at] = oldSlots[i];
        }
      }
    }
  }
}
