package dev.runboard.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One attempt as a reporter sent it, validated. Optional parts are null when absent. */
public record NewAttempt(TestKey test, int retry, String status, String expectedStatus, long durationMs,
                         Integer line, Integer column, String errorMessage, String errorStack,
                         JsonObject errorLocation, JsonArray steps, JsonArray annotations, JsonArray attachments,
                         JsonObject extra) {

  /** The wire form of a stored attempt ({@code result} in {@code test-completed} and in {@code init}). */
  JsonObject toResult(long testId) {
    JsonObject error = null;
    if (errorMessage != null || errorStack != null) {
      error = new JsonObject().put("message", errorMessage).put("stack", errorStack).put("location", errorLocation);
    }
    JsonObject location = new JsonObject().put("file", test.file()).put("line", line).put("column", column);
    JsonObject result = new JsonObject()
      .put("testId", testId)
      .put("title", test.title())
      .put("titlePath", new JsonArray(test.titlePath()))
      .put("file", test.file())
      .put("playwrightProject", test.playwrightProject())
      .put("location", location)
      .put("retry", retry)
      .put("status", status)
      .put("expectedStatus", expectedStatus)
      .put("duration", durationMs)
      .put("error", error)
      .put("steps", steps == null ? new JsonArray() : steps)
      .put("annotations", annotations == null ? new JsonArray() : annotations)
      .put("attachments", attachments == null ? new JsonArray() : attachments);
    if (extra != null) {
      result.put("extra", extra);
    }
    return result;
  }
}
