package dev.runboard.ingest;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.Outcome;
import dev.runboard.store.NewAttempt;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How imported text becomes storable, the way the streaming reporter prepares it before sending: titles are
 * shortened to {@value #MAX_TITLE} characters and title paths to their last {@value #MAX_TITLE_PATH} entries,
 * error texts to 64 KiB (with a mark saying so), lists to their first items; NUL characters are removed and an
 * unpaired surrogate becomes U+FFFD. A report is data a runner wrote, so a long stack trace shortens rather than
 * refuses the import; its structure, though, is checked field by field.
 */
final class ImportText {

  static final int MAX_TITLE = 1_000;
  static final int MAX_TITLE_PATH = 100;
  static final int MAX_ERROR = 64 * 1024;
  static final int MAX_DESCRIPTION = 10_000;
  static final int MAX_ITEMS = 100;
  static final int MAX_STEPS = 1_000;
  static final String TRUNCATED = "\n… (truncated by Runboard's import)";

  private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
    Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
    Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"), Map.entry("svg", "image/svg+xml"),
    Map.entry("webm", "video/webm"), Map.entry("mp4", "video/mp4"), Map.entry("zip", "application/zip"),
    Map.entry("json", "application/json"), Map.entry("txt", "text/plain"), Map.entry("log", "text/plain"),
    Map.entry("md", "text/markdown"), Map.entry("html", "text/html"), Map.entry("xml", "application/xml"));

  private ImportText() {
  }

  /** Text PostgreSQL can store: NUL removed, an unpaired surrogate replaced by U+FFFD. */
  static String clean(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
        && Character.isLowSurrogate(text.charAt(i + 1));
      boolean bad = c == 0 || (Character.isSurrogate(c) && !pair);
      if (bad && out == null) {
        out = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (out != null) {
        if (c != 0) {
          out.append(bad ? '\uFFFD' : c);
          if (pair) {
            out.append(text.charAt(i + 1));
          }
        }
      }
      if (pair) {
        i++;
      }
    }
    return out == null ? text : out.toString();
  }

  /** A title: cleaned, at most {@value #MAX_TITLE} characters (the last one an ellipsis when shortened). */
  static String title(String text) {
    String clean = clean(text == null ? "" : text);
    return clean.length() <= MAX_TITLE ? clean : cut(clean, MAX_TITLE - 1) + "…";
  }

  /** A text of at most {@code max} characters, with {@link #TRUNCATED} after it when shortened; null stays null. */
  static String limited(String text, int max) {
    if (text == null) {
      return null;
    }
    String clean = clean(text);
    return clean.length() <= max ? clean : cut(clean, max - TRUNCATED.length()) + TRUNCATED;
  }

  /** The first {@code length} characters, without splitting a surrogate pair. */
  private static String cut(String text, int length) {
    int end = Math.max(0, length);
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /** Titles of a title path, the last {@value #MAX_TITLE_PATH} of them. */
  static List<String> titlePath(List<String> titles) {
    List<String> out = new ArrayList<>(titles.size());
    for (String title : titles) {
      out.add(title(title));
    }
    return out.size() <= MAX_TITLE_PATH ? out : List.copyOf(out.subList(out.size() - MAX_TITLE_PATH, out.size()));
  }

  /**
   * A file as the protocol names it: {@code \} made {@code /}; relative to {@code rootDir} when it lies inside it
   * (an absolute path elsewhere stays absolute, as the streaming reporter leaves it).
   */
  static String relativeFile(String rootDir, String file) {
    if (file == null || file.isEmpty()) {
      return "";
    }
    String normalised = clean(file).replace('\\', '/');
    if (rootDir == null || rootDir.isEmpty()) {
      return normalised;
    }
    String root = rootDir.replace('\\', '/');
    while (root.length() > 1 && root.endsWith("/")) {
      root = root.substring(0, root.length() - 1);
    }
    return normalised.startsWith(root + "/") ? normalised.substring(root.length() + 1) : normalised;
  }

  /** A content type from a file name's extension; {@code application/octet-stream} when unknown. */
  static String contentTypeOf(String fileName) {
    int dot = fileName.lastIndexOf('.');
    String extension = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
  }

  /** {@code {type, description?}}, as streamed annotations are stored. */
  static JsonObject annotation(String type, String description) {
    JsonObject annotation = new JsonObject().put("type", title(type));
    if (description != null && !description.isEmpty()) {
      annotation.put("description", limited(description, MAX_DESCRIPTION));
    }
    return annotation;
  }

  /** {@code {name, contentType}}, as streamed attachments are stored (descriptions only, no bodies). */
  static JsonObject attachment(String name, String contentType) {
    String type = clean(contentType == null || contentType.isBlank() ? "application/octet-stream" : contentType);
    return new JsonObject().put("name", title(name)).put("contentType", type.length() > 200 ? type.substring(0, 200)
      : type);
  }

  static JsonArray orNull(JsonArray array) {
    return array == null || array.isEmpty() ? null : array;
  }

  /** Whether a test's outcome (over its attempts, the last one's expected status) is unexpected: a failed run. */
  static boolean anyUnexpected(List<List<NewAttempt>> tests) {
    for (List<NewAttempt> attempts : tests) {
      AttemptStatus expected = attempts.get(attempts.size() - 1).expectedStatus();
      if (Outcome.of(expected, attempts.stream().map(NewAttempt::status).toList()) == Outcome.UNEXPECTED) {
        return true;
      }
    }
    return false;
  }
}
