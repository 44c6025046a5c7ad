package dev.runboard.model;

import java.util.List;

/**
 * Everything that happens to runs, as the event bus carries it and the live streams send it. Each record's
 * components are the protocol's {@code data} of its SSE event, so it is encoded and decoded as is.
 *
 * <p>Per run ({@code GET /api/test-runs/{id}/stream}): {@link TestBegin} (live only, never stored),
 * and the {@link Logged} events that get the run's next {@code seq} in the transaction that stores them:
 * {@link TestCompleted}, {@link RunProgress}, {@link RunFiles}, {@link ShardStarted}, {@link ShardFinished},
 * {@link RunFinished}. Run-list changes
 * ({@code GET /api/stream}): {@link RunUpdate}.
 */
public sealed interface RunEvent {

  /** The protocol's event name ({@code event:} in SSE). */
  String type();

  /** An event kept in the run's event log, numbered 1, 2, 3, … without gaps. */
  sealed interface Logged extends RunEvent {
    long seq();
  }

  /** A test attempt has begun (live only). */
  record TestBegin(String title, List<String> titlePath, String file, String playwrightProject, int retry,
                   String startTime) implements RunEvent {
    @Override
    public String type() {
      return "test-begin";
    }
  }

  /** An attempt was stored. */
  record TestCompleted(long seq, TestResult result) implements Logged {
    @Override
    public String type() {
      return "test-completed";
    }
  }

  /** The run's counters after a batch that stored at least one attempt. */
  record RunProgress(long seq, Counters counters) implements Logged {
    @Override
    public String type() {
      return "run-progress";
    }
  }

  /** A shard of a sharded run has started. */
  record ShardStarted(long seq, Shards.Shard shard) implements Logged {
    @Override
    public String type() {
      return "shard-started";
    }
  }

  /** A shard of a sharded run has finished (the run goes on until all have). */
  record ShardFinished(long seq, Shards.Shard shard) implements Logged {
    @Override
    public String type() {
      return "shard-finished";
    }
  }

  /** Files were attached to the run. */
  record RunFiles(long seq, List<RunFile> files) implements Logged {
    @Override
    public String type() {
      return "run-files";
    }
  }

  /** The run has ended; its last event. */
  record RunFinished(long seq, RunSummary run) implements Logged {
    @Override
    public String type() {
      return "run-finished";
    }
  }

  /**
   * A change of the run list: {@code run-started}, {@code run-progress}, {@code run-finished},
   * {@code run-submitted} or {@code run-deleted}, with the run's state after it.
   */
  record RunUpdate(String type, long runId, long projectId, RunStatus status, Counters counters)
    implements RunEvent {

    public static final String STARTED = "run-started";
    public static final String PROGRESS = "run-progress";
    public static final String FINISHED = "run-finished";
    public static final String SUBMITTED = "run-submitted";
    public static final String DELETED = "run-deleted";

    public RunUpdate {
      if (!List.of(STARTED, PROGRESS, FINISHED, SUBMITTED, DELETED).contains(type)) {
        throw new IllegalArgumentException("unknown run update '" + type + "'");
      }
    }

    public static RunUpdate of(String type, RunSummary run) {
      return new RunUpdate(type, run.id(), run.projectId(), run.status(), run.counters());
    }

    public boolean progress() {
      return PROGRESS.equals(type);
    }
  }
}
