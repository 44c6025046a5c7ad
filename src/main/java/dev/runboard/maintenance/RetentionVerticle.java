package dev.runboard.maintenance;

import dev.runboard.bus.Addresses;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.RunEvent.RunUpdate;
import dev.runboard.model.RunStatus;
import dev.runboard.store.FileStorage;
import dev.runboard.store.Pools;
import dev.runboard.store.Sql;
import dev.runboard.store.StoreRows;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The retention job: every {@code retention.interval} (the first pass after at most a minute), each node deletes
 * the runs that the retention settings no longer keep and removes the files that have expired. Settings are the
 * configured defaults ({@code retention.runsDays}, {@code retention.keepRuns}, {@code retention.filesDays}), each
 * overridden per project by the administrators' values in {@code project_retention}. Pinned and running runs are
 * never touched.
 *
 * <p>A pass reads each limited project's bounds once, then works project by project. Work is claimed in SQL with
 * {@code FOR UPDATE SKIP LOCKED}, {@code retention.batchSize} runs per statement (its own short transaction), so
 * several nodes share a backlog and each run is handled by exactly one of them, and ingest and reads never wait
 * for the job. Between two batches the job pauses in proportion to the last batch's time, so that it keeps its
 * connection busy at most {@code retention.busyPercent} of the time and a large backlog does not take the
 * database's CPU from ingest and reads. After each commit it publishes {@code run-deleted} per deleted run
 * on {@link Addresses#RUN_UPDATES} and removes the run's files from the {@link FileStorage}. Files-only expiry
 * publishes nothing: finished runs have no live stream, and their pages read the (now empty) file list.
 *
 * <p>Also answers requests on {@link Addresses#RETENTION_PASS} (a local consumer): one pass now, on this node,
 * after any pass in progress; the reply is {@code {"deletedRuns": [ids], "expiredFileRuns": [ids], "files",
 * "bytes"}}. Passes of one node never overlap.
 */
public class RetentionVerticle extends VerticleBase {

  private static final Logger logger = LoggerFactory.getLogger(RetentionVerticle.class);
  private static final long FIRST_PASS_MAX_DELAY_MS = 60_000;

  private Pool pool;
  private Sql<RetentionQuery> sql;
  private final FileStorage files;
  private EventPublisher events;
  private int runsDays;
  private int keepRuns;
  private int filesDays;
  private int batchSize;
  private int busyPercent;
  private Future<Pass> latest = Future.succeededFuture();
  private boolean passing;

  /** What one pass removed. */
  private static final class Pass {
    final List<Long> deletedRuns = new ArrayList<>();
    final List<Long> expiredFileRuns = new ArrayList<>();
    long files;
    long bytes;

    JsonObject json() {
      return new JsonObject().put("deletedRuns", new JsonArray(deletedRuns))
        .put("expiredFileRuns", new JsonArray(expiredFileRuns)).put("files", files).put("bytes", bytes);
    }
  }

  /** @param files the node's file storage (the node starts and stops it) */
  public RetentionVerticle(FileStorage files) {
    this.files = files;
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    runsDays = config.retentionRunsDays();
    keepRuns = config.retentionKeepRuns();
    filesDays = config.retentionFilesDays();
    batchSize = config.retentionBatchSize();
    busyPercent = config.retentionBusyPercent();
    pool = Pools.shared(vertx, config);
    events = new EventPublisher(vertx.eventBus());
    long interval = config.retentionIntervalMs();
    return Sql.load(vertx, RetentionQuery.class).compose(loaded -> {
      sql = loaded;
      vertx.setPeriodic(Math.min(interval, FIRST_PASS_MAX_DELAY_MS), interval, t -> {
        if (!passing) {
          enqueuePass();
        }
      });
      return vertx.eventBus().<Object>localConsumer(Addresses.RETENTION_PASS, this::passRequested).completion();
    });
  }

  private void passRequested(Message<Object> request) {
    enqueuePass().onSuccess(pass -> request.reply(pass.json()))
      .onFailure(e -> request.fail(500, e.toString()));
  }

  /** Runs a pass after the one in progress (if any), so that passes of this node never overlap. */
  private Future<Pass> enqueuePass() {
    latest = latest.transform(previous -> {
      passing = true;
      Pass pass = new Pass();
      return purgeRuns(pass).compose(v -> expireFiles(pass)).map(pass)
        .onSuccess(this::logPass)
        .onFailure(e -> logger.warn("Retention pass failed: {}", e.toString()))
        .onComplete(done -> passing = false);
    });
    return latest;
  }

  /**
   * Deletes, project by project, the runs that started before the project's cutoff, then those beyond its newest
   * {@code keepRuns} (as counted when the pass began: runs arriving meanwhile only push older ones further out).
   */
  private Future<Void> purgeRuns(Pass pass) {
    return pool.preparedQuery(sql.get(RetentionQuery.RETENTION_BOUNDS)).execute(Tuple.of(runsDays, keepRuns))
      .compose(bounds -> {
        Future<Void> chain = Future.succeededFuture();
        for (Row project : bounds) {
          long projectId = project.getLong("project_id");
          int days = project.getInteger("runs_days");
          Long keptFrom = project.getLong("kept_from");
          if (days > 0) {
            chain = chain.compose(v -> purgeBatches(pass, RetentionQuery.PURGE_RUNS_OLDER, projectId, days));
          }
          if (keptFrom != null) {
            chain = chain.compose(v -> purgeBatches(pass, RetentionQuery.PURGE_RUNS_BEYOND, projectId, keptFrom));
          }
        }
        return chain;
      });
  }

  /** One batch per transaction, until a batch comes back short; paced. */
  private Future<Void> purgeBatches(Pass pass, RetentionQuery query, long projectId, Object bound) {
    long started = System.nanoTime();
    return pool.preparedQuery(sql.get(query)).execute(Tuple.of(projectId, bound, batchSize))
      .compose(rows -> {
        List<Future<Void>> removals = new ArrayList<>();
        for (Row run : rows) {
          long runId = run.getLong("id");
          pass.deletedRuns.add(runId);
          events.publish(new RunUpdate(RunUpdate.DELETED, runId, projectId, RunStatus.fromWire(run.getString("status")),
            StoreRows.counters(run)));
          logger.debug("Run {} of project {} deleted by retention", runId, projectId);
          removals.add(removeFiles(runId));
        }
        return Future.all(removals).compose(v -> rows.size() < batchSize ? Future.succeededFuture()
          : pause(started).compose(p -> purgeBatches(pass, query, projectId, bound)));
      });
  }

  /** Removes the files of batches of runs until a batch comes back short; paced. */
  private Future<Void> expireFiles(Pass pass) {
    long started = System.nanoTime();
    return pool.preparedQuery(sql.get(RetentionQuery.EXPIRE_RUN_FILES))
      .execute(Tuple.of(filesDays, batchSize))
      .compose(rows -> {
        List<Future<Void>> removals = new ArrayList<>();
        for (Row run : rows) {
          long runId = run.getLong("id");
          pass.expiredFileRuns.add(runId);
          pass.files += run.getInteger("files");
          pass.bytes += run.getLong("bytes");
          removals.add(removeFiles(runId));
        }
        return Future.all(removals).compose(v -> rows.size() < batchSize ? Future.succeededFuture()
          : pause(started).compose(p -> expireFiles(pass)));
      });
  }

  /**
   * The pause after a batch that started at {@code started} (nanoTime): its time × (100 − busyPercent) /
   * busyPercent, so that the job's connection is busy at most busyPercent of the time. A batch that waited for the
   * database because it was busy takes longer and so pauses longer.
   */
  private Future<Void> pause(long started) {
    long busyMs = (System.nanoTime() - started) / 1_000_000;
    long pauseMs = busyMs * (100 - busyPercent) / busyPercent;
    return pauseMs < 1 ? Future.succeededFuture() : vertx.timer(pauseMs).mapEmpty();
  }

  /** The rows are gone for good: files that cannot be removed are logged, and the pass goes on. */
  private Future<Void> removeFiles(long runId) {
    return files.removeRun(runId).recover(e -> {
      logger.warn("Could not remove the files of run {} (retention): {}", runId, e.toString());
      return Future.succeededFuture();
    });
  }

  private void logPass(Pass pass) {
    if (!pass.deletedRuns.isEmpty() || !pass.expiredFileRuns.isEmpty()) {
      logger.info("Retention: deleted {} runs; removed the files of {} runs ({} files, {} bytes)",
        pass.deletedRuns.size(), pass.expiredFileRuns.size(), pass.files, pass.bytes);
    }
  }
}
