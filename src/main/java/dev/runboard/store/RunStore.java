package dev.runboard.store;

import dev.runboard.bus.EventCodec;
import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Counters;
import dev.runboard.model.RunEvent;
import dev.runboard.model.RunFile;
import dev.runboard.model.RunStatus;
import dev.runboard.model.RunSummary;
import dev.runboard.model.Shards;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The write side of runs: start, batches of attempts, finish, one-shot submit, and the stuck-run sweep. Every
 * method is one transaction; callers publish the returned events only after it has committed.
 *
 * <p>Writers of one run serialise on the run's row lock ({@code SELECT … FOR UPDATE}). Under it, the existing
 * attempts of the batch's tests are read, and everything a batch changes (new attempts, results, events with
 * their gap-free {@code seq}, counter increments) is computed in Java and written in one statement. The unique
 * key on {@code (run_id, test_id, retry)} backs the duplicate detection.
 */
public final class RunStore {

  private static final String UNIQUE_VIOLATION = "23505";
  private static final String DEADLOCK = "40P01";

  private final Pool pool;
  private final Sql<StoreQuery> sql;

  RunStore(Pool pool, Sql<StoreQuery> sql) {
    this.pool = pool;
    this.sql = sql;
  }

  // ----- start ------------------------------------------------------------------------------------------------

  /** The run a {@code start} made or resumed. */
  public record Started(RunSummary run, boolean created, Integer shard, RunEvent.ShardStarted event) {
  }

  /**
   * Creates the run (and its project on first use), or, for a {@code runKey} whose run is still running,
   * resumes it with the new token. A {@code runKey} of another account's run fails with
   * {@link ForeignRunException} (unless the starter is an administrator), one of a finished run with
   * {@link RunConflictException}.
   */
  public Future<Started> startRun(NewRun run, byte[] tokenHash, Starter starter) {
    return pool.withTransaction(conn -> startRun(conn, run, tokenHash, starter))
      .recover(e -> isUniqueViolation(e) && (run.runKey() != null || run.sharded())
        // Two starts with one runKey (or two shards of one build) raced; the loser finds the winner's run now.
        ? pool.withTransaction(conn -> startRun(conn, run, tokenHash, starter)) : Future.failedFuture(e));
  }

  private Future<Started> startRun(SqlConnection conn, NewRun run, byte[] tokenHash, Starter starter) {
    return upsertProject(conn, run).compose(projectId -> {
      if (run.sharded()) {
        return startShard(conn, projectId, run, tokenHash, starter);
      }
      if (run.runKey() == null) {
        return insertRun(conn, projectId, run, tokenHash, starter).compose(id -> startedRun(conn, id, true));
      }
      return query(conn, StoreQuery.FIND_KEYED_RUN, Tuple.of(projectId, run.runKey())).compose(rows -> {
        if (!rows.iterator().hasNext()) {
          return insertRun(conn, projectId, run, tokenHash, starter).compose(id -> startedRun(conn, id, true));
        }
        Row existing = rows.iterator().next();
        long id = existing.getLong("id");
        Long owner = existing.getLong("started_by_user");
        if (owner != null && owner != starter.userId() && !starter.administrator()) {
          // runKeys can be guessed (CI build numbers): another account must not take the run and its token over.
          return Future.failedFuture(new ForeignRunException(
            "Run " + id + " with this runKey was started by another account."));
        }
        if (!RunStatus.fromWire(existing.getString("status")).running()) {
          return Future.failedFuture(new RunConflictException(
            "Run " + id + " with this runKey has already finished; use a new runKey."));
        }
        return query(conn, StoreQuery.ROTATE_STREAM_TOKEN, Tuple.of(id, Buffer.buffer(tokenHash),
          starter.apiKeyId())).compose(v -> startedRun(conn, id, false));
      });
    });
  }

  private Future<Started> startedRun(SqlConnection conn, long runId, boolean created) {
    return summary(conn, runId).map(summary -> new Started(summary, created, null, null));
  }

  /**
   * A shard of a CI build: the build's run is made by its first shard and joined by the others (its row lock
   * orders them); each shard gets its own token, and a repeated start of a running shard a new one. A shard whose
   * total is not the run's, a shard that has finished, or a build whose run has ended fail with
   * {@link RunConflictException}; another account's running shard with {@link ForeignRunException}.
   */
  private Future<Started> startShard(SqlConnection conn, long projectId, NewRun run, byte[] tokenHash,
                                     Starter starter) {
    int current = run.shardCurrent();
    int total = run.shardTotal();
    return query(conn, StoreQuery.FIND_BUILD_RUN, Tuple.of(projectId, run.buildId())).compose(rows -> {
      if (!rows.iterator().hasNext()) {
        return insertRun(conn, projectId, "stream", RunStatus.RUNNING, run, null, null, null, null, 0, starter)
          .compose(id -> joinShard(conn, id, run, tokenHash, starter, true));
      }
      Row existing = rows.iterator().next();
      long id = existing.getLong("id");
      if (existing.getInteger("shard_total") != total) {
        return Future.failedFuture(new RunConflictException("Run " + id + " of build " + run.buildId() + " has "
          + existing.getInteger("shard_total") + " shards; this shard says " + total + "."));
      }
      if (!RunStatus.fromWire(existing.getString("status")).running()) {
        return Future.failedFuture(new RunConflictException("Run " + id + " of build " + run.buildId()
          + " has ended; shard " + current + "/" + total + " cannot join it."));
      }
      return joinShard(conn, id, run, tokenHash, starter, false);
    });
  }

  private Future<Started> joinShard(SqlConnection conn, long runId, NewRun run, byte[] tokenHash, Starter starter,
                                    boolean created) {
    int current = run.shardCurrent();
    return query(conn, StoreQuery.FIND_SHARD, Tuple.of(runId, current)).compose(rows -> {
      if (!rows.iterator().hasNext()) {
        Tuple insert = Tuple.tuple().addValue(runId).addValue(current).addValue(Buffer.buffer(tokenHash))
          .addValue(starter.userId()).addValue(starter.apiKeyId()).addValue(run.startTime())
          .addValue(run.expectedTests());
        return query(conn, StoreQuery.INSERT_SHARD, insert).compose(seqRows -> {
          long seq = seqRows.iterator().next().getLong("last_seq");
          return summary(conn, runId).compose(summary -> {
            RunEvent.ShardStarted event = new RunEvent.ShardStarted(seq, shardOf(summary, current));
            return insertEvent(conn, runId, event).map(new Started(summary, created, current, event));
          });
        });
      }
      Row shard = rows.iterator().next();
      Long owner = shard.getLong("started_by_user");
      if (owner != null && owner != starter.userId() && !starter.administrator()) {
        return Future.failedFuture(new ForeignRunException("Shard " + current + " of run " + runId
          + " was started by another account."));
      }
      if (!RunStatus.fromWire(shard.getString("status")).running()) {
        return Future.failedFuture(new RunConflictException("Shard " + current + "/" + run.shardTotal() + " of run "
          + runId + " has already finished."));
      }
      return query(conn, StoreQuery.ROTATE_SHARD_TOKEN, Tuple.of(runId, current, Buffer.buffer(tokenHash),
        starter.apiKeyId())).compose(v -> summary(conn, runId))
        .map(summary -> new Started(summary, false, current, null));
    });
  }

  private static Shards.Shard shardOf(RunSummary summary, int current) {
    return summary.shards().list().stream().filter(s -> s.current() == current).findFirst().orElseThrow();
  }

  /**
   * The run's project, made on first use, without locking an existing project's row: runs of one project must not
   * queue behind each other. A description fills a project that has none (the only case that locks its row).
   */
  private Future<Long> upsertProject(SqlConnection conn, NewRun run) {
    return findOrInsertProject(conn, run).compose(row -> {
      if (row == null) {
        // Made meanwhile by another transaction, which has committed now: found on the second look.
        return findOrInsertProject(conn, run);
      }
      return Future.succeededFuture(row);
    }).compose(row -> {
      if (row == null) {
        return Future.failedFuture(new IllegalStateException("project " + run.projectName() + " not found"));
      }
      long id = row.getLong("id");
      if (row.getString("description") == null && run.projectDescription() != null) {
        return query(conn, StoreQuery.FILL_PROJECT_DESCRIPTION, Tuple.of(id, run.projectDescription())).map(id);
      }
      return Future.succeededFuture(id);
    });
  }

  private Future<Row> findOrInsertProject(SqlConnection conn, NewRun run) {
    return query(conn, StoreQuery.FIND_OR_INSERT_PROJECT, Tuple.of(run.projectName(), run.projectDescription()))
      .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
  }

  private Future<Long> insertRun(SqlConnection conn, long projectId, NewRun run, byte[] tokenHash,
                                 Starter starter) {
    return insertRun(conn, projectId, "stream", RunStatus.RUNNING, run, null, null, null, tokenHash, 0, starter);
  }

  private Future<Long> insertRun(SqlConnection conn, long projectId, String source, RunStatus status, NewRun run,
                                 OffsetDateTime endTime, Long durationMs, JsonObject reportedCounts,
                                 byte[] tokenHash, long lastSeq, Starter starter) {
    // A sharded run's expected tests are the sum of its shards' announcements, added as each joins.
    Tuple params = Tuple.tuple()
      .addValue(projectId).addValue(source).addValue(run.sharded() ? null : run.runKey()).addValue(status.wire())
      .addValue(run.startTime()).addValue(endTime).addValue(durationMs)
      .addValue(run.sharded() ? null : run.expectedTests())
      .addValue(run.metadata() == null ? new JsonObject() : run.metadata()).addValue(reportedCounts)
      .addValue(run.reporterVersion()).addValue(run.playwrightVersion())
      .addValue(tokenHash == null ? null : Buffer.buffer(tokenHash)).addValue(lastSeq)
      .addValue(starter.userId()).addValue(starter.apiKeyId())
      .addValue(run.buildId()).addValue(run.shardTotal());
    return query(conn, StoreQuery.INSERT_RUN, params).map(rows -> rows.iterator().next().getLong("id"));
  }

  // ----- batches ----------------------------------------------------------------------------------------------

  /**
   * What a batch did: how many attempts were newly stored and how many were duplicates, and the events it made
   * ({@code test-completed} per stored attempt, then one {@code run-progress}; none when nothing was stored).
   */
  public record Batch(long runId, long projectId, RunStatus status, int stored, int duplicates,
                      List<RunEvent.Logged> events, Counters counters) {
  }

  /**
   * Stores a batch of attempts exactly once. {@code check} sees the locked run first (null: no such run), throws
   * to refuse the request (which rolls everything back), and returns the shard that sends the batch (null for an
   * unsharded run): the batch's counter changes are that shard's too. An empty batch only records activity.
   */
  public Future<Batch> appendBatch(long runId, Function<LockedRun, Integer> check, List<NewAttempt> attempts) {
    // A deadlock with another run of the project (creating the same tests) aborts one of them; try it again.
    return appendBatchOnce(runId, check, attempts)
      .recover(e -> isDeadlock(e) ? appendBatchOnce(runId, check, attempts) : Future.failedFuture(e));
  }

  private Future<Batch> appendBatchOnce(long runId, Function<LockedRun, Integer> check,
                                        List<NewAttempt> attempts) {
    return pool.withTransaction(conn -> lockRun(conn, runId).compose(locked -> {
      Integer shard = check.apply(locked);
      if (attempts.isEmpty()) {
        return query(conn, StoreQuery.TOUCH_RUN, Tuple.of(runId)).map(v -> new Batch(runId, locked.projectId(),
          locked.status(), 0, 0, List.of(), locked.counters()));
      }
      return testsAndAttempts(conn, locked.projectId(), runId, attempts).compose(found -> {
        BatchPlan plan = BatchPlan.of(locked, attempts, found.ids(), found.existing(), true);
        return writeBatch(conn, locked, plan, shard, null).map(v -> new Batch(runId, locked.projectId(),
          locked.status(), plan.stored(), plan.duplicates(), plan.events(), plan.counters()));
      });
    }));
  }

  private Future<LockedRun> lockRun(SqlConnection conn, long runId) {
    return query(conn, StoreQuery.LOCK_RUN, Tuple.of(runId)).map(rows -> {
      if (!rows.iterator().hasNext()) {
        return null;
      }
      Row row = rows.iterator().next();
      Buffer hash = row.getBuffer("stream_token_hash");
      return new LockedRun(row.getLong("id"), row.getLong("project_id"), row.getString("project_name"),
        RunStatus.fromWire(row.getString("status")), hash == null ? null : hash.getBytes(), row.getLong("last_seq"),
        RowMappers.counters(row), row.getBoolean("authority_holds"), row.getInteger("shard_total"), List.of(),
        row.getLong("finished_ms_ago"));
    }).compose(run -> run == null || !run.sharded() ? Future.succeededFuture(run)
      : query(conn, StoreQuery.LOCK_SHARDS, Tuple.of(runId)).map(rows -> {
        List<LockedRun.ShardState> shards = new ArrayList<>();
        for (Row row : rows) {
          shards.add(new LockedRun.ShardState(row.getInteger("shard"), RunStatus.fromWire(row.getString("status")),
            row.getBuffer("stream_token_hash").getBytes(), row.getBoolean("authority_holds")));
        }
        return new LockedRun(run.id(), run.projectId(), run.projectName(), run.status(), run.streamTokenHash(),
          run.lastSeq(), run.counters(), run.authorityHolds(), run.shardTotal(), List.copyOf(shards),
          run.finishedMsAgo());
      }));
  }

  /** Test ids for every identity of the batch, creating the tests that are new to the project. */
  private Future<Map<TestKey, Long>> testIds(SqlConnection conn, long projectId, List<NewAttempt> attempts) {
    return testIdsOf(conn, projectId, attempts.stream().map(NewAttempt::test).toList());
  }

  private Future<Map<TestKey, Long>> testIdsOf(SqlConnection conn, long projectId, List<TestKey> tests) {
    Map<TestKey, byte[]> keys = new LinkedHashMap<>();
    tests.forEach(test -> keys.putIfAbsent(test, test.identityHash()));
    return findTests(conn, projectId, keys).compose(found -> {
      if (found.size() == keys.size()) {
        return Future.succeededFuture(found);
      }
      List<TestKey> missing = keys.keySet().stream().filter(k -> !found.containsKey(k)).toList();
      Tuple insert = Tuple.tuple().addValue(projectId)
        .addValue(missing.stream().map(k -> Buffer.buffer(keys.get(k))).toArray(Buffer[]::new))
        .addValue(missing.stream().map(TestKey::variant).toArray(Integer[]::new))
        .addValue(missing.stream().map(TestKey::file).toArray(String[]::new))
        .addValue(missing.stream().map(k -> new io.vertx.core.json.JsonArray(k.titlePath()).encode())
          .toArray(String[]::new))
        .addValue(missing.stream().map(TestKey::playwrightProject).toArray(String[]::new))
        .addValue(missing.stream().map(TestKey::title).toArray(String[]::new));
      // A test inserted meanwhile by another run of the project is skipped here and found by the second look.
      return query(conn, StoreQuery.INSERT_TESTS, insert).compose(v -> findTests(conn, projectId, keys));
    });
  }

  private Future<Map<TestKey, Long>> findTests(SqlConnection conn, long projectId, Map<TestKey, byte[]> keys) {
    Buffer[] hashes = keys.values().stream().distinct().map(Buffer::buffer).toArray(Buffer[]::new);
    return query(conn, StoreQuery.FIND_TESTS, Tuple.tuple().addValue(projectId).addValue(hashes)).map(rows -> {
      Map<String, Long> byHashAndVariant = new HashMap<>();
      for (Row row : rows) {
        byHashAndVariant.put(hex(row.getBuffer("identity_hash").getBytes()) + "/" + row.getInteger("variant"),
          row.getLong("id"));
      }
      Map<TestKey, Long> ids = new HashMap<>();
      keys.forEach((key, hash) -> {
        Long id = byHashAndVariant.get(hex(hash) + "/" + key.variant());
        if (id != null) {
          ids.put(key, id);
        }
      });
      return ids;
    });
  }

  /** The test ids of a batch and the attempts the run already has of those tests. */
  private record Found(Map<TestKey, Long> ids, List<BatchPlan.StoredAttempt> existing) {
  }

  /**
   * Test ids for every identity of the batch with the run's stored attempts of them, read in one statement; the
   * tests new to the project are made (under the run lock nothing else writes attempts of this run, so a test that
   * the first look did not find has none in it).
   */
  private Future<Found> testsAndAttempts(SqlConnection conn, long projectId, long runId, List<NewAttempt> attempts) {
    Map<TestKey, byte[]> keys = new LinkedHashMap<>();
    attempts.forEach(a -> keys.putIfAbsent(a.test(), a.test().identityHash()));
    Buffer[] hashes = keys.values().stream().distinct().map(Buffer::buffer).toArray(Buffer[]::new);
    return query(conn, StoreQuery.FIND_TESTS_AND_ATTEMPTS, Tuple.tuple().addValue(projectId).addValue(hashes)
      .addValue(runId)).compose(rows -> {
        Map<String, Long> byHashAndVariant = new HashMap<>();
        List<BatchPlan.StoredAttempt> existing = new ArrayList<>();
        for (Row row : rows) {
          long testId = row.getLong("id");
          byHashAndVariant.put(hex(row.getBuffer("identity_hash").getBytes()) + "/" + row.getInteger("variant"),
            testId);
          Integer retry = row.getInteger("retry");
          if (retry != null) {
            existing.add(new BatchPlan.StoredAttempt(testId, retry, AttemptStatus.fromWire(row.getString("status")),
              AttemptStatus.fromWire(row.getString("expected_status")), row.getLong("duration_ms")));
          }
        }
        Map<TestKey, Long> ids = new HashMap<>();
        keys.forEach((key, hash) -> {
          Long id = byHashAndVariant.get(hex(hash) + "/" + key.variant());
          if (id != null) {
            ids.put(key, id);
          }
        });
        if (ids.size() == keys.size()) {
          return Future.succeededFuture(new Found(ids, existing));
        }
        return testIds(conn, projectId, attempts).map(all -> new Found(all, existing));
      });
  }

  /** {@code percentiles}: p50 and p90 to set on the run (a one-shot run's, see BatchPlan#percentiles), or null. */
  private Future<Void> writeBatch(SqlConnection conn, LockedRun run, BatchPlan plan, Integer shard,
                                  long[] percentiles) {
    List<BatchPlan.Row> rows = plan.newAttempts();
    List<BatchPlan.Result> results = plan.results();
    List<RunEvent.Logged> logged = plan.loggedEvents();
    Counters delta = plan.delta();
    Tuple params = Tuple.tuple()
      .addValue(run.id())
      .addValue(rows.stream().map(BatchPlan.Row::testId).toArray(Long[]::new))
      .addValue(rows.stream().map(r -> r.attempt().retry()).toArray(Integer[]::new))
      .addValue(rows.stream().map(r -> r.attempt().status().wire()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> r.attempt().expectedStatus().wire()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> r.attempt().durationMs()).toArray(Long[]::new))
      .addValue(rows.stream().map(r -> r.attempt().line()).toArray(Integer[]::new))
      .addValue(rows.stream().map(r -> r.attempt().column()).toArray(Integer[]::new))
      .addValue(rows.stream().map(r -> r.attempt().errorMessage()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> r.attempt().errorStack()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> encode(r.attempt().errorLocation())).toArray(String[]::new))
      .addValue(rows.stream().map(r -> encode(r.attempt().steps())).toArray(String[]::new))
      .addValue(rows.stream().map(r -> encode(r.attempt().annotations())).toArray(String[]::new))
      .addValue(rows.stream().map(r -> encode(r.attempt().attachments())).toArray(String[]::new))
      .addValue(rows.stream().map(r -> encode(r.attempt().extra())).toArray(String[]::new))
      .addValue(rows.stream().map(BatchPlan.Row::seq).toArray(Long[]::new))
      .addValue(rows.stream().map(r -> r.outcome().wire()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> r.fingerprint() == null ? null : r.fingerprint().hash()).toArray(String[]::new))
      .addValue(rows.stream().map(r -> r.fingerprint() == null ? null : r.fingerprint().signature())
        .toArray(String[]::new))
      .addValue(run.projectId())
      .addValue(results.stream().map(BatchPlan.Result::testId).toArray(Long[]::new))
      .addValue(results.stream().map(BatchPlan.Result::finalRetry).toArray(Integer[]::new))
      .addValue(results.stream().map(r -> r.status().wire()).toArray(String[]::new))
      .addValue(results.stream().map(r -> r.expectedStatus().wire()).toArray(String[]::new))
      .addValue(results.stream().map(BatchPlan.Result::durationMs).toArray(Long[]::new))
      .addValue(results.stream().map(BatchPlan.Result::attemptCount).toArray(Integer[]::new))
      .addValue(results.stream().map(r -> r.outcome().wire()).toArray(String[]::new))
      .addValue(logged.stream().map(RunEvent.Logged::seq).toArray(Long[]::new))
      .addValue(logged.stream().map(RunEvent::type).toArray(String[]::new))
      .addValue(logged.stream().map(e -> EventCodec.data(e).encode()).toArray(String[]::new))
      .addValue(delta.total()).addValue(delta.passed()).addValue(delta.failed()).addValue(delta.timedOut())
      .addValue(delta.skipped()).addValue(delta.interrupted()).addValue(delta.flaky()).addValue(delta.attempts())
      .addValue(plan.lastSeq())
      .addValue(shard)
      .addValue(results.stream().map(BatchPlan.Result::fresh).toArray(Boolean[]::new))
      .addValue(percentiles == null ? null : percentiles[0])
      .addValue(percentiles == null ? null : percentiles[1]);
    return query(conn, StoreQuery.WRITE_BATCH, params).mapEmpty();
  }

  // ----- finish -----------------------------------------------------------------------------------------------

  /**
   * How a run (or, with {@code shard}, one shard of a sharded run) ends: Playwright's status and the optional
   * parts of {@code finish}.
   */
  public record Finish(RunStatus status, OffsetDateTime endTime, Long durationMs, JsonObject metadata,
                       Integer shard) {

    public Finish(RunStatus status, OffsetDateTime endTime, Long durationMs, JsonObject metadata) {
      this(status, endTime, durationMs, metadata, null);
    }

    public Finish forShard(int shard) {
      return new Finish(status, endTime, durationMs, metadata, shard);
    }
  }

  /**
   * The run after {@code finish}: {@code event} is its {@code run-finished} event (null for a repeated finish, and
   * for a shard's finish while other shards run), {@code shardEvent} the shard's {@code shard-finished}.
   */
  public record Finished(RunSummary run, RunEvent.RunFinished event, RunEvent.ShardFinished shardEvent) {

    public Finished(RunSummary run, RunEvent.RunFinished event) {
      this(run, event, null);
    }
  }

  /**
   * Finishes a run. {@code decide} sees the locked run (null: no such run), throws to refuse, and returns how
   * to finish it, or null when it has already finished (then nothing changes and the stored summary is returned).
   */
  public Future<Finished> finishRun(long runId, Function<LockedRun, Finish> decide) {
    return pool.withTransaction(conn -> lockRun(conn, runId).compose(locked -> {
      Finish finish = decide.apply(locked);
      if (finish == null) {
        return summary(conn, runId).map(summary -> new Finished(summary, null));
      }
      if (finish.shard() != null) {
        return finishShard(conn, locked, finish);
      }
      return summary(conn, runId).compose(current -> {
        OffsetDateTime end = finish.endTime() != null ? finish.endTime() : OffsetDateTime.now(ZoneOffset.UTC);
        Long duration = finish.durationMs() != null ? finish.durationMs()
          : Math.max(0, end.toInstant().toEpochMilli()
            - OffsetDateTime.parse(current.startTime()).toInstant().toEpochMilli());
        JsonObject metadata = finish.metadata() == null ? new JsonObject() : finish.metadata();
        return query(conn, StoreQuery.FINISH_RUN, Tuple.of(runId, finish.status().wire(), end, duration, metadata))
          .compose(rows -> {
            long seq = rows.iterator().next().getLong("last_seq");
            return summary(conn, runId).compose(summary -> insertRunFinished(conn, summary, seq)
              .map(event -> new Finished(summary, event)));
          });
      });
    }));
  }

  /**
   * One shard's finish: its status, end and metadata ({@code metadata.shards.<current>}) and its
   * {@code shard-finished} event; when it is the last of the run's shards to finish, the run ends too, with the
   * worst shard status ({@code interrupted} > {@code timedout} > {@code failed} > {@code passed}).
   */
  private Future<Finished> finishShard(SqlConnection conn, LockedRun run, Finish finish) {
    OffsetDateTime end = finish.endTime() != null ? finish.endTime() : OffsetDateTime.now(ZoneOffset.UTC);
    JsonObject metadata = finish.metadata() == null ? new JsonObject() : finish.metadata();
    int shard = finish.shard();
    return query(conn, StoreQuery.FINISH_SHARD, Tuple.of(run.id(), shard, finish.status().wire(), end, metadata))
      .compose(rows -> {
        Row row = rows.iterator().next();
        long seq = row.getLong("last_seq");
        boolean last = row.getInteger("finished") >= row.getInteger("shard_total");
        RunStatus worst = finish.status();
        String[] others = row.getArrayOfStrings("other_statuses");
        for (String other : others == null ? new String[0] : others) {
          worst = worse(worst, RunStatus.fromWire(other));
        }
        RunStatus runStatus = worst;
        OffsetDateTime lastEnd = row.getOffsetDateTime("last_end");
        return summary(conn, run.id()).compose(summary -> {
          RunEvent.ShardFinished shardEvent = new RunEvent.ShardFinished(seq, shardOf(summary, shard));
          Future<Void> logged = insertEvent(conn, run.id(), shardEvent).mapEmpty();
          if (!last) {
            return logged.map(new Finished(summary, null, shardEvent));
          }
          long duration = Math.max(0, lastEnd.toInstant().toEpochMilli()
            - OffsetDateTime.parse(summary.startTime()).toInstant().toEpochMilli());
          return logged.compose(v -> query(conn, StoreQuery.FINISH_RUN, Tuple.of(run.id(), runStatus.wire(), lastEnd,
              duration, new JsonObject())))
            .compose(finished -> summary(conn, run.id()).compose(ended -> insertRunFinished(conn, ended,
              finished.iterator().next().getLong("last_seq")).map(event -> new Finished(ended, event, shardEvent))));
        });
      });
  }

  /** The worse of two shard statuses: interrupted, then timedout, then failed, then passed. */
  static RunStatus worse(RunStatus a, RunStatus b) {
    List<RunStatus> order = List.of(RunStatus.INTERRUPTED, RunStatus.TIMEDOUT, RunStatus.FAILED, RunStatus.PASSED);
    return order.indexOf(a) <= order.indexOf(b) ? a : b;
  }

  /**
   * Every way a run ends comes here (a one-shot run through {@link #logRunFinished}, its percentiles set by its
   * batch): its duration percentiles are kept, and its run-finished event logged.
   */
  private Future<RunEvent.RunFinished> insertRunFinished(SqlConnection conn, RunSummary summary, long seq) {
    return query(conn, StoreQuery.SET_RUN_PERCENTILES, Tuple.of(summary.id()))
      .compose(v -> logRunFinished(conn, summary, seq));
  }

  private Future<RunEvent.RunFinished> logRunFinished(SqlConnection conn, RunSummary summary, long seq) {
    RunEvent.RunFinished event = new RunEvent.RunFinished(seq, summary);
    return insertEvent(conn, summary.id(), event).map(event);
  }

  private Future<RowSet<Row>> insertEvent(SqlConnection conn, long runId, RunEvent.Logged event) {
    return query(conn, StoreQuery.INSERT_EVENT, Tuple.of(runId, event.seq(), event.type(), EventCodec.data(event)));
  }

  // ----- one-shot submit --------------------------------------------------------------------------------------

  /**
   * Stores a finished run from a one-shot reporter in one transaction: every entry becomes an attempt (the k-th
   * entry with one identity and retry belongs to variant k-1), counters are computed from them as for streamed
   * runs, and the run's event log gets its {@code run-finished} event (seq 1).
   */
  public Future<RunSummary> submitRun(NewRun run, String source, Finish finish, JsonObject reportedCounts,
                                      List<NewAttempt> entries, Starter starter) {
    List<NewAttempt> attempts = withVariants(entries);
    return pool.withTransaction(conn -> insertSubmitted(conn, run, source, finish, reportedCounts, attempts,
      starter).map(Submitted::run));
  }

  /** A one-shot run inside its transaction: its summary and the test ids of its (variant-numbered) attempts. */
  private record Submitted(RunSummary run, Map<TestKey, Long> testIds) {
  }

  private Future<Submitted> insertSubmitted(SqlConnection conn, NewRun run, String source, Finish finish,
                                            JsonObject reportedCounts, List<NewAttempt> attempts, Starter starter) {
    return upsertProject(conn, run).compose(projectId ->
      insertRun(conn, projectId, source, finish.status(), run, finish.endTime(), finish.durationMs(),
        reportedCounts, null, 1, starter).compose(runId -> {
          // Seq 1 is the run-finished event; one-shot runs have no live events before it.
          LockedRun fresh = new LockedRun(runId, projectId, run.projectName(), finish.status(), null, 1,
            new Counters(0, 0, 0, 0, 0, 0, 0, 0, run.expectedTests()), true, null, List.of(), null);
          // Its only batch also sets its percentiles, which a streamed run's finish computes from its results.
          Future<Map<TestKey, Long>> ids = attempts.isEmpty() ? Future.succeededFuture(Map.of())
            : testIds(conn, projectId, attempts);
          return ids.compose(found -> {
            BatchPlan plan = BatchPlan.of(fresh, attempts, found, List.of(), false);
            return writeBatch(conn, fresh, plan, null, plan.percentiles()).map(found);
          }).compose(found -> summary(conn, runId)
            .compose(summary -> logRunFinished(conn, summary, 1).map(new Submitted(summary, found))));
        }));
  }

  // ----- files ------------------------------------------------------------------------------------------------

  /** A one-shot upload: the run as {@link #submitRun} stores it, and its files. */
  public record Uploaded(RunSummary run, List<StoredArtifact> artifacts) {
  }

  /**
   * {@link #submitRun} plus the upload's files, in the same transaction. A file's {@link NewArtifact#entry()}
   * names the attempt it belongs to. {@code place} puts the files at their storage paths once their rows are
   * written: it gets one entry per file, the new artifact, or null for a file that repeats another of the upload
   * (same kind, attempt, name and content: stored once). Its failure rolls everything back (and it removes what it
   * placed).
   */
  public Future<Uploaded> submitUpload(NewRun run, Finish finish, JsonObject reportedCounts,
                                       List<NewAttempt> entries, List<NewArtifact> files, Starter starter,
                                       Function<List<StoredArtifact>, Future<Void>> place) {
    List<NewAttempt> attempts = withVariants(entries);
    return pool.withTransaction(conn -> insertSubmitted(conn, run, "upload", finish, reportedCounts, attempts,
      starter)
      .compose(submitted -> {
        long runId = submitted.run().id();
        List<Long> testIds = new ArrayList<>();
        List<RunFile.Attempt> owners = new ArrayList<>();
        for (NewArtifact file : files) {
          NewAttempt owner = file.entry() == null ? null : attempts.get(file.entry());
          testIds.add(owner == null ? null : submitted.testIds().get(owner.test()));
          owners.add(owner == null ? null : StoredArtifact.attempt(owner.test(), owner.retry()));
        }
        return storeFiles(conn, runId, files, testIds, owners)
          .compose(stored -> place.apply(stored.placed()).map(new Uploaded(submitted.run(), stored.all())));
      }));
  }

  /**
   * What an attach did: every file of the request (stored now or before, in the request's order, each once), how
   * many were stored now and how many were there already, and the {@code run-files} event of the new ones (null
   * when nothing was new: a repeated upload publishes nothing).
   */
  public record Attached(long runId, long projectId, List<StoredArtifact> artifacts, int stored, int duplicates,
                         RunEvent.RunFiles event) {
  }

  /**
   * Attaches files to a run under its row lock, exactly once: {@code check} sees the locked run first (null: no such
   * run) and throws to refuse. A file the run already has (same kind, attempt, name and SHA-256; see
   * {@code V9__file_upload_keys.sql}) is answered with the stored one and not written again; so is a report whose
   * type and content the run has. A report type the run has with other content fails with
   * {@link RunConflictException}. The new files are written with a {@code run-files} event (the run's next seq),
   * except for a run that has ended (late files, see {@code runs.filesGrace}): its event log ends with its
   * {@code run-finished}. Files naming an attempt's test get its test id (the test is created when the attempt has
   * not arrived yet). {@code place} as in {@link #submitUpload}, also null for the files that were there before.
   */
  public Future<Attached> attachFiles(long runId, Consumer<LockedRun> check, List<NewArtifact> files,
                                      Function<List<StoredArtifact>, Future<Void>> place) {
    return pool.withTransaction(conn -> lockRun(conn, runId).compose(locked -> {
      check.accept(locked);
      List<TestKey> keys = files.stream().map(NewArtifact::test).filter(java.util.Objects::nonNull).toList();
      Future<Map<TestKey, Long>> ids = keys.isEmpty() ? Future.succeededFuture(Map.of())
        : testIdsOf(conn, locked.projectId(), keys);
      return ids.compose(found -> {
        List<Long> testIds = new ArrayList<>();
        List<RunFile.Attempt> owners = new ArrayList<>();
        for (NewArtifact file : files) {
          testIds.add(file.test() == null ? null : found.get(file.test()));
          owners.add(file.test() == null ? null : StoredArtifact.attempt(file.test(), file.retry()));
        }
        return storeFiles(conn, runId, files, testIds, owners);
      }).compose(stored -> {
        int fresh = stored.inserted().size();
        if (fresh == 0) {
          Future<?> touched = locked.running() ? query(conn, StoreQuery.TOUCH_RUN, Tuple.of(runId))
            : Future.succeededFuture();
          return touched.map(v -> new Attached(runId, locked.projectId(), stored.all(), 0, files.size(), null));
        }
        if (!locked.running()) {
          // Late files of a finished run: its event log ends with run-finished (live streams end there), so they
          // get no event; the read API lists them.
          return place.apply(stored.placed()).map(v -> new Attached(runId, locked.projectId(), stored.all(), fresh,
            files.size() - fresh, null));
        }
        long seq = locked.lastSeq() + 1;
        RunEvent.RunFiles event = new RunEvent.RunFiles(seq, stored.inserted().stream().map(StoredArtifact::toFile)
          .toList());
        return insertEvent(conn, runId, event)
          .compose(v -> query(conn, StoreQuery.ADVANCE_SEQ, Tuple.of(runId, seq)))
          .compose(v -> place.apply(stored.placed()))
          .map(v -> new Attached(runId, locked.projectId(), stored.all(), fresh, files.size() - fresh, event));
      });
    })).recover(e -> isUniqueViolation(e)
      ? Future.failedFuture(new RunConflictException("Run " + runId + " already has a report of that type."))
      : Future.failedFuture(e));
  }

  /** The run as its writers see it (null: no such run), for checks made before a long request body is read. */
  public Future<LockedRun> peekRun(long runId) {
    return pool.withTransaction(conn -> lockRun(conn, runId));
  }

  /**
   * The files of one upload after {@link #storeFiles}: {@code all} (each file once, in the upload's order),
   * {@code placed} (one entry per file: its new artifact, or null when it was stored before or repeats an earlier
   * file of the upload) and {@code inserted} (the new artifacts).
   */
  private record StoredFiles(List<StoredArtifact> all, List<StoredArtifact> placed, List<StoredArtifact> inserted) {
  }

  /** The upload key of a file that is not a report: kind, attempt (test id 0 and retry -1 for none), name, SHA-256. */
  private record UploadKey(String kind, long testId, int retry, String name, String sha256) {

    static UploadKey of(String kind, Long testId, Integer retry, String name, byte[] sha256) {
      return sha256 == null ? null : new UploadKey(kind, testId == null ? 0 : testId, retry == null ? -1 : retry, name,
        hex(sha256));
    }
  }

  /** A stored report of one of the upload's types, with the SHA-256 of what was uploaded (null before V9). */
  private record StoredReport(StoredArtifact artifact, byte[] sha256) {
  }

  /**
   * Writes the files the run does not have yet; finds the others (under the run's lock, so concurrent repeats of
   * one upload serialise and the second finds the first's rows). A report type the run has with other content
   * fails with {@link RunConflictException}.
   */
  private Future<StoredFiles> storeFiles(SqlConnection conn, long runId, List<NewArtifact> files,
                                         List<Long> testIds, List<RunFile.Attempt> owners) {
    if (files.isEmpty()) {
      return Future.succeededFuture(new StoredFiles(List.of(), List.of(), List.of()));
    }
    Tuple find = Tuple.of(runId,
      files.stream().filter(f -> "report".equals(f.kind())).map(NewArtifact::reportType).toArray(String[]::new),
      files.stream().filter(f -> f.contentSha256() != null).map(f -> Buffer.buffer(f.contentSha256()))
        .toArray(Buffer[]::new));
    return query(conn, StoreQuery.FIND_UPLOADED_ARTIFACTS, find).compose(rows -> {
      Map<String, StoredReport> reports = new HashMap<>();
      Map<UploadKey, StoredArtifact> known = new HashMap<>();
      for (Row row : rows) {
        StoredArtifact artifact = RowMappers.artifact(row);
        Buffer sha = row.getBuffer("content_sha256");
        if ("report".equals(artifact.kind())) {
          reports.put(artifact.reportType(), new StoredReport(artifact, sha == null ? null : sha.getBytes()));
        } else if (sha != null) {
          known.putIfAbsent(UploadKey.of(artifact.kind(), row.getLong("test_id"), row.getInteger("retry"),
            artifact.name(), sha.getBytes()), artifact);
        }
      }
      StoredArtifact[] found = new StoredArtifact[files.size()];
      int[] sameAs = new int[files.size()];
      Arrays.fill(sameAs, -1);
      Map<UploadKey, Integer> firsts = new HashMap<>();
      List<Integer> fresh = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        NewArtifact file = files.get(i);
        if ("report".equals(file.kind())) {
          StoredReport report = reports.get(file.reportType());
          if (report == null) {
            fresh.add(i);
          } else if (report.sha256() != null && Arrays.equals(report.sha256(), file.contentSha256())) {
            found[i] = report.artifact();
          } else {
            throw new RunConflictException("Run " + runId + " already has a " + file.reportType() + " report with "
              + "other content; a report type is stored once (a repeat of the same report is answered with it).");
          }
          continue;
        }
        UploadKey key = UploadKey.of(file.kind(), testIds.get(i), retryOf(file), file.name(), file.contentSha256());
        if (key != null && known.containsKey(key)) {
          found[i] = known.get(key);
        } else if (key != null && firsts.containsKey(key)) {
          sameAs[i] = firsts.get(key);
        } else {
          fresh.add(i);
          if (key != null) {
            firsts.put(key, i);
          }
        }
      }
      return insertArtifacts(conn, runId, fresh.stream().map(files::get).toList(),
        fresh.stream().map(testIds::get).toList(), fresh.stream().map(owners::get).toList()).map(inserted -> {
          List<StoredArtifact> placed = new ArrayList<>(java.util.Collections.nCopies(files.size(), null));
          for (int j = 0; j < fresh.size(); j++) {
            placed.set(fresh.get(j), inserted.get(j));
            found[fresh.get(j)] = inserted.get(j);
          }
          Map<Long, StoredArtifact> all = new LinkedHashMap<>();
          for (int i = 0; i < files.size(); i++) {
            StoredArtifact artifact = sameAs[i] >= 0 ? found[sameAs[i]] : found[i];
            all.putIfAbsent(artifact.id(), artifact);
          }
          return new StoredFiles(List.copyOf(all.values()), placed, inserted);
        });
    });
  }

  /** The retry stored with a file: an attempt's, or null for a file of no attempt. */
  private static Integer retryOf(NewArtifact file) {
    return file.test() == null && file.entry() == null ? null : file.retry();
  }

  private Future<List<StoredArtifact>> insertArtifacts(SqlConnection conn, long runId, List<NewArtifact> files,
                                                       List<Long> testIds, List<RunFile.Attempt> owners) {
    if (files.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return query(conn, StoreQuery.RESERVE_ARTIFACT_IDS, Tuple.of(files.size())).compose(rows -> {
      List<StoredArtifact> stored = new ArrayList<>();
      var ids = rows.iterator();
      for (int i = 0; i < files.size(); i++) {
        NewArtifact file = files.get(i);
        long id = ids.next().getLong("id");
        stored.add(new StoredArtifact(id, runId, file.kind(), file.reportType(), file.label(), file.name(),
          file.entryCount() != null ? null : file.fileName(), file.contentType(), file.sizeBytes(),
          FileStorage.pathOf(runId, id, file.kind(), file.fileName(), file.entryCount() != null),
          file.entryCount(), owners.get(i)));
      }
      Tuple params = Tuple.tuple().addValue(runId)
        .addValue(stored.stream().map(StoredArtifact::id).toArray(Long[]::new))
        .addValue(stored.stream().map(StoredArtifact::kind).toArray(String[]::new))
        .addValue(stored.stream().map(StoredArtifact::reportType).toArray(String[]::new))
        .addValue(stored.stream().map(StoredArtifact::label).toArray(String[]::new))
        .addValue(testIds.toArray(Long[]::new))
        .addValue(files.stream().map(RunStore::retryOf).toArray(Integer[]::new))
        .addValue(stored.stream().map(StoredArtifact::name).toArray(String[]::new))
        .addValue(stored.stream().map(StoredArtifact::contentType).toArray(String[]::new))
        .addValue(stored.stream().map(StoredArtifact::sizeBytes).toArray(Long[]::new))
        .addValue(stored.stream().map(StoredArtifact::storagePath).toArray(String[]::new))
        .addValue(stored.stream().map(StoredArtifact::entryCount).toArray(Integer[]::new))
        .addValue(files.stream().map(f -> f.contentSha256() == null ? null : Buffer.buffer(f.contentSha256()))
          .toArray(Buffer[]::new));
      return query(conn, StoreQuery.INSERT_ARTIFACTS, params).map(stored);
    });
  }

  /** Numbers repeated (identity, retry) pairs: the k-th one gets variant k-1. */
  static List<NewAttempt> withVariants(List<NewAttempt> entries) {
    // Keys equal exactly when identities (hence their hashes) and retries are: entries come with variant 0.
    record Seen(TestKey test, int retry) {
    }
    Map<Seen, Integer> seen = new HashMap<>();
    List<NewAttempt> out = new ArrayList<>(entries.size());
    for (NewAttempt entry : entries) {
      int variant = seen.merge(new Seen(entry.test().withVariant(0), entry.retry()), 1, Integer::sum) - 1;
      out.add(variant == 0 ? entry : entry.withTest(entry.test().withVariant(variant)));
    }
    return out;
  }

  // ----- stuck runs -------------------------------------------------------------------------------------------

  /** Interrupts running runs idle for longer than {@code idleMs}; returns their {@code run-finished} events. */
  public Future<List<Finished>> interruptStuckRuns(long idleMs) {
    return pool.withTransaction(conn -> query(conn, StoreQuery.INTERRUPT_STUCK_RUNS, Tuple.of(idleMs))
      .compose(rows -> {
        List<Long> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getLong("id")));
        // The shards still running of a sharded run end with it; those that never started are listed as missing.
        return ids.isEmpty() ? Future.succeededFuture(rows)
          : query(conn, StoreQuery.INTERRUPT_SHARDS, Tuple.of(ids.toArray(Long[]::new))).map(rows);
      })
      .compose(rows -> {
        List<Future<Finished>> finished = new ArrayList<>();
        for (Row row : rows) {
          long runId = row.getLong("id");
          long seq = row.getLong("last_seq");
          finished.add(summary(conn, runId).compose(summary -> insertRunFinished(conn, summary, seq)
            .map(event -> new Finished(summary, event))));
        }
        return Future.all(finished).map(all -> all.<Finished>list());
      }));
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private Future<RunSummary> summary(io.vertx.sqlclient.SqlClient client, long runId) {
    return client.preparedQuery(sql.get(StoreQuery.RUN_SUMMARY)).execute(Tuple.of(runId))
      .map(rows -> rows.iterator().hasNext() ? RowMappers.runSummary(rows.iterator().next()) : null);
  }

  private Future<RowSet<Row>> query(SqlConnection conn, StoreQuery query, Tuple params) {
    return conn.preparedQuery(sql.get(query)).execute(params);
  }

  private static String encode(Object json) {
    if (json instanceof JsonObject object) {
      return object.encode();
    }
    if (json instanceof io.vertx.core.json.JsonArray array) {
      return array.encode();
    }
    return null;
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }

  private static boolean isDeadlock(Throwable e) {
    return e instanceof PgException pg && DEADLOCK.equals(pg.getSqlState());
  }

  private static boolean isUniqueViolation(Throwable e) {
    return e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
  }
}
