package dev.runboard.store;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/** What a {@code start}, {@code submit} or {@code upload} says about a new run, validated. */
public record NewRun(String projectName, String projectDescription, OffsetDateTime startTime, String runKey,
                     Integer expectedTests, JsonObject metadata, String reporterVersion, String playwrightVersion) {
}
