package dev.runboard.model;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A test's outcome follows Playwright's computeTestCaseOutcome")
class OutcomeTest {

  @ParameterizedTest(name = "expects {0}, attempts {1} → {2}")
  @CsvSource({
    "passed, passed, expected",
    "passed, failed, unexpected",
    "passed, timedOut, unexpected",
    "passed, failed timedOut, unexpected",
    "passed, failed passed, flaky",
    "passed, timedOut passed, flaky",
    "passed, skipped, skipped",
    "passed, interrupted, skipped",
    "passed, failed interrupted, unexpected",
    "passed, passed interrupted, expected",
    "passed, skipped failed, unexpected",
    "failed, failed, expected",
    "failed, passed, unexpected",
    "failed, passed failed, flaky",
    "failed, timedOut, unexpected",
    "skipped, skipped, skipped",
    "skipped, passed, unexpected",
    "skipped, skipped passed, flaky",
    "timedOut, timedOut, expected",
  })
  void outcome(String expected, String attempts, String outcome) {
    List<AttemptStatus> statuses = Arrays.stream(attempts.split(" ")).map(AttemptStatus::fromWire).toList();
    assertThat(Outcome.of(AttemptStatus.fromWire(expected), statuses)).isEqualTo(Outcome.fromWire(outcome));
  }
}
