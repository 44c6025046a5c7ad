package dev.runboard.store;

import dev.runboard.model.Counters;
import dev.runboard.model.RunStatus;

/**
 * A run as seen under its row lock, handed to the caller's checks before anything is written.
 *
 * @param authorityHolds whether the account and API key that started the run still hold the reporter role (not
 *                       deleted, demoted, revoked or expired): its stream tokens derive from them
 */
public record LockedRun(long id, long projectId, String projectName, RunStatus status, byte[] streamTokenHash,
                        long lastSeq, Counters counters, boolean authorityHolds) {

  public boolean running() {
    return status.running();
  }
}
