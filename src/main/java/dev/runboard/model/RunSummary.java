package dev.runboard.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * The summary of a run, in the one shape the ingest responses, SSE events and the read API share.
 * Times are ISO-8601 UTC strings; {@code duration} is milliseconds (null while running); {@code shards} only for
 * sharded runs.
 */
public record RunSummary(long id, long projectId, String projectName, RunStatus status, String startTime,
                         String endTime, Long duration, Counters counters, Map<String, Object> metadata,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Shards shards) {
}
