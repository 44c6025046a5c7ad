package dev.runboard.ingest;

import dev.runboard.model.RunStatus;
import dev.runboard.store.NewAttempt;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A finished run read from a report file, ready for {@code RunStore.submitRun}: its attempts mapped as streamed
 * ones are, and what the file says about the run.
 *
 * @param format            {@code junit} or {@code playwright-json}
 * @param startTime         when the run started, if the file says (else null)
 * @param durationMs        how long it took, if the file says (else null)
 * @param reportedCounts    the file's own summary counts, kept as reported (never used as counters)
 * @param playwrightVersion the Playwright version that wrote a JSON report, else null
 * @param facts             metadata the file gives ({@code import}, {@code playwright}), merged under the caller's
 */
record ImportedRun(String format, OffsetDateTime startTime, Long durationMs, RunStatus status,
                   List<NewAttempt> attempts, JsonObject reportedCounts, String playwrightVersion, JsonObject facts) {
}
