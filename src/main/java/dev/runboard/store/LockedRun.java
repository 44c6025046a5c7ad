package dev.runboard.store;

import dev.runboard.model.Counters;
import dev.runboard.model.RunStatus;

import java.util.List;

/**
 * A run as seen under its row lock, handed to the caller's checks before anything is written.
 *
 * @param authorityHolds whether the account and API key that started the run still hold the reporter role (not
 *                       deleted, demoted, revoked or expired): its stream tokens derive from them
 * @param shardTotal     for a sharded run, its number of shards (null otherwise)
 * @param shards         for a sharded run, the shards that have started, each with its own token
 * @param finishedMsAgo  for a streamed run that has ended, how long ago the server recorded its end (its clock);
 *                       null while it runs, and for one-shot runs
 */
public record LockedRun(long id, long projectId, String projectName, RunStatus status, byte[] streamTokenHash,
                        long lastSeq, Counters counters, boolean authorityHolds, Integer shardTotal,
                        List<ShardState> shards, Long finishedMsAgo) {

  /** A shard of a sharded run, as its token's checks see it. */
  public record ShardState(int current, RunStatus status, byte[] streamTokenHash, boolean authorityHolds) {
  }

  public boolean running() {
    return status.running();
  }

  public boolean sharded() {
    return shardTotal != null;
  }
}
