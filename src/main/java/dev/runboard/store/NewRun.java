package dev.runboard.store;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/**
 * What a {@code start}, {@code submit} or {@code upload} says about a new run, validated. {@code buildId} (with
 * the shard {@code shardCurrent} of {@code shardTotal}) makes the run one of a CI build's shards.
 */
public record NewRun(String projectName, String projectDescription, OffsetDateTime startTime, String runKey,
                     Integer expectedTests, JsonObject metadata, String reporterVersion, String playwrightVersion,
                     String buildId, Integer shardCurrent, Integer shardTotal) {

  /** An unsharded run. */
  public NewRun(String projectName, String projectDescription, OffsetDateTime startTime, String runKey,
                Integer expectedTests, JsonObject metadata, String reporterVersion, String playwrightVersion) {
    this(projectName, projectDescription, startTime, runKey, expectedTests, metadata, reporterVersion,
      playwrightVersion, null, null, null);
  }

  public boolean sharded() {
    return buildId != null;
  }
}
