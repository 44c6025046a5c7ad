package dev.runboard.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A stored file of a run. {@code storagePath} is relative to the storage directory: the folder of an extracted
 * archive ({@code entryCount} set), or the file itself.
 *
 * <p>Layout: {@code runs/<runId>/reports/<id>/} for report archives (their entries inside),
 * {@code runs/<runId>/reports/<id>/<fileName>} for single-file reports, and
 * {@code runs/<runId>/attachments/<id>/<fileName>} for attempt files.
 *
 * @param attempt {@code {titlePath, file, playwrightProject, retry}} of the attempt the file belongs to, or null
 */
public record StoredArtifact(long id, long runId, String kind, String reportType, String label, String name,
                             String fileName, String contentType, long sizeBytes, String storagePath,
                             Integer entryCount, JsonObject attempt) {

  public boolean archive() {
    return entryCount != null;
  }

  /** Where the file is served: an archive's folder (its {@code index.html} by default), or the file by name. */
  public String url() {
    return "/api/files/" + id + "/" + (archive() ? "" : URLEncoder.encode(fileName, StandardCharsets.UTF_8)
      .replace("+", "%20"));
  }

  /** The wire form in {@code run-files} events and upload responses. */
  public JsonObject toFile() {
    JsonObject file = new JsonObject().put("id", id).put("kind", kind).put("name", name)
      .put("contentType", contentType).put("size", sizeBytes).put("url", url());
    if (reportType != null) {
      file.put("reportType", reportType).put("label", label);
    }
    if (entryCount != null) {
      file.put("entries", entryCount);
    }
    if (attempt != null) {
      file.put("attempt", attempt);
    }
    return file;
  }

  static String storagePath(long runId, long id, NewArtifact artifact) {
    String base = "runs/" + runId + ("report".equals(artifact.kind()) ? "/reports/" : "/attachments/") + id;
    return artifact.entryCount() != null ? base : base + "/" + artifact.fileName();
  }

  static JsonObject attempt(TestKey test, int retry) {
    return new JsonObject().put("titlePath", new JsonArray(test.titlePath())).put("file", test.file())
      .put("playwrightProject", test.playwrightProject()).put("retry", retry);
  }
}
