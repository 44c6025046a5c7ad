package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One stored attempt of a test, in its wire shape ({@code result} in {@code test-completed}, in {@code init} and
 * in the read API). {@code outcome} is the test's (Playwright's rule over its attempts stored so far, see
 * {@link Outcome}). {@code error} is null when the attempt has none; {@code steps}, {@code annotations} and
 * {@code attachments} are the arrays the reporter sent (empty when it sent none); {@code extra} holds what
 * one-shot reporters add (slowest step, network requests, web vitals) and is left out when absent;
 * {@code fingerprint} groups unexpected failures by cause ({@link ErrorFingerprint}), absent otherwise.
 */
public record TestResult(long testId, String title, List<String> titlePath, String file, String playwrightProject,
                         Location location, int retry, AttemptStatus status, AttemptStatus expectedStatus,
                         Outcome outcome, long duration, Error error, JsonArray steps, JsonArray annotations, JsonArray attachments,
                         @JsonInclude(JsonInclude.Include.NON_NULL) JsonObject extra,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String fingerprint) {

  public TestResult withOutcome(Outcome outcome) {
    return new TestResult(testId, title, titlePath, file, playwrightProject, location, retry, status, expectedStatus,
      outcome, duration, error, steps, annotations, attachments, extra, fingerprint);
  }

  /** Where the test is declared: its file, line and column (either may be null). */
  public record Location(String file, Integer line, Integer column) {
  }

  /** The attempt's error: message, stack and the location Playwright gave it ({@code {file, line, column}}). */
  public record Error(String message, String stack, JsonObject location) {
  }
}
