package dev.runboard.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads request bodies strictly: bytes are parsed by Jackson (invalid UTF-8 and duplicate keys are errors, not
 * replaced or merged), and each accessor checks one field, failing with {@code validation_failed} and the
 * field's dotted path. Nothing is read into memory beyond the body the route's limit allowed.
 */
public final class JsonInput {

  private static final ObjectMapper mapper = JsonMapper.builder()
    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
    .build();

  static {
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private JsonInput() {
  }

  /** Parses a body that must be a JSON object; an empty or unparseable body is {@code invalid_json}. */
  public static ObjectNode parseObject(Buffer body) {
    JsonNode node = parse(body == null ? new byte[0] : body.getBytes());
    if (!node.isObject()) {
      throw ApiException.validation(null, "The body must be a JSON object, got " + kind(node) + ".");
    }
    return (ObjectNode) node;
  }

  /** Parses the text of a form field that must hold JSON. */
  public static JsonNode parseText(String text, String field) {
    try {
      return mapper.readTree(text == null ? "" : text);
    } catch (IOException e) {
      throw ApiException.validation(field, field + " is not valid JSON.");
    }
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiException.invalidJson("The body is empty; a JSON object is expected.");
    }
    try {
      JsonNode node = mapper.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw ApiException.invalidJson("The body is empty; a JSON object is expected.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ApiException.invalidJson("The body is not valid JSON (line " + e.getLocation().getLineNr()
        + ", column " + e.getLocation().getColumnNr() + ").");
    } catch (IOException e) {
      throw ApiException.invalidJson("The body is not valid JSON.");
    }
  }

  public static String kind(JsonNode node) {
    if (node == null || node.isNull()) {
      return "null";
    }
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "an array";
    }
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isNumber()) {
      return "a number";
    }
    return node.isBoolean() ? "a boolean" : "a value";
  }

  /** A path for a field of an object at {@code base} ({@code ""} for the body). */
  public static String path(String base, String field) {
    return base.isEmpty() ? field : base + "." + field;
  }

  /** Present and not null. */
  public static boolean has(ObjectNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && !value.isNull();
  }

  public static String string(ObjectNode object, String field, String path, boolean required, int maxLength) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiException.validation(path, path + " is required.");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.validation(path, path + " must be a string, got " + kind(value) + ".");
    }
    String text = value.textValue();
    if (required && text.isEmpty()) {
      throw ApiException.validation(path, path + " must not be empty.");
    }
    if (text.codePointCount(0, text.length()) > maxLength) {
      throw ApiException.validation(path, path + " is longer than " + maxLength + " characters.");
    }
    if (text.indexOf('\0') >= 0) {
      throw ApiException.validation(path, path + " must not contain NUL characters.");
    }
    return text;
  }

  public static String oneOf(ObjectNode object, String field, String path, boolean required, Set<String> allowed) {
    String value = string(object, field, path, required, 64);
    if (value != null && !allowed.contains(value)) {
      throw ApiException.validation(path, path + " must be one of " + String.join(", ", sorted(allowed))
        + ", got '" + value + "'.");
    }
    return value;
  }

  /** An integer in [min, max]; {@code 0} is a value, not an absence. */
  public static Long integer(ObjectNode object, String field, String path, boolean required, long min, long max) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiException.validation(path, path + " is required.");
      }
      return null;
    }
    if (!value.isIntegralNumber() && !(value.isNumber() && value.doubleValue() == Math.rint(value.doubleValue()))) {
      throw ApiException.validation(path, path + " must be an integer, got " + kind(value) + " "
        + abbreviate(value.toString()) + ".");
    }
    if (!value.canConvertToLong() && value.isIntegralNumber()) {
      throw ApiException.validation(path, path + " is out of range.");
    }
    long n = value.asLong();
    if (n < min || n > max) {
      throw ApiException.validation(path, path + " must be between " + min + " and " + max + ", got " + n + ".");
    }
    return n;
  }

  /** A duration in milliseconds: a number {@code >= 0}; a fractional value is rounded to the nearest ms. */
  public static Long duration(ObjectNode object, String field, String path, boolean required) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiException.validation(path, path + " is required.");
      }
      return null;
    }
    if (!value.isNumber()) {
      throw ApiException.validation(path, path + " must be a number of milliseconds, got " + kind(value) + ".");
    }
    double ms = value.doubleValue();
    if (!(ms >= 0) || ms > 1e15) {
      throw ApiException.validation(path, path + " must be a number of milliseconds >= 0, got "
        + abbreviate(value.toString()) + ".");
    }
    return Math.round(ms);
  }

  /** An ISO-8601 time with an offset or {@code Z}, returned in UTC. */
  public static OffsetDateTime time(ObjectNode object, String field, String path, boolean required) {
    String text = string(object, field, path, required, 64);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw ApiException.validation(path, path + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z, got '"
        + abbreviate(text) + "'.");
    }
  }

  public static Boolean bool(ObjectNode object, String field, String path) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isBoolean()) {
      throw ApiException.validation(path, path + " must be true or false, got " + kind(value) + ".");
    }
    return value.booleanValue();
  }

  /** A JSON object whose encoded size is at most {@code maxBytes}. */
  public static JsonObject object(ObjectNode object, String field, String path, int maxBytes) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw ApiException.validation(path, path + " must be a JSON object, got " + kind(value) + ".");
    }
    String encoded = value.toString();
    if (encoded.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw ApiException.validation(path, path + " is larger than " + (maxBytes / 1024) + " KiB.");
    }
    return new JsonObject(encoded);
  }

  /** A JSON array of at most {@code maxItems} items, or null when absent. */
  public static JsonNode array(ObjectNode object, String field, String path, int maxItems) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.validation(path, path + " must be an array, got " + kind(value) + ".");
    }
    if (value.size() > maxItems) {
      throw ApiException.validation(path, path + " has more than " + maxItems + " items.");
    }
    return value;
  }

  /** An array of strings (each 1..maxLength characters). */
  public static List<String> strings(ObjectNode object, String field, String path, int maxItems, int maxLength) {
    JsonNode array = array(object, field, path, maxItems);
    if (array == null) {
      return null;
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      String itemPath = path + "[" + i + "]";
      if (!item.isTextual()) {
        throw ApiException.validation(itemPath, itemPath + " must be a string, got " + kind(item) + ".");
      }
      if (item.textValue().length() > maxLength || item.textValue().indexOf('\0') >= 0) {
        throw ApiException.validation(itemPath, itemPath + " must be a string of at most " + maxLength
          + " characters without NUL.");
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** A JSON array (copied as is) whose encoded size is at most {@code maxBytes}. */
  public static JsonArray rawArray(ObjectNode object, String field, String path, int maxItems, int maxBytes) {
    JsonNode array = array(object, field, path, maxItems);
    if (array == null) {
      return null;
    }
    String encoded = array.toString();
    if (encoded.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw ApiException.validation(path, path + " is larger than " + (maxBytes / 1024) + " KiB.");
    }
    return new JsonArray(encoded);
  }

  public static ObjectNode objectItem(JsonNode item, String path) {
    if (!item.isObject()) {
      throw ApiException.validation(path, path + " must be an object, got " + kind(item) + ".");
    }
    return (ObjectNode) item;
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
