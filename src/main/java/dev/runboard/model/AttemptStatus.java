package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An attempt's status, as Playwright's {@code TestResult.status} (camel-case {@code timedOut}); also a test's
 * {@code expectedStatus}.
 */
public enum AttemptStatus {
  PASSED("passed"),
  FAILED("failed"),
  TIMED_OUT("timedOut"),
  SKIPPED("skipped"),
  INTERRUPTED("interrupted");

  private final String wire;

  AttemptStatus(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  /** The status with this wire name; {@link IllegalArgumentException} for any other text. */
  @JsonCreator
  public static AttemptStatus fromWire(String wire) {
    for (AttemptStatus status : values()) {
      if (status.wire.equals(wire)) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown attempt status '" + wire + "'");
  }

  @Override
  public String toString() {
    return wire;
  }
}
