package dev.runboard.model;

import java.util.List;

/**
 * The shards of a sharded run (one CI build split with {@code --shard=i/n}): {@code total} as Playwright's
 * {@code config.shard.total}, the shards that have started (by {@code current}), and those that have not (yet).
 */
public record Shards(int total, List<Shard> list, List<Integer> missing) {

  /**
   * One shard: its status (its own {@code finish}, or {@code interrupted} when the run was swept), times, and its
   * part of the run's counters ({@code expectedTests} as it announced).
   */
  public record Shard(int current, RunStatus status, String startTime, String endTime, Counters counters) {
  }
}
