package dev.runboard.store;

import dev.runboard.model.Counters;
import dev.runboard.model.RunStatus;

/** A run as seen under its row lock, handed to the caller's checks before anything is written. */
public record LockedRun(long id, long projectId, String projectName, RunStatus status, byte[] streamTokenHash,
                        long lastSeq, Counters counters) {

  public boolean running() {
    return status.running();
  }
}
