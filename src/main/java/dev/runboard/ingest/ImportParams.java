package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The query parameters of {@code POST /api/test-runs/import}, checked before the body is read: the body is the
 * report file itself, as a runner wrote it, so what Runboard needs besides goes in the query.
 *
 * @param metadata the {@code metadata} parameter (a JSON object) with {@code branch}, {@code commit} and {@code tags}
 *                 put in as {@code scm.branch}, {@code scm.commit} and {@code tags}, as the reporter sends them
 */
record ImportParams(String projectName, String projectDescription, String rootDir, JsonObject metadata) {

  static final Set<String> NAMES = Set.of("projectName", "projectDescription", "branch", "commit", "tags",
    "metadata", "rootDir");
  private static final int MAX_METADATA = 64 * 1024;

  static ImportParams from(MultiMap query) {
    for (String name : query.names()) {
      if (!NAMES.contains(name)) {
        throw ApiException.validation(name, "Unknown query parameter " + abbreviate(name) + "; import takes "
          + String.join(", ", NAMES.stream().sorted().toList()) + ".");
      }
    }
    String projectName = single(query, "projectName", 100);
    if (projectName == null || projectName.isBlank()) {
      throw ApiException.validation("projectName", "projectName is required (a query parameter, 1 to 100 "
        + "characters): the Runboard project the run belongs to.");
    }
    JsonObject metadata = new JsonObject();
    String json = single(query, "metadata", MAX_METADATA);
    if (json != null) {
      JsonNode node = JsonInput.parseText(json, "metadata");
      if (!node.isObject()) {
        throw ApiException.validation("metadata", "metadata must be a JSON object, got " + JsonInput.kind(node) + ".");
      }
      JsonInput.requireStorable(node, "metadata");
      metadata = new JsonObject(node.toString());
    }
    String branch = single(query, "branch", 200);
    String commit = single(query, "commit", 200);
    if (branch != null || commit != null) {
      JsonObject scm = metadata.getValue("scm") instanceof JsonObject given ? given : new JsonObject();
      if (branch != null) {
        scm.put("branch", branch);
      }
      if (commit != null) {
        scm.put("commit", commit);
      }
      metadata.put("scm", scm);
    }
    String tags = single(query, "tags", 100 * 101);
    if (tags != null) {
      List<String> list = new ArrayList<>();
      for (String tag : tags.split(",")) {
        String trimmed = tag.strip();
        if (trimmed.length() > 100) {
          throw ApiException.validation("tags", "Each tag is at most 100 characters; '" + abbreviate(trimmed)
            + "' is longer.");
        }
        if (!trimmed.isEmpty() && !list.contains(trimmed)) {
          list.add(trimmed);
        }
      }
      if (list.size() > 100) {
        throw ApiException.validation("tags", "tags holds at most 100 tags, got " + list.size() + ".");
      }
      metadata.put("tags", new JsonArray(list));
    }
    return new ImportParams(projectName, single(query, "projectDescription", 2_000),
      single(query, "rootDir", 4_096), metadata);
  }

  /** The parameter's one value (null when absent), at most {@code maxLength} characters of storable text. */
  private static String single(MultiMap query, String name, int maxLength) {
    List<String> values = query.getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw ApiException.validation(name, name + " is given " + values.size() + " times; give it once.");
    }
    String value = values.get(0);
    if (value.codePointCount(0, value.length()) > maxLength) {
      throw ApiException.validation(name, name + " is longer than " + maxLength + " characters.");
    }
    String why = JsonInput.unstorable(value);
    if (why != null) {
      throw ApiException.validation(name, name + " " + why + ".");
    }
    return value;
  }

  private static String abbreviate(String text) {
    String clean = ImportText.clean(text);
    return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
  }
}
