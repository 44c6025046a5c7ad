package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.model.AttemptStatus;
import dev.runboard.model.RunEvent;
import dev.runboard.model.RunStatus;
import dev.runboard.store.NewAttempt;
import dev.runboard.store.NewRun;
import dev.runboard.store.RunStore;
import dev.runboard.store.TestKey;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.runboard.web.JsonInput.array;
import static dev.runboard.web.JsonInput.bool;
import static dev.runboard.web.JsonInput.duration;
import static dev.runboard.web.JsonInput.encodedArray;
import static dev.runboard.web.JsonInput.has;
import static dev.runboard.web.JsonInput.integer;
import static dev.runboard.web.JsonInput.object;
import static dev.runboard.web.JsonInput.objectArray;
import static dev.runboard.web.JsonInput.objectItem;
import static dev.runboard.web.JsonInput.oneOf;
import static dev.runboard.web.JsonInput.path;
import static dev.runboard.web.JsonInput.string;
import static dev.runboard.web.JsonInput.strings;
import static dev.runboard.web.JsonInput.text;
import static dev.runboard.web.JsonInput.time;

/**
 * Turns reporter payloads into store records, checking every field against the protocol and naming the first
 * bad one ({@code testCases[3].status}). Limits: names 100 characters, titles 1,000, error texts 64 KiB,
 * metadata 64 KiB. Steps, annotations and attachments are rebuilt from their checked fields (others are not
 * stored); metadata, {@code networkRequests} and {@code webVitals} are stored as sent once every string, key and
 * number in them is storable ({@link JsonInput#requireStorable}).
 */
final class IngestValidator {

  static final Set<String> ATTEMPT_STATUSES = Set.of("passed", "failed", "timedOut", "skipped", "interrupted");
  static final Set<String> RUN_STATUSES = Set.of("passed", "failed", "timedout", "interrupted");
  static final int MAX_EVENTS = 1_000;
  static final int MAX_SUBMIT_ENTRIES = 100_000;
  private static final int KIB = 1024;
  private static final int MAX_ERROR = 64 * KIB;
  private static final int MAX_METADATA = 64 * KIB;
  private static final int MAX_TITLE = 1_000;
  private static final int MAX_STEPS = 1_000;
  /** Nested {@code steps} inside a step, Playwright-style: at most this many levels below the attempt's list. */
  static final int MAX_STEP_NESTING = 20;
  private static final int MAX_ITEMS = 100;

  private IngestValidator() {
  }

  /** A validated event: a {@code begin} (live only) or a {@code complete} attempt. */
  record Event(RunEvent.TestBegin begin, NewAttempt attempt) {
  }

  // ----- start / finish ---------------------------------------------------------------------------------------

  static NewRun start(ObjectNode body) {
    String buildId = string(body, "buildId", "buildId", false, 200);
    Integer current = null;
    Integer total = null;
    if (has(body, "shard")) {
      if (buildId == null) {
        throw ApiException.validation("buildId", "buildId is required with shard: it names the CI build whose "
          + "shards stream into one run.");
      }
      ObjectNode shard = objectItem(body.get("shard"), "shard");
      total = integer(shard, "total", "shard.total", true, 1, 1_000).intValue();
      current = integer(shard, "current", "shard.current", true, 1, 1_000).intValue();
      if (current > total) {
        throw ApiException.validation("shard.current", "shard.current must be at most shard.total (" + total
          + "), got " + current + ".");
      }
    } else if (buildId != null) {
      current = 1;
      total = 1;
    }
    if (buildId != null && buildId.isBlank()) {
      throw ApiException.validation("buildId", "buildId must not be blank.");
    }
    return new NewRun(
      string(body, "projectName", "projectName", true, 100),
      string(body, "projectDescription", "projectDescription", false, 2_000),
      orNow(time(body, "startTime", "startTime", false)),
      string(body, "runKey", "runKey", false, 100),
      intOrNull(integer(body, "expectedTests", "expectedTests", false, 0, 10_000_000)),
      object(body, "metadata", "metadata", MAX_METADATA),
      string(body, "reporterVersion", "reporterVersion", false, 100),
      string(body, "playwrightVersion", "playwrightVersion", false, 100),
      buildId, current, total);
  }

  static RunStore.Finish finish(ObjectNode body) {
    return new RunStore.Finish(
      RunStatus.fromWire(oneOf(body, "status", "status", true, RUN_STATUSES)),
      time(body, "endTime", "endTime", false),
      duration(body, "duration", "duration", false),
      object(body, "metadata", "metadata", MAX_METADATA));
  }

  // ----- events -----------------------------------------------------------------------------------------------

  /** {@code testCases: [...]} or {@code testCase: {...}}, at most {@value #MAX_EVENTS} items. */
  static List<Event> events(ObjectNode body) {
    boolean many = body.has("testCases");
    boolean one = body.has("testCase");
    if (many && one) {
      throw ApiException.validation("testCases", "Send either testCases or testCase, not both.");
    }
    if (one) {
      return List.of(event(objectItem(body.get("testCase"), "testCase"), "testCase"));
    }
    if (!many) {
      throw ApiException.validation("testCases", "testCases is required (an empty array is a keep-alive).");
    }
    JsonNode items = body.get("testCases");
    if (!items.isArray()) {
      throw ApiException.validation("testCases", "testCases must be an array.");
    }
    if (items.size() > MAX_EVENTS) {
      throw ApiException.tooLarge("A batch holds at most " + MAX_EVENTS + " events, got " + items.size() + ".");
    }
    List<Event> events = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String path = "testCases[" + i + "]";
      events.add(event(objectItem(items.get(i), path), path));
    }
    return events;
  }

  private static Event event(ObjectNode item, String base) {
    String type = oneOf(item, "type", path(base, "type"), false, Set.of("begin", "complete"));
    boolean begin = "begin".equals(type);
    TestKey key = testKey(item, base, string(item, "playwrightProject", path(base, "playwrightProject"), false, 200));
    int retry = retry(item, base, true);
    AttemptStatus expectedStatus = attemptStatus(item, "expectedStatus", path(base, "expectedStatus"), false);
    if (begin) {
      String startTime = time(item, "startTime", path(base, "startTime"), false) == null ? null
        : item.get("startTime").textValue();
      return new Event(new RunEvent.TestBegin(key.title(), key.titlePath(), key.file(), key.playwrightProject(),
        retry, startTime), null);
    }
    return new Event(null, attempt(item, base, key, retry, expectedStatus, null));
  }

  /**
   * {@code retry}, or its alias {@code retries}; both and different is an error. Absent: an error when
   * {@code required} (streamed events), else 0 (one-shot entries of old reporters).
   */
  private static int retry(ObjectNode item, String base, boolean required) {
    Long retry = integer(item, "retry", path(base, "retry"), false, 0, 1_000);
    Long retries = integer(item, "retries", path(base, "retries"), false, 0, 1_000);
    if (retry != null && retries != null && !retry.equals(retries)) {
      throw ApiException.validation(path(base, "retry"), "retry and retries differ (" + retry + " and " + retries
        + ").");
    }
    if (retry == null && retries == null && required) {
      throw ApiException.validation(path(base, "retry"), path(base, "retry") + " is required: Playwright's "
        + "result.retry, 0 for the first run.");
    }
    return retry != null ? retry.intValue() : retries != null ? retries.intValue() : 0;
  }

  private static TestKey testKey(ObjectNode item, String base, String playwrightProject) {
    List<String> titlePath = strings(item, "titlePath", path(base, "titlePath"), 100, MAX_TITLE);
    boolean hasPath = titlePath != null && !titlePath.isEmpty();
    String title = string(item, "title", path(base, "title"), !hasPath, MAX_TITLE);
    String location = string(item, "location", path(base, "location"), true, 4_096);
    Location parsed = Location.parse(location);
    return new TestKey(parsed.file(), hasPath ? titlePath : List.of(title),
      playwrightProject == null ? "" : playwrightProject, 0);
  }

  private static NewAttempt attempt(ObjectNode item, String base, TestKey key, int retry,
                                    AttemptStatus expectedStatus, JsonObject extra) {
    Location location = Location.parse(item.get("location").textValue());
    AttemptStatus status = attemptStatus(item, "status", path(base, "status"), true);
    long durationMs = duration(item, "duration", path(base, "duration"), true);
    String message = null;
    String stack = null;
    JsonObject errorLocation = null;
    JsonNode error = item.get("error");
    String errorPath = path(base, "error");
    if (error != null && !error.isNull()) {
      if (error.isTextual()) {
        message = string(item, "error", errorPath, false, MAX_ERROR);
      } else if (error.isObject()) {
        ObjectNode e = (ObjectNode) error;
        message = text(e, "message", path(errorPath, "message"), true, MAX_ERROR);
        stack = string(e, "stack", path(errorPath, "stack"), false, MAX_ERROR);
        errorLocation = errorLocation(e, errorPath);
      } else {
        throw ApiException.validation(errorPath, errorPath + " must be a string or an object with message, stack"
          + " and location.");
      }
    }
    return new NewAttempt(key, retry, status, expectedStatus == null ? AttemptStatus.PASSED : expectedStatus, durationMs,
      location.line(), location.column(), message, stack, errorLocation,
      steps(item, path(base, "steps")), annotations(item, path(base, "annotations")),
      attachments(item, path(base, "attachments")), extra);
  }

  /**
   * {@code [{title, duration, category?, depth?, error?, steps?}]}: at most {@value #MAX_STEPS} steps in all, nested
   * ones included, nested at most {@value #MAX_STEP_NESTING} levels, 1 MiB encoded.
   */
  private static JsonArray steps(ObjectNode item, String path) {
    JsonNode steps = array(item, "steps", path, MAX_STEPS);
    if (steps == null) {
      return null;
    }
    return encodedArray(stepList(steps, path, 0, new int[1]), path, 1024 * KIB);
  }

  private static ArrayNode stepList(JsonNode steps, String path, int nesting, int[] count) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < steps.size(); i++) {
      String base = path + "[" + i + "]";
      if (++count[0] > MAX_STEPS) {
        throw ApiException.validation(base, "An attempt has at most " + MAX_STEPS + " steps, nested ones included; "
          + base + " is one more.");
      }
      ObjectNode step = objectItem(steps.get(i), base);
      ObjectNode kept = out.addObject();
      kept.put("title", text(step, "title", path(base, "title"), true, MAX_TITLE));
      kept.put("duration", duration(step, "duration", path(base, "duration"), true));
      putIfPresent(kept, "category", string(step, "category", path(base, "category"), false, 100));
      Long depth = integer(step, "depth", path(base, "depth"), false, 0, MAX_STEPS);
      if (depth != null) {
        kept.put("depth", depth);
      }
      Boolean error = bool(step, "error", path(base, "error"));
      if (error != null) {
        kept.put("error", error);
      }
      JsonNode nested = array(step, "steps", path(base, "steps"), MAX_STEPS);
      if (nested != null) {
        if (nesting + 1 > MAX_STEP_NESTING) {
          throw ApiException.validation(path(base, "steps"), "Steps nest at most " + MAX_STEP_NESTING + " levels; "
            + path(base, "steps") + " is deeper.");
        }
        kept.set("steps", stepList(nested, path(base, "steps"), nesting + 1, count));
      }
    }
    return out;
  }

  /** {@code [{type, description?}]}: at most {@value #MAX_ITEMS}, 64 KiB encoded. */
  private static JsonArray annotations(ObjectNode item, String path) {
    JsonNode annotations = array(item, "annotations", path, MAX_ITEMS);
    if (annotations == null) {
      return null;
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < annotations.size(); i++) {
      String base = path + "[" + i + "]";
      ObjectNode annotation = objectItem(annotations.get(i), base);
      ObjectNode kept = out.addObject();
      kept.put("type", text(annotation, "type", path(base, "type"), true, MAX_TITLE));
      putIfPresent(kept, "description", text(annotation, "description", path(base, "description"), false, 10_000));
    }
    return encodedArray(out, path, 64 * KIB);
  }

  /** {@code [{name, contentType, path?}]}, descriptions only: a body is refused (files go to attach mode). */
  private static JsonArray attachments(ObjectNode item, String path) {
    JsonNode attachments = array(item, "attachments", path, MAX_ITEMS);
    if (attachments == null) {
      return null;
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < attachments.size(); i++) {
      String base = path + "[" + i + "]";
      ObjectNode attachment = objectItem(attachments.get(i), base);
      if (attachment.has("body")) {
        throw ApiException.validation(path(base, "body"), path(base, "body") + " is not accepted: events describe "
          + "attachments; upload the file itself to POST /api/test-runs/{runId}/files.");
      }
      ObjectNode kept = out.addObject();
      kept.put("name", text(attachment, "name", path(base, "name"), true, MAX_TITLE));
      kept.put("contentType", string(attachment, "contentType", path(base, "contentType"), true, 200));
      putIfPresent(kept, "path", text(attachment, "path", path(base, "path"), false, 4_096));
    }
    return encodedArray(out, path, 64 * KIB);
  }

  private static void putIfPresent(ObjectNode object, String field, String value) {
    if (value != null) {
      object.put(field, value);
    }
  }

  private static JsonObject errorLocation(ObjectNode error, String errorPath) {
    if (!has(error, "location")) {
      return null;
    }
    String path = path(errorPath, "location");
    ObjectNode location = objectItem(error.get("location"), path);
    return new JsonObject()
      .put("file", string(location, "file", path(path, "file"), false, 4_096))
      .put("line", integer(location, "line", path(path, "line"), false, 0, Integer.MAX_VALUE))
      .put("column", integer(location, "column", path(path, "column"), false, 0, Integer.MAX_VALUE));
  }

  // ----- one-shot submit --------------------------------------------------------------------------------------

  /** A validated {@code submit} (or the JSON parts of an {@code upload}). */
  record Submit(NewRun run, RunStore.Finish finish, JsonObject reportedCounts, List<NewAttempt> entries) {
  }

  /** The body of {@code submit}: the run's fields and {@code testCases} side by side. */
  static Submit submit(ObjectNode body) {
    String projectName = string(body, "projectName", "projectName", true, 100);
    return submit(projectName, body, "", body.get("testCases"), "testCases");
  }

  /**
   * @param run        the run's fields ({@code status, startTime, duration, …}); for submit, the body itself
   * @param testCases  the entries array, named {@code testCasesPath} in errors
   */
  static Submit submit(String projectName, ObjectNode run, String runPath, JsonNode testCases,
                       String testCasesPath) {
    String prefix = runPath.isEmpty() ? "" : runPath + ".";
    RunStatus status = RunStatus.fromWire(oneOf(run, "status", prefix + "status", true, RUN_STATUSES));
    OffsetDateTime start = time(run, "startTime", prefix + "startTime", true);
    Long durationMs = duration(run, "duration", prefix + "duration", false);
    JsonObject reported = new JsonObject();
    for (String count : List.of("totalTests", "passedTests", "failedTests", "skippedTests")) {
      Long value = integer(run, count, prefix + count, false, 0, 10_000_000);
      if (value != null) {
        reported.put(count, value);
      }
    }
    // Old reporters' totalTests counts attempts, not tests: it is kept as reported, never as expectedTests.
    NewRun newRun = new NewRun(projectName,
      string(run, "projectDescription", prefix + "projectDescription", false, 2_000), start, null, null,
      object(run, "metadata", prefix + "metadata", MAX_METADATA), null, null);
    OffsetDateTime end = start.plus(durationMs == null ? 0 : durationMs, ChronoUnit.MILLIS);
    RunStore.Finish finish = new RunStore.Finish(status, end, durationMs == null ? 0L : durationMs, null);

    if (testCases == null || testCases.isNull()) {
      throw ApiException.validation(testCasesPath, testCasesPath + " is required.");
    }
    if (!testCases.isArray()) {
      throw ApiException.validation(testCasesPath, testCasesPath + " must be an array.");
    }
    if (testCases.size() > MAX_SUBMIT_ENTRIES) {
      throw ApiException.tooLarge("A submit holds at most " + MAX_SUBMIT_ENTRIES + " test cases.");
    }
    List<NewAttempt> entries = new ArrayList<>(testCases.size());
    for (int i = 0; i < testCases.size(); i++) {
      String base = testCasesPath + "[" + i + "]";
      ObjectNode item = objectItem(testCases.get(i), base);
      TestKey key = testKey(item, base, string(item, "playwrightProject", path(base, "playwrightProject"),
        false, 200));
      entries.add(attempt(item, base, key, retry(item, base, false),
        attemptStatus(item, "expectedStatus", path(base, "expectedStatus"), false), extra(item, base)));
    }
    return new Submit(newRun, finish, reported, entries);
  }

  /** The extra fields of one-shot reporters, kept as sent. */
  private static JsonObject extra(ObjectNode item, String base) {
    JsonObject extra = new JsonObject();
    String slowestStep = string(item, "slowestStep", path(base, "slowestStep"), false, MAX_TITLE);
    if (slowestStep != null) {
      extra.put("slowestStep", slowestStep);
    }
    Long slowestDuration = duration(item, "slowestStepDuration", path(base, "slowestStepDuration"), false);
    if (slowestDuration != null) {
      extra.put("slowestStepDuration", slowestDuration);
    }
    var requests = objectArray(item, "networkRequests", path(base, "networkRequests"), 10_000, 2048 * KIB);
    if (requests != null) {
      extra.put("networkRequests", requests);
    }
    JsonObject vitals = object(item, "webVitals", path(base, "webVitals"), 64 * KIB);
    if (vitals != null) {
      extra.put("webVitals", vitals);
    }
    return extra.isEmpty() ? null : extra;
  }

  private static AttemptStatus attemptStatus(ObjectNode item, String field, String path, boolean required) {
    String status = oneOf(item, field, path, required, ATTEMPT_STATUSES);
    return status == null ? null : AttemptStatus.fromWire(status);
  }

  private static OffsetDateTime orNow(OffsetDateTime time) {
    return time != null ? time : OffsetDateTime.now(ZoneOffset.UTC);
  }

  private static Integer intOrNull(Long value) {
    return value == null ? null : value.intValue();
  }
}
