package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A test's outcome in a run, as Playwright computes it ({@code TestCase.outcome()}, {@code computeTestCaseOutcome})
 * over the test's attempts: interrupted attempts are ignored; {@code s} counts skipped attempts of a test that
 * expects to be skipped, {@code e} other attempts whose status is the expected one, {@code u} attempts neither
 * skipped nor expected (skipped attempts of a test that expects to run count nowhere). {@code e = u = 0}:
 * skipped; {@code u = 0}: expected; {@code e = 0} and {@code s = 0}: unexpected; otherwise flaky.
 */
public enum Outcome {
  SKIPPED("skipped"),
  EXPECTED("expected"),
  UNEXPECTED("unexpected"),
  FLAKY("flaky");

  private final String wire;

  Outcome(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  /** The outcome of a test expecting {@code expected} whose attempts ended with {@code statuses}. */
  public static Outcome of(AttemptStatus expected, Iterable<AttemptStatus> statuses) {
    int s = 0;
    int e = 0;
    int u = 0;
    for (AttemptStatus status : statuses) {
      if (status == AttemptStatus.INTERRUPTED) {
        continue;
      }
      if (status == AttemptStatus.SKIPPED) {
        if (expected == AttemptStatus.SKIPPED) {
          s++;
        }
      } else if (status == expected) {
        e++;
      } else {
        u++;
      }
    }
    if (e == 0 && u == 0) {
      return SKIPPED;
    }
    if (u == 0) {
      return EXPECTED;
    }
    return e == 0 && s == 0 ? UNEXPECTED : FLAKY;
  }

  /** The outcome with this wire name; {@link IllegalArgumentException} for any other text. */
  @JsonCreator
  public static Outcome fromWire(String wire) {
    for (Outcome outcome : values()) {
      if (outcome.wire.equals(wire)) {
        return outcome;
      }
    }
    throw new IllegalArgumentException("unknown outcome '" + wire + "'");
  }

  @Override
  public String toString() {
    return wire;
  }
}
