package dev.runboard.api;

import dev.runboard.store.Sql;
import dev.runboard.store.StoreRows;
import dev.runboard.web.ApiException;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Triage of a run: what broke and why. The failure context labels each failure of a run against the recent
 * finished runs of its branch (runs without a branch against the project's other runs without one): an expected
 * failure, failing for several runs (and since when), flaky lately, or new. The comparison sets a run against
 * another one (given, the latest of a branch, or the previous run of its branch) test by test.
 */
final class TriageHandler {

  static final int DEFAULT_WINDOW = 10;
  static final int MAX_WINDOW = 100;
  /** Failures per failure context; a run with more says {@code truncated}. */
  static final int MAX_FAILURES = 1_000;
  /** Results per test read before the window when a failing streak reaches the window's oldest run. */
  static final int STREAK_LOOKBACK = 100;
  /** Items per comparison list; a longer list is cut and says {@code truncated}. */
  static final int MAX_LIST = 500;
  static final int DEFAULT_SLOWER_BY = 50;
  static final int MAX_SLOWER_BY = 10_000;
  static final int DEFAULT_MIN_DELTA = 100;
  static final List<String> LISTS = List.of("newlyFailing", "fixed", "stillFailing", "newTests", "removedTests",
    "slower");

  private static final String UNEXPECTED = "unexpected";

  private final Pool pool;
  private final Sql<ApiQuery> sql;

  TriageHandler(Pool pool, Sql<ApiQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  /** The run triage starts from. */
  private record TriageRun(long id, long projectId, String branch, OffsetDateTime startTime) {
  }

  /** A run of the branch window, newest first. */
  private record WindowRun(long id, OffsetDateTime startTime) {
  }

  /** A failure of the run, with its results in the window's runs and this run by run id. */
  private record Failure(JsonObject test, String status, String outcome, Map<Long, Row> results) {
  }

  /** What to compare with: a run, or none and why. */
  private record Base(Long runId, String reason) {
  }

  // ----- GET /api/test-runs/{runId}/failure-context?window= --------------------------------------------------

  void failureContext(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams params = QueryParams.of(ctx, "window");
    int window = params.integer("window", 1, MAX_WINDOW, DEFAULT_WINDOW);
    findRun(runId, null).compose(run -> Future.all(branchWindow(run, window),
        pool.preparedQuery(sql.get(ApiQuery.FAILURE_CONTEXT_TESTS)).execute(Tuple.of(runId, MAX_FAILURES + 1)))
      .compose(both -> {
        List<WindowRun> runs = both.resultAt(0);
        RowSet<Row> rows = both.resultAt(1);
        List<Failure> failures = new ArrayList<>();
        for (Row row : rows) {
          if (failures.size() < MAX_FAILURES) {
            failures.add(new Failure(testRef(row), row.getString("status"), row.getString("outcome"),
              new HashMap<>()));
          }
        }
        boolean truncated = rows.size() > MAX_FAILURES;
        return windowResults(run, runs, failures)
          .compose(v -> failingStreaks(run, runs, window, failures))
          .map(streaks -> new JsonObject()
            .put("runId", run.id())
            .put("branch", run.branch())
            .put("window", window)
            .put("previousRunId", runs.isEmpty() ? null : runs.get(0).id())
            .put("truncated", truncated)
            .put("tests", contextItems(run, runs, failures, streaks)));
      }))
      .onSuccess(answer -> Responses.sendJson(ctx, 200, answer))
      .onFailure(ctx::fail);
  }

  /** Fills each failure's results in the window's runs and in the run itself. */
  private Future<Void> windowResults(TriageRun run, List<WindowRun> runs, List<Failure> failures) {
    if (failures.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, Failure> byTest = new HashMap<>();
    failures.forEach(f -> byTest.put(f.test().getLong("testId"), f));
    Long[] runIds = new Long[runs.size() + 1];
    for (int i = 0; i < runs.size(); i++) {
      runIds[i] = runs.get(i).id();
    }
    runIds[runs.size()] = run.id();
    return pool.preparedQuery(sql.get(ApiQuery.FAILURE_CONTEXT_RESULTS))
      .execute(Tuple.tuple().addArrayOfLong(byTest.keySet().toArray(Long[]::new)).addArrayOfLong(runIds))
      .map(rows -> {
        rows.forEach(row -> byTest.get(row.getLong("test_id")).results().put(row.getLong("run_id"), row));
        return null;
      });
  }

  /**
   * Where the streaks of failing tests began when they reach the window's oldest run: a bounded walk further back
   * ({@value #STREAK_LOOKBACK} results per test). Only needed when the window is full (a shorter window holds the
   * branch's whole history). Answers the streak's first run and its start by test id.
   */
  private Future<Map<Long, WindowRun>> failingStreaks(TriageRun run, List<WindowRun> runs, int window,
                                                      List<Failure> failures) {
    if (runs.size() < window) {
      return Future.succeededFuture(Map.of());
    }
    Long[] reachingStart = failures.stream().filter(f -> isFailing(f, runs) && Streak.of(f, runs).reachesStart())
      .map(f -> f.test().getLong("testId")).toArray(Long[]::new);
    if (reachingStart.length == 0) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery(sql.get(ApiQuery.FAILING_STREAKS))
      .execute(Tuple.tuple().addArrayOfLong(reachingStart).addLong(runs.get(runs.size() - 1).id())
        .addLong(run.projectId()).addString(run.branch()).addInteger(STREAK_LOOKBACK))
      .map(rows -> {
        Map<Long, WindowRun> streaks = new HashMap<>();
        rows.forEach(row -> streaks.put(row.getLong("test_id"),
          new WindowRun(row.getLong("run_id"), row.getOffsetDateTime("start_time"))));
        return streaks;
      });
  }

  /**
   * The streak of a failing test (unexpected in this run and in the previous one) inside the window: its oldest
   * run (runs without a result for the test are passed over), and whether it reaches the window's oldest result of
   * the test (then it may go on before the window).
   */
  private record Streak(WindowRun oldest, boolean reachesStart) {

    static Streak of(Failure failure, List<WindowRun> runs) {
      WindowRun oldest = null;
      for (WindowRun windowRun : runs) {
        Row result = failure.results().get(windowRun.id());
        if (result == null) {
          continue;
        }
        if (!UNEXPECTED.equals(result.getString("outcome"))) {
          return new Streak(oldest, false);
        }
        oldest = windowRun;
      }
      return new Streak(oldest, true);
    }
  }

  /** Unexpected in this run and in the previous run of the branch. */
  private static boolean isFailing(Failure failure, List<WindowRun> runs) {
    return UNEXPECTED.equals(failure.outcome()) && isUnexpected(failure, runs.isEmpty() ? null : runs.get(0));
  }

  private static boolean isUnexpected(Failure failure, WindowRun previous) {
    Row result = previous == null ? null : failure.results().get(previous.id());
    return result != null && UNEXPECTED.equals(result.getString("outcome"));
  }

  private static JsonArray contextItems(TriageRun run, List<WindowRun> runs, List<Failure> failures,
                                        Map<Long, WindowRun> streaks) {
    JsonArray items = new JsonArray();
    for (Failure failure : failures) {
      long testId = failure.test().getLong("testId");
      int windowRuns = 0;
      int flakyRuns = 0;
      JsonArray recent = new JsonArray();
      for (int i = runs.size() - 1; i >= 0; i--) {
        Row result = failure.results().get(runs.get(i).id());
        if (result != null) {
          windowRuns++;
          flakyRuns += "flaky".equals(result.getString("outcome")) ? 1 : 0;
          recent.add(recentEntry(result));
        }
      }
      Row own = failure.results().get(run.id());
      if (own != null) {
        recent.add(recentEntry(own));
      }
      boolean expectedFailure = !UNEXPECTED.equals(failure.outcome());
      boolean failing = isFailing(failure, runs);
      String label = expectedFailure ? "expected" : failing ? "failing" : flakyRuns > 0 ? "flaky" : "new";
      WindowRun since = null;
      boolean beyondWindow = false;
      if (failing) {
        Streak streak = Streak.of(failure, runs);
        beyondWindow = streak.reachesStart() && streaks.containsKey(testId);
        since = beyondWindow ? streaks.get(testId) : streak.oldest();
      } else if (!expectedFailure) {
        since = new WindowRun(run.id(), run.startTime());
      }
      items.add(failure.test().copy()
        .put("status", failure.status())
        .put("outcome", failure.outcome())
        .put("label", label)
        .put("failingSinceRunId", since == null ? null : since.id())
        .put("failingSinceStartTime", since == null ? null : StoreRows.time(since.startTime()))
        .put("beyondWindow", beyondWindow)
        .put("flakeRate", windowRuns == 0 ? null : Math.round(10_000.0 * flakyRuns / windowRuns) / 10_000.0)
        .put("flakyRuns", flakyRuns)
        .put("windowRuns", windowRuns)
        .put("recent", recent));
    }
    return items;
  }

  private static JsonObject recentEntry(Row result) {
    return new JsonObject().put("runId", result.getLong("run_id")).put("status", result.getString("status"))
      .put("outcome", result.getString("outcome"));
  }

  // ----- GET /api/test-runs/{runId}/compare?with=|base=&slowerBy=&minDelta= ------------------------------------

  void compare(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams params = QueryParams.of(ctx, "with", "base", "slowerBy", "minDelta");
    Long with = params.id("with");
    String base = params.text("base", 500);
    if (with != null && base != null) {
      throw ApiException.validation("base", "Give either with (a run) or base (a branch), not both.");
    }
    int slowerBy = params.integer("slowerBy", 1, MAX_SLOWER_BY, DEFAULT_SLOWER_BY);
    int minDelta = params.integer("minDelta", 0, Integer.MAX_VALUE, DEFAULT_MIN_DELTA);
    findRun(runId, null)
      .compose(run -> baseOf(run, with, base))
      .compose(found -> {
        JsonObject answer = new JsonObject().put("runId", runId).put("baseRunId", found.runId())
          .put("reason", found.reason());
        Map<String, JsonArray> lists = new LinkedHashMap<>();
        JsonObject counts = new JsonObject();
        LISTS.forEach(name -> {
          lists.put(name, new JsonArray());
          counts.put(name, 0);
        });
        if (found.runId() == null) {
          return Future.succeededFuture(answer.put("truncated", false).put("counts", counts).mergeIn(lists(lists)));
        }
        return pool.preparedQuery(sql.get(ApiQuery.COMPARE_RUNS))
          .execute(Tuple.of(runId, found.runId(), slowerBy, minDelta, MAX_LIST))
          .map(rows -> {
            boolean truncated = false;
            for (Row row : rows) {
              String list = row.getString("list");
              int size = row.getInteger("list_size");
              counts.put(list, size);
              truncated |= size > MAX_LIST;
              lists.get(list).add(compareItem(list, row));
            }
            return answer.put("truncated", truncated).put("counts", counts).mergeIn(lists(lists));
          });
      })
      .onSuccess(answer -> Responses.sendJson(ctx, 200, answer))
      .onFailure(ctx::fail);
  }

  private static JsonObject lists(Map<String, JsonArray> lists) {
    JsonObject json = new JsonObject();
    lists.forEach(json::put);
    return json;
  }

  /** The run to compare with: {@code with}, the latest finished run of branch {@code base}, or the previous one. */
  private Future<Base> baseOf(TriageRun run, Long with, String base) {
    if (with != null) {
      return findRun(with, "with").map(other -> {
        if (other.projectId() != run.projectId()) {
          throw ApiException.validation("with", "Run " + with + " belongs to another project; compare runs of "
            + "one project.");
        }
        return new Base(other.id(), null);
      });
    }
    if (base != null) {
      return pool.preparedQuery(sql.get(ApiQuery.LATEST_BRANCH_RUN))
        .execute(Tuple.of(run.projectId(), base, run.id()))
        .map(rows -> rows.size() == 0
          ? new Base(null, "No finished run of branch '" + base + "' in this project other than this one.")
          : new Base(rows.iterator().next().getLong("id"), null));
    }
    return branchWindow(run, 1).map(runs -> runs.isEmpty()
      ? new Base(null, run.branch() == null ? "No earlier finished run without a branch in this project."
        : "No earlier finished run of branch '" + run.branch() + "'.")
      : new Base(runs.get(0).id(), null));
  }

  private static JsonObject compareItem(String list, Row row) {
    JsonObject item = testRef(row);
    if (list.equals("removedTests")) {
      return item.put("status", row.getString("base_status")).put("outcome", row.getString("base_outcome"));
    }
    item.put("status", row.getString("status")).put("outcome", row.getString("outcome"));
    if (list.equals("slower")) {
      item.put("duration", row.getLong("duration_ms")).put("baseDuration", row.getLong("base_duration_ms"));
    }
    return item;
  }

  // ----- shared ------------------------------------------------------------------------------------------------

  /** The run, or 404 ({@code param} names the query parameter that named it, if one did). */
  private Future<TriageRun> findRun(long runId, String param) {
    return pool.preparedQuery(sql.get(ApiQuery.TRIAGE_RUN)).execute(Tuple.of(runId)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("No run " + runId + (param == null ? "." : " (" + param + ")."));
      }
      Row row = rows.iterator().next();
      return new TriageRun(row.getLong("id"), row.getLong("project_id"), row.getString("branch"),
        row.getOffsetDateTime("start_time"));
    });
  }

  /** The last {@code size} finished runs of the run's branch before it, newest first. */
  private Future<List<WindowRun>> branchWindow(TriageRun run, int size) {
    return pool.preparedQuery(sql.get(ApiQuery.BRANCH_WINDOW))
      .execute(Tuple.tuple().addLong(run.projectId()).addString(run.branch()).addLong(run.id()).addInteger(size))
      .map(rows -> {
        List<WindowRun> runs = new ArrayList<>();
        rows.forEach(row -> runs.add(new WindowRun(row.getLong("id"), row.getOffsetDateTime("start_time"))));
        return runs;
      });
  }

  private static JsonObject testRef(Row row) {
    return new JsonObject()
      .put("testId", row.getLong("test_id"))
      .put("title", row.getString("title"))
      .put("titlePath", new JsonArray(Arrays.asList(row.getArrayOfStrings("title_path"))))
      .put("file", row.getString("file"))
      .put("playwrightProject", row.getString("playwright_project"));
  }
}
