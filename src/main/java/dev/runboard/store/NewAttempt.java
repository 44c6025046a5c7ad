package dev.runboard.store;

import dev.runboard.model.AttemptStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One attempt as a reporter sent it, validated. Optional parts are null when absent. */
public record NewAttempt(TestKey test, int retry, AttemptStatus status, AttemptStatus expectedStatus, long durationMs,
                         Integer line, Integer column, String errorMessage, String errorStack,
                         JsonObject errorLocation, JsonArray steps, JsonArray annotations, JsonArray attachments,
                         JsonObject extra) {

  NewAttempt withTest(TestKey test) {
    return new NewAttempt(test, retry, status, expectedStatus, durationMs, line, column, errorMessage, errorStack,
      errorLocation, steps, annotations, attachments, extra);
  }
}
