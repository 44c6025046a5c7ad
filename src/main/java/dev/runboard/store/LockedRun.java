package dev.runboard.store;

import dev.runboard.model.Counters;

/** A run as seen under its row lock, handed to the caller's checks before anything is written. */
public record LockedRun(long id, long projectId, String projectName, String status, byte[] streamTokenHash,
                        long lastSeq, Counters counters) {

  public boolean running() {
    return "running".equals(status);
  }
}
