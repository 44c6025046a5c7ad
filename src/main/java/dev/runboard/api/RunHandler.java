package dev.runboard.api;

import dev.runboard.bus.EventPublisher;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RunEvent.RunUpdate;
import dev.runboard.model.RunFile;
import dev.runboard.model.RunStatus;
import dev.runboard.store.FileStorage;
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
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs: the newest runs of all projects or of one, one run with its files, a run's results, and the
 * administrators' deletion (rows, then {@code run-deleted}, then the run's stored files).
 */
final class RunHandler {

  private static final Logger logger = LoggerFactory.getLogger(RunHandler.class);
  static final Set<String> RUN_STATUSES = Set.of("running", "passed", "failed", "timedout", "interrupted");
  static final Set<String> RESULT_STATUSES = Set.of("passed", "failed", "timedOut", "skipped", "interrupted");
  static final Set<String> OUTCOMES = Set.of("expected", "unexpected", "flaky", "skipped");

  private final Pool pool;
  private final Sql<ApiQuery> sql;
  private final ProjectHandler projects;
  private final FileStorage files;
  private final EventPublisher events;
  private final FileLinks links;

  RunHandler(Pool pool, Sql<ApiQuery> sql, ProjectHandler projects, FileStorage files, EventPublisher events,
             FileLinks links) {
    this.pool = pool;
    this.sql = sql;
    this.projects = projects;
    this.files = files;
    this.events = events;
    this.links = links;
  }

  /** The filters of a run list; {@code project} only on the list of all projects. */
  private record RunFilter(String[] statuses, String branch, OffsetDateTime from, OffsetDateTime to, Long before,
                           int limit, Long project, String branchPrefix, String pattern, Long runId) {

    static RunFilter of(RoutingContext ctx, boolean allProjects) {
      QueryParams params = allProjects
        ? QueryParams.of(ctx, "status", "branch", "branchPrefix", "q", "project", "from", "to", "limit", Cursor.PARAM)
        : QueryParams.of(ctx, "status", "branch", "branchPrefix", "q", "from", "to", "limit", Cursor.PARAM);
      String[] statuses = params.oneOrMore("status", RUN_STATUSES);
      String branch = params.text("branch", 500);
      String branchPrefix = params.text("branchPrefix", 500);
      String q = params.text("q", 200);
      Long project = allProjects ? params.id("project") : null;
      OffsetDateTime from = params.time("from");
      OffsetDateTime to = params.time("to");
      if (from != null && to != null && !from.isBefore(to)) {
        throw ApiException.validation("to", "to must be after from.");
      }
      int limit = params.limit();
      List<Object> after = params.cursor(Cursor.Part.LONG);
      String search = q == null ? null : q.strip();
      if (search != null && search.isEmpty()) {
        throw ApiException.validation("q", "q must not be blank.");
      }
      return new RunFilter(statuses, branch, from, to, after == null ? null : (Long) after.get(0), limit, project,
        branchPrefix, search == null ? null : Like.contains(search), search == null ? null : runNumber(search));
    }

    /** {@code 123} or {@code #123}: the run the search may name. */
    private static Long runNumber(String q) {
      String digits = q.startsWith("#") ? q.substring(1) : q;
      return !digits.isEmpty() && digits.length() <= 18 && digits.chars().allMatch(c -> c >= '0' && c <= '9')
        ? Long.valueOf(digits) : null;
    }

    Tuple addSearch(Tuple args) {
      return args.addString(branchPrefix).addString(pattern).addLong(runId);
    }
  }

  void listRuns(RoutingContext ctx) {
    RunFilter filter = RunFilter.of(ctx, true);
    pool.preparedQuery(sql.get(ApiQuery.RUNS_PAGE))
      .execute(filter.addSearch(Tuple.tuple().addArrayOfString(filter.statuses()).addString(filter.branch())
        .addOffsetDateTime(filter.from()).addOffsetDateTime(filter.to()).addLong(filter.before())
        .addInteger(filter.limit() + 1).addLong(filter.project())))
      .onSuccess(rows -> sendRuns(ctx, rows, filter))
      .onFailure(ctx::fail);
  }

  void listProjectRuns(RoutingContext ctx) {
    long projectId = Long.parseLong(ctx.pathParam("projectId"));
    RunFilter filter = RunFilter.of(ctx, false);
    Tuple args = filter.addSearch(Tuple.tuple().addLong(projectId).addArrayOfString(filter.statuses())
      .addString(filter.branch()).addOffsetDateTime(filter.from()).addOffsetDateTime(filter.to())
      .addLong(filter.before()).addInteger(filter.limit() + 1));
    projects.findProject(projectId)
      .compose(project -> pool.preparedQuery(sql.get(ApiQuery.PROJECT_RUNS_PAGE)).execute(args))
      .onSuccess(rows -> sendRuns(ctx, rows, filter))
      .onFailure(ctx::fail);
  }

  private static void sendRuns(RoutingContext ctx, Iterable<Row> rows, RunFilter filter) {
    List<JsonObject> runs = new ArrayList<>();
    rows.forEach(row -> runs.add(ApiRows.run(row)));
    Responses.sendJson(ctx, 200, Page.of("runs", runs, filter.limit(), last -> Cursor.encode(last.getLong("id"))));
  }

  void getRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams.of(ctx);
    Future.all(pool.preparedQuery(sql.get(ApiQuery.RUN_DETAIL)).execute(Tuple.of(runId)),
        pool.preparedQuery(sql.get(ApiQuery.RUN_ARTIFACTS)).execute(Tuple.of(runId)))
      .onSuccess(all -> {
        io.vertx.sqlclient.RowSet<Row> run = all.resultAt(0);
        io.vertx.sqlclient.RowSet<Row> artifacts = all.resultAt(1);
        if (!run.iterator().hasNext()) {
          ctx.fail(ApiException.notFound("No run " + runId + "."));
          return;
        }
        JsonArray runFiles = new JsonArray();
        FileLinks client = links.forClient(ctx.request().scheme(), ctx.request().getHeader("Host"));
        boolean traces = false;
        for (Row row : artifacts) {
          RunFile file = StoreRows.artifact(row).toFile();
          traces |= "trace".equals(file.kind());
          runFiles.add(JsonObject.mapFrom(client.link(file)));
        }
        Row detail = run.iterator().next();
        JsonObject answer = ApiRows.runDetail(detail, runFiles);
        Long viewerId = detail.getLong("trace_viewer_id");
        if (traces && viewerId != null) {
          FileLinks.Link viewer = client.traceViewer(viewerId);
          answer.put("traceViewer", new JsonObject().put("version", detail.getString("trace_viewer_version"))
            .put("url", viewer.url()).put("expiresAt", viewer.expiresAt()));
        } else {
          answer.putNull("traceViewer");
        }
        Responses.sendJson(ctx, 200, answer);
      })
      .onFailure(ctx::fail);
  }

  /** Final attempts, each with {@code earlierAttempts} (the retries before it, oldest first). */
  void listResults(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams params = QueryParams.of(ctx, "status", "outcome", "flaky", "q", "limit", Cursor.PARAM);
    String[] statuses = params.oneOrMore("status", RESULT_STATUSES);
    String[] outcomes = params.oneOrMore("outcome", OUTCOMES);
    Boolean flaky = params.bool("flaky");
    String q = params.text("q", 200);
    int limit = params.limit();
    List<Object> after = params.cursor(Cursor.Part.LONG);
    Tuple args = Tuple.tuple().addLong(runId).addArrayOfString(statuses).addBoolean(flaky)
      .addString(q == null ? null : q.toLowerCase(Locale.ROOT)).addLong(after == null ? null : (Long) after.get(0))
      .addInteger(limit + 1).addArrayOfString(outcomes);
    pool.preparedQuery(sql.get(ApiQuery.RUN_RESULTS_PAGE)).execute(args).compose(rows -> {
      List<JsonObject> results = new ArrayList<>();
      rows.forEach(row -> results.add(ApiRows.result(row)));
      Future<Void> exists = results.isEmpty() ? runExists(runId) : Future.succeededFuture();
      Long[] retried = results.stream().limit(limit).filter(r -> r.getInteger("retry") > 0)
        .map(r -> r.getLong("testId")).toArray(Long[]::new);
      Future<Map<Long, JsonArray>> earlier = retried.length == 0 ? Future.succeededFuture(Map.of())
        : pool.preparedQuery(sql.get(ApiQuery.EARLIER_ATTEMPTS)).execute(Tuple.tuple().addLong(runId).addArrayOfLong(retried)).map(attempts -> {
          Map<Long, JsonArray> byTest = new HashMap<>();
          attempts.forEach(a -> byTest.computeIfAbsent(a.getLong("test_id"), id -> new JsonArray())
            .add(JsonObject.mapFrom(StoreRows.result(a))));
          return byTest;
        });
      return Future.all(exists, earlier).map(done -> {
        Map<Long, JsonArray> byTest = done.resultAt(1);
        results.forEach(r -> r.put("earlierAttempts", byTest.getOrDefault(r.getLong("testId"), new JsonArray())));
        return Page.of("results", results, limit, last -> Cursor.encode(last.getLong("testId")));
      });
    }).onSuccess(page -> Responses.sendJson(ctx, 200, page)).onFailure(ctx::fail);
  }

  Future<Void> runExists(long runId) {
    return pool.preparedQuery(sql.get(ApiQuery.RUN_SUMMARIES)).execute(Tuple.tuple().addArrayOfLong(new Long[]{runId}))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          throw ApiException.notFound("No run " + runId + ".");
        }
        return null;
      });
  }

  /** Deletes the run's rows (cascading), then its stored files; 204. */
  void deleteRun(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    QueryParams.of(ctx);
    pool.preparedQuery(sql.get(ApiQuery.DELETE_RUN)).execute(Tuple.of(runId)).compose(rows -> {
      if (!rows.iterator().hasNext()) {
        throw ApiException.notFound("No run " + runId + ".");
      }
      Row run = rows.iterator().next();
      events.publish(new RunUpdate(RunUpdate.DELETED, runId, run.getLong("project_id"),
        RunStatus.fromWire(run.getString("status")), StoreRows.counters(run)));
      logger.info("Run {} of project {} deleted", runId, run.getLong("project_id"));
      return files.removeRun(runId).recover(e -> {
        // The rows are gone and cannot come back: files left behind are logged, not reported as a failure.
        logger.warn("Could not delete the files of deleted run {}: {}", runId, e.toString());
        return Future.succeededFuture();
      });
    }).onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }
}
