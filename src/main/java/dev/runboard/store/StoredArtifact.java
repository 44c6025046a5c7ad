package dev.runboard.store;

import dev.runboard.model.RunFile;

/**
 * A stored file of a run. {@code storagePath} is where {@link FileStorage} keeps it: the folder of an extracted
 * archive ({@code entryCount} set), or the file itself ({@code fileName}, its safe name, is its last part).
 *
 * @param attempt the attempt the file belongs to, or null
 */
public record StoredArtifact(long id, long runId, String kind, String reportType, String label, String name,
                             String fileName, String contentType, long sizeBytes, String storagePath,
                             Integer entryCount, RunFile.Attempt attempt) {

  public boolean archive() {
    return entryCount != null;
  }

  /** The wire form (without its URL, which the server's file links give). */
  public RunFile toFile() {
    return new RunFile(id, kind, name, contentType, sizeBytes, null, reportType, reportType == null ? null : label,
      entryCount, attempt);
  }

  static RunFile.Attempt attempt(TestKey test, int retry) {
    return new RunFile.Attempt(test.titlePath(), test.file(), test.playwrightProject(), retry);
  }
}
