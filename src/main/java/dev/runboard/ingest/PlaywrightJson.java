package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.model.AttemptStatus;
import dev.runboard.model.RunStatus;
import dev.runboard.store.NewAttempt;
import dev.runboard.store.TestKey;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Playwright's JSON report ({@code npx playwright test --reporter=json}) into an {@link ImportedRun}, mapped
 * exactly as {@code runboard-reporter} streams a run: one test per entry of a spec's {@code tests} (a spec run in
 * several Playwright projects is one test per project), identified by {@code (file, titlePath, projectName)}
 * with {@code titlePath} the describe blocks (anonymous ones left out) and the spec's title; one attempt per
 * entry of its {@code results}, with the result's {@code retry}, {@code status}, {@code duration}, first error
 * (further ones appended to its message), steps (depth-first with their depth), the test's annotations and the
 * result's attachments (name and content type). Files are relative to {@code config.rootDir}.
 *
 * <p>The body follows the rules of every JSON body ({@link JsonInput}: strict UTF-8, 64 levels of nesting, …);
 * a field of the wrong type or an unknown status is a 400 naming its path, e.g.
 * {@code suites[0].suites[1].specs[0].tests[0].results[1].status}.
 */
final class PlaywrightJson {

  static final String FORMAT = "playwright-json";

  private final String rootDir;
  private final List<List<NewAttempt>> tests = new ArrayList<>();
  private int attemptCount;

  private PlaywrightJson(String rootDir) {
    this.rootDir = rootDir;
  }

  /** Reads {@code body}; throws {@link ApiException} (400 {@code invalid_json} or {@code validation_failed}, 413). */
  static ImportedRun read(byte[] body, String rootDirParameter) {
    ObjectNode report = JsonInput.parseObject(Buffer.buffer(body));
    if (!report.has("config") || !report.has("suites")) {
      List<String> keys = new ArrayList<>();
      report.fieldNames().forEachRemaining(keys::add);
      throw ApiException.validation(null, "Expected Playwright's JSON report (npx playwright test --reporter=json): "
        + "an object with config and suites; got an object with " + (keys.isEmpty() ? "no fields"
        : "the fields " + abbreviate(String.join(", ", keys))) + ".");
    }
    ObjectNode config = object(report, "config", "config");
    String rootDir = string(config, "rootDir", "config.rootDir");
    PlaywrightJson reader = new PlaywrightJson(rootDir != null ? rootDir : rootDirParameter);
    JsonNode suites = array(report, "suites", "suites");
    for (int i = 0; i < suites.size(); i++) {
      reader.suite(item(suites, i, "suites"), "suites[" + i + "]", List.of(), true);
    }
    JsonNode errors = array(report, "errors", "errors");

    ObjectNode stats = report.has("stats") ? object(report, "stats", "stats") : null;
    OffsetDateTime start = stats == null ? null : time(stats, "startTime", "stats.startTime");
    Long duration = stats == null ? null : milliseconds(stats, "duration", "stats.duration");
    JsonObject reported = new JsonObject();
    if (stats != null) {
      for (String count : List.of("expected", "unexpected", "flaky", "skipped")) {
        JsonNode value = stats.get(count);
        if (value != null && value.canConvertToLong() && value.isIntegralNumber()) {
          reported.put(count, value.longValue());
        }
      }
    }
    boolean failed = ImportText.anyUnexpected(reader.tests) || (errors != null && !errors.isEmpty());
    List<NewAttempt> attempts = new ArrayList<>(reader.attemptCount);
    reader.tests.forEach(attempts::addAll);
    String version = string(config, "version", "config.version");
    return new ImportedRun(FORMAT, start, duration, failed ? RunStatus.FAILED : RunStatus.PASSED, attempts,
      reported.isEmpty() ? null : reported, version == null ? null : abbreviate(version), facts(config, version));
  }

  /** What the report says about Playwright, as the streaming reporter records it in the run's metadata. */
  private static JsonObject facts(ObjectNode config, String version) {
    JsonObject playwright = new JsonObject();
    if (version != null) {
      playwright.put("version", ImportText.title(version));
    }
    JsonNode workers = config.get("workers");
    if (workers != null && workers.isIntegralNumber() && workers.canConvertToInt()) {
      playwright.put("workers", workers.intValue());
    }
    JsonNode projects = config.get("projects");
    if (projects != null && projects.isArray()) {
      JsonArray names = new JsonArray();
      int retries = 0;
      for (JsonNode project : projects) {
        if (project.isObject() && project.path("name").isTextual() && names.size() < ImportText.MAX_ITEMS) {
          names.add(ImportText.title(project.get("name").textValue()));
        }
        if (project.isObject() && project.path("retries").isIntegralNumber()) {
          retries = Math.max(retries, Math.min(1_000, project.get("retries").intValue()));
        }
      }
      playwright.put("projects", names).put("retries", retries);
    }
    JsonNode shard = config.get("shard");
    if (shard != null && shard.isObject() && shard.path("current").isIntegralNumber()
      && shard.path("total").isIntegralNumber()) {
      playwright.put("shard", new JsonObject().put("current", shard.get("current").intValue())
        .put("total", shard.get("total").intValue()));
    }
    return new JsonObject().put("import", new JsonObject().put("format", FORMAT)).put("playwright", playwright);
  }

  // ----- suites, specs, tests, results ------------------------------------------------------------------------

  /** A suite: a file (top level, its title is the file) or a describe block (its title joins the title path). */
  private void suite(ObjectNode suite, String path, List<String> describes, boolean fileLevel) {
    String title = string(suite, "title", path + ".title");
    List<String> titles = describes;
    if (!fileLevel && title != null && !title.isEmpty()) {
      titles = new ArrayList<>(describes);
      titles.add(title);
    }
    String suiteFile = string(suite, "file", path + ".file");
    JsonNode specs = array(suite, "specs", path + ".specs");
    for (int i = 0; specs != null && i < specs.size(); i++) {
      spec(item(specs, i, path + ".specs"), path + ".specs[" + i + "]", titles, suiteFile);
    }
    JsonNode children = array(suite, "suites", path + ".suites");
    for (int i = 0; children != null && i < children.size(); i++) {
      suite(item(children, i, path + ".suites"), path + ".suites[" + i + "]", titles, false);
    }
  }

  private void spec(ObjectNode spec, String path, List<String> describes, String suiteFile) {
    String title = string(spec, "title", path + ".title");
    if (title == null) {
      throw ApiException.validation(path + ".title", path + ".title is required.");
    }
    String file = string(spec, "file", path + ".file");
    List<String> titlePath = new ArrayList<>(describes);
    titlePath.add(title);
    String relative = ImportText.relativeFile(rootDir, file != null ? file : suiteFile);
    Integer line = integer(spec, "line", path + ".line", Integer.MAX_VALUE);
    Integer column = integer(spec, "column", path + ".column", Integer.MAX_VALUE);
    JsonNode entries = array(spec, "tests", path + ".tests");
    for (int i = 0; entries != null && i < entries.size(); i++) {
      String testPath = path + ".tests[" + i + "]";
      ObjectNode test = item(entries, i, path + ".tests");
      String project = string(test, "projectName", testPath + ".projectName");
      TestKey key = new TestKey(ImportText.title(relative.isEmpty() ? "unknown" : relative),
        ImportText.titlePath(titlePath), project == null ? "" : ImportText.title(project), 0);
      test(test, testPath, key, line, column);
    }
  }

  private void test(ObjectNode test, String path, TestKey key, Integer line, Integer column) {
    AttemptStatus expected = status(test, "expectedStatus", path + ".expectedStatus", false);
    JsonArray annotations = annotations(test, path + ".annotations");
    JsonNode results = array(test, "results", path + ".results");
    List<NewAttempt> attempts = new ArrayList<>();
    for (int i = 0; results != null && i < results.size(); i++) {
      String resultPath = path + ".results[" + i + "]";
      ObjectNode result = item(results, i, path + ".results");
      Integer retry = integer(result, "retry", resultPath + ".retry", 1_000);
      AttemptStatus status = status(result, "status", resultPath + ".status", true);
      Long duration = milliseconds(result, "duration", resultPath + ".duration");
      Error error = error(result, resultPath);
      JsonArray steps = new JsonArray();
      steps(array(result, "steps", resultPath + ".steps"), resultPath + ".steps", 0, steps);
      attempts.add(new NewAttempt(key, retry == null ? i : retry, status,
        expected == null ? AttemptStatus.PASSED : expected, duration == null ? 0 : duration, line, column,
        error == null ? null : error.message, error == null ? null : error.stack,
        error == null ? null : error.location, ImportText.orNull(steps), annotations,
        attachments(result, resultPath + ".attachments"), null));
    }
    if (!attempts.isEmpty()) {
      attemptCount += attempts.size();
      if (attemptCount > IngestValidator.MAX_SUBMIT_ENTRIES) {
        throw ApiException.tooLarge("An import holds at most " + IngestValidator.MAX_SUBMIT_ENTRIES + " attempts.");
      }
      tests.add(attempts);
    }
  }

  private record Error(String message, String stack, JsonObject location) {
  }

  /**
   * The attempt's error as the streaming reporter sends it: the first error ({@code error}, Playwright's raw
   * {@code TestError}; else the first of {@code errors}) with its stack and location; further errors (the JSON
   * report has them only formatted, with their code frames) are appended to its message.
   */
  private Error error(ObjectNode result, String path) {
    JsonNode list = array(result, "errors", path + ".errors");
    String listPath = path + ".errors";
    List<ObjectNode> errors = new ArrayList<>();
    for (int i = 0; list != null && i < list.size(); i++) {
      errors.add(item(list, i, listPath));
    }
    ObjectNode first;
    String firstPath;
    if (result.hasNonNull("error")) {
      first = object(result, "error", path + ".error");
      firstPath = path + ".error";
    } else if (!errors.isEmpty()) {
      first = errors.get(0);
      firstPath = listPath + "[0]";
    } else {
      return null;
    }
    StringBuilder message = new StringBuilder(errorText(first, firstPath));
    for (int i = 1; i < errors.size() && message.length() <= ImportText.MAX_ERROR; i++) {
      message.append("\n\n[error ").append(i + 1).append(" of ").append(errors.size()).append("] ")
        .append(errorText(errors.get(i), listPath + "[" + i + "]"));
    }
    JsonObject location = null;
    if (first.hasNonNull("location")) {
      ObjectNode at = object(first, "location", firstPath + ".location");
      location = new JsonObject()
        .put("file", ImportText.title(ImportText.relativeFile(rootDir, string(at, "file", firstPath + ".location.file"))))
        .put("line", integer(at, "line", firstPath + ".location.line", Integer.MAX_VALUE))
        .put("column", integer(at, "column", firstPath + ".location.column", Integer.MAX_VALUE));
    }
    return new Error(ImportText.limited(message.toString(), ImportText.MAX_ERROR),
      ImportText.limited(string(first, "stack", firstPath + ".stack"), ImportText.MAX_ERROR), location);
  }

  private static String errorText(ObjectNode error, String path) {
    String message = string(error, "message", path + ".message");
    if (message == null) {
      message = string(error, "value", path + ".value");
    }
    return message == null ? "Error" : message.length() > ImportText.MAX_ERROR
      ? message.substring(0, ImportText.MAX_ERROR) : message;
  }

  /** Steps depth-first, as the streaming reporter sends them: {@code {title, duration, category?, depth?, error?}}. */
  private static void steps(JsonNode steps, String path, int depth, JsonArray out) {
    for (int i = 0; steps != null && i < steps.size() && out.size() < ImportText.MAX_STEPS; i++) {
      String stepPath = path + "[" + i + "]";
      ObjectNode step = item(steps, i, path);
      JsonObject kept = new JsonObject().put("title", ImportText.title(string(step, "title", stepPath + ".title")));
      Long duration = milliseconds(step, "duration", stepPath + ".duration");
      kept.put("duration", duration == null ? 0 : duration);
      String category = string(step, "category", stepPath + ".category");
      if (category != null) {
        kept.put("category", category.length() > 100 ? category.substring(0, 100) : ImportText.clean(category));
      }
      if (depth > 0) {
        kept.put("depth", depth);
      }
      if (step.hasNonNull("error")) {
        kept.put("error", true);
      }
      out.add(kept);
      steps(array(step, "steps", stepPath + ".steps"), stepPath + ".steps", depth + 1, out);
    }
  }

  /** The test's annotations {@code {type, description?}} (their source locations are left out). */
  private static JsonArray annotations(ObjectNode test, String path) {
    JsonNode list = array(test, "annotations", path);
    JsonArray out = new JsonArray();
    for (int i = 0; list != null && i < list.size() && out.size() < ImportText.MAX_ITEMS; i++) {
      ObjectNode annotation = item(list, i, path);
      String type = string(annotation, "type", path + "[" + i + "].type");
      if (type == null) {
        throw ApiException.validation(path + "[" + i + "].type", path + "[" + i + "].type is required.");
      }
      out.add(ImportText.annotation(type, string(annotation, "description", path + "[" + i + "].description")));
    }
    return ImportText.orNull(out);
  }

  /** The result's attachments {@code {name, contentType}}: descriptions only, as streamed events carry them. */
  private static JsonArray attachments(ObjectNode result, String path) {
    JsonNode list = array(result, "attachments", path);
    JsonArray out = new JsonArray();
    for (int i = 0; list != null && i < list.size() && out.size() < ImportText.MAX_ITEMS; i++) {
      ObjectNode attachment = item(list, i, path);
      String name = string(attachment, "name", path + "[" + i + "].name");
      out.add(ImportText.attachment(name == null ? "attachment" : name,
        string(attachment, "contentType", path + "[" + i + "].contentType")));
    }
    return ImportText.orNull(out);
  }

  // ----- fields -----------------------------------------------------------------------------------------------

  private static AttemptStatus status(ObjectNode node, String field, String path, boolean required) {
    String status = string(node, field, path);
    if (status == null) {
      if (required) {
        throw ApiException.validation(path, path + " is required.");
      }
      return null;
    }
    if (!IngestValidator.ATTEMPT_STATUSES.contains(status)) {
      throw ApiException.validation(path, path + " must be one of failed, interrupted, passed, skipped, timedOut, got '"
        + abbreviate(status) + "'.");
    }
    return AttemptStatus.fromWire(status);
  }

  private static String string(ObjectNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.validation(path, path + " must be a string, got " + JsonInput.kind(value) + ".");
    }
    return value.textValue();
  }

  private static Integer integer(ObjectNode node, String field, String path, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isNumber() || value.doubleValue() != Math.rint(value.doubleValue()) || value.doubleValue() < 0
      || value.doubleValue() > max) {
      throw ApiException.validation(path, path + " must be a whole number from 0 to " + max + ", got "
        + abbreviate(value.toString()) + ".");
    }
    return value.intValue();
  }

  /** Milliseconds, rounded; a negative value (Playwright's -1 for "did not run") is 0. */
  private static Long milliseconds(ObjectNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    double ms = value.isNumber() ? value.doubleValue() : Double.NaN;
    if (!Double.isFinite(ms) || Math.round(ms) > JsonInput.MAX_DURATION_MS) {
      throw ApiException.validation(path, path + " must be a number of milliseconds up to " + JsonInput.MAX_DURATION_MS
        + ", got " + (value.isNumber() ? abbreviate(value.toString()) : JsonInput.kind(value)) + ".");
    }
    return Math.max(0, Math.round(ms));
  }

  private static OffsetDateTime time(ObjectNode node, String field, String path) {
    String text = string(node, field, path);
    if (text == null) {
      return null;
    }
    try {
      OffsetDateTime time = OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
      if (time.getYear() >= 1 && time.getYear() <= 9999) {
        return time;
      }
    } catch (DateTimeParseException e) {
      // refused below
    }
    throw ApiException.validation(path, path + " must be an ISO-8601 time such as 2026-01-31T12:00:00.000Z, got '"
      + abbreviate(text) + "'.");
  }

  private static ObjectNode object(ObjectNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw ApiException.validation(path, path + " must be an object, got " + JsonInput.kind(value) + ".");
    }
    return (ObjectNode) value;
  }

  private static JsonNode array(ObjectNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.validation(path, path + " must be an array, got " + JsonInput.kind(value) + ".");
    }
    return value;
  }

  private static ObjectNode item(JsonNode array, int index, String path) {
    return JsonInput.objectItem(array.get(index), path + "[" + index + "]");
  }

  private static String abbreviate(String text) {
    String clean = ImportText.clean(text);
    return clean.length() > 100 ? clean.substring(0, 100) + "…" : clean;
  }
}
