package dev.runboard.store;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.ErrorFingerprint;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One attempt as a reporter sent it, validated. Optional parts are null when absent. */
public record NewAttempt(TestKey test, int retry, AttemptStatus status, AttemptStatus expectedStatus, long durationMs,
                         Integer line, Integer column, String errorMessage, String errorStack,
                         JsonObject errorLocation, JsonArray steps, JsonArray annotations, JsonArray attachments,
                         JsonObject extra) {

  /** Whether the attempt failed where its test expects otherwise: it then has a fingerprint. */
  boolean unexpectedFailure() {
    return status != expectedStatus && status != AttemptStatus.PASSED && status != AttemptStatus.SKIPPED
      && status != AttemptStatus.INTERRUPTED;
  }

  /** The fingerprint of its error, for an unexpected failure; null otherwise. */
  ErrorFingerprint fingerprint() {
    if (!unexpectedFailure()) {
      return null;
    }
    String locationFile = errorLocation == null ? null : errorLocation.getString("file");
    Integer locationLine = errorLocation == null || !(errorLocation.getValue("line") instanceof Number n) ? null
      : n.intValue();
    return ErrorFingerprint.of(errorMessage, errorStack, locationFile, locationLine, test.file());
  }

  NewAttempt withTest(TestKey test) {
    return new NewAttempt(test, retry, status, expectedStatus, durationMs, line, column, errorMessage, errorStack,
      errorLocation, steps, annotations, attachments, extra);
  }
}
