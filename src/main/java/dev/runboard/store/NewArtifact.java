package dev.runboard.store;

/**
 * A file about to be stored with a run, validated and already on disk in a temporary place.
 *
 * @param kind        {@code report}, {@code trace}, {@code screenshot}, {@code video} or {@code other}
 * @param reportType  for reports: the {@code <type>} of {@code report_<type>}; null otherwise
 * @param label       for reports: the label shown for it
 * @param test        the attempt's test (streaming reporters name it); null when not an attempt's file
 * @param entry       for one-shot uploads: the index of the attempt in the run's entries; null otherwise
 * @param retry       the attempt's retry, with {@code test}
 * @param name        the name shown for the file (the uploaded file name, or the attachment's name)
 * @param fileName    the file name on disk and in its URL (safe: no separators, no dot-only names)
 * @param entryCount  for an extracted archive: how many entries it had; null for a single file
 * @param contentSha256 SHA-256 of the bytes as uploaded (an archive's, not its entries'): with the kind, the
 *                    attempt and the name, what makes a repeated upload of the file find the stored one
 */
public record NewArtifact(String kind, String reportType, String label, TestKey test, Integer entry, Integer retry,
                          String name, String fileName, String contentType, long sizeBytes, Integer entryCount,
                          byte[] contentSha256) {
}
