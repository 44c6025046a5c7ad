package dev.runboard.store;

import java.time.OffsetDateTime;
import java.util.regex.Pattern;

/**
 * Playwright's trace viewer of one Playwright version ({@code lib/vite/traceViewer} of its {@code playwright-core}),
 * as a reporter uploaded it: an extracted archive in the file storage under {@code trace-viewers/<id>/}, served on
 * the files origin like a report, so that its service worker can read traces there.
 */
public record TraceViewer(long id, String version, int entryCount, long sizeBytes, OffsetDateTime createdAt) {

  /** A Playwright version: {@code 1.65.1}, {@code 1.66.0-alpha-2026-11-30}, … */
  public static final Pattern VERSION = Pattern.compile("[0-9]{1,4}\\.[0-9]{1,4}\\.[0-9]{1,4}(-[0-9A-Za-z.-]{1,40})?");

  /** Where the file storage keeps its entries, as it keeps a report's. */
  public StoredArtifact asArtifact() {
    return new StoredArtifact(id, 0, "trace-viewer", null, null, "Playwright trace viewer " + version,
      "trace-viewer", "text/html", sizeBytes, "trace-viewers/" + id, entryCount, null);
  }
}
