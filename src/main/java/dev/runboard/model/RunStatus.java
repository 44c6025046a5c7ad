package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A run's status: {@code running}, then Playwright's {@code FullResult.status} (lower-case {@code timedout}). */
public enum RunStatus {
  RUNNING("running"),
  PASSED("passed"),
  FAILED("failed"),
  TIMEDOUT("timedout"),
  INTERRUPTED("interrupted");

  private final String wire;

  RunStatus(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  public boolean running() {
    return this == RUNNING;
  }

  /** The status with this wire name; {@link IllegalArgumentException} for any other text. */
  @JsonCreator
  public static RunStatus fromWire(String wire) {
    for (RunStatus status : values()) {
      if (status.wire.equals(wire)) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown run status '" + wire + "'");
  }

  @Override
  public String toString() {
    return wire;
  }
}
