package dev.runboard.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads request bodies strictly and checks them one field at a time, failing with {@code validation_failed} and
 * the field's dotted path ({@code testCases[3].steps[0].title}).
 *
 * <p>Parsing: JSON routes take {@code Content-Type: application/json} (charset utf-8 only), else (a missing
 * header too) 415. The bytes must be strict UTF-8 (a leading UTF-8 byte order mark is skipped; UTF-16 and
 * UTF-32 are refused), keys must not repeat, and the limits below hold; every violation is a 400, never a 500.
 * Strings that reach PostgreSQL must not hold U+0000 (which {@code jsonb} and {@code text} refuse) or an unpaired
 * surrogate (which UTF-8 cannot encode); numbers that are copied must be finite.
 */
public final class JsonInput {

  /** Objects and arrays nest at most this deep (the body itself is level 1). */
  public static final int MAX_DEPTH = 64;
  /** Characters of one number literal. */
  public static final int MAX_NUMBER_LENGTH = 1_000;
  /** Characters of one string value (fields have smaller limits of their own). */
  public static final int MAX_STRING_LENGTH = 20_000_000;
  /** Characters of one object key. */
  public static final int MAX_KEY_LENGTH = 50_000;
  /** Durations are whole milliseconds up to 10^15 (about 31,700 years): exact in JavaScript, in range for times. */
  public static final long MAX_DURATION_MS = 1_000_000_000_000_000L;
  private static final int FIRST_YEAR = 1;
  private static final int LAST_YEAR = 9999;

  private static final ObjectMapper mapper = JsonMapper.builder(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
        .maxNumberLength(MAX_NUMBER_LENGTH).maxStringLength(MAX_STRING_LENGTH).maxNameLength(MAX_KEY_LENGTH).build())
      .build())
    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
    .build();

  private JsonInput() {
  }

  // ----- parsing ----------------------------------------------------------------------------------------------

  /** The body of a JSON route (after its BodyHandler): 415 unless it is JSON, then {@link #parseObject}. */
  public static ObjectNode body(RoutingContext ctx) {
    requireJsonMediaType(ctx.request().getHeader("Content-Type"));
    return parseObject(ctx.body() == null ? null : ctx.body().buffer());
  }

  /**
   * {@code application/json}, with at most a {@code charset=utf-8} parameter of note (others are ignored).
   * Anything else, no header included, is 415 {@code unsupported_media_type}.
   */
  public static void requireJsonMediaType(String contentType) {
    if (contentType == null) {
      throw ApiException.unsupportedMediaType("The body must be JSON: send Content-Type: application/json.");
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase("application/json")) {
      throw ApiException.unsupportedMediaType("The body must be JSON (Content-Type: application/json), got '"
        + abbreviate(contentType) + "'.");
    }
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0 && parts[i].substring(0, eq).trim().equalsIgnoreCase("charset")) {
        String charset = parts[i].substring(eq + 1).trim();
        if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
          charset = charset.substring(1, charset.length() - 1);
        }
        if (!charset.equalsIgnoreCase("utf-8")) {
          throw ApiException.unsupportedMediaType("JSON bodies are UTF-8 only, got charset=" + abbreviate(charset)
            + ".");
        }
      }
    }
  }

  /** Parses a body that must be a JSON object; an empty or unparseable body is {@code invalid_json}. */
  public static ObjectNode parseObject(Buffer body) {
    JsonNode node = parse(body == null ? new byte[0] : body.getBytes());
    if (!node.isObject()) {
      throw ApiException.validation(null, "The body must be a JSON object, got " + kind(node) + ".");
    }
    return (ObjectNode) node;
  }

  /**
   * Parses the text of a form field that must hold JSON (a multipart part already decoded as strict UTF-8).
   * Every problem, also a limit, is {@code validation_failed} naming the field (or the place inside it).
   */
  public static JsonNode parseText(String text, String field) {
    String json = text == null ? "" : text.startsWith("\uFEFF") ? text.substring(1) : text;
    if (json.indexOf('\0') >= 0) {
      throw ApiException.validation(field, field + " is not valid JSON: it holds a NUL character (JSON text must be "
        + "UTF-8, not UTF-16 or UTF-32).");
    }
    JsonParser parser = null;
    try {
      parser = mapper.createParser(json);
      JsonNode node = mapper.readTree(parser);
      if (node == null || node.isMissingNode()) {
        throw ApiException.validation(field, field + " is empty; JSON is expected.");
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw overLimit(e, parser, field);
    } catch (JsonProcessingException e) {
      throw ApiException.validation(field, field + " is not valid JSON" + at(e.getLocation()) + ".");
    } catch (IOException e) {
      throw ApiException.validation(field, field + " is not valid JSON.");
    } finally {
      close(parser);
    }
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiException.invalidJson("The body is empty; a JSON object is expected.");
    }
    requireUtf8(bytes);
    JsonParser parser = null;
    try {
      parser = mapper.createParser(bytes); // skips one leading UTF-8 byte order mark, as RFC 8259 allows
      JsonNode node = mapper.readTree(parser);
      if (node == null || node.isMissingNode()) {
        throw ApiException.invalidJson("The body is empty; a JSON object is expected.");
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw overLimit(e, parser, "");
    } catch (JsonProcessingException e) {
      throw ApiException.invalidJson("The body is not valid JSON" + at(e.getLocation()) + ".");
    } catch (IOException e) {
      throw ApiException.invalidJson("The body is not valid JSON.");
    } finally {
      close(parser);
    }
  }

  /**
   * JSON bodies are UTF-8 (RFC 8259). A NUL byte cannot occur in UTF-8 JSON but fills UTF-16 and UTF-32 text, so
   * it tells those apart from other bad bytes.
   */
  private static void requireUtf8(byte[] bytes) {
    int b0 = bytes[0] & 0xff;
    int b1 = bytes.length > 1 ? bytes[1] & 0xff : -1;
    if ((b0 == 0xfe && b1 == 0xff) || (b0 == 0xff && b1 == 0xfe)) {
      throw ApiException.invalidJson("The body must be UTF-8; it starts with a UTF-16 or UTF-32 byte order mark.");
    }
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        throw ApiException.invalidJson("The body must be UTF-8; byte " + i + " is 0x00 (UTF-16 or UTF-32 text?).");
      }
    }
    int bad = Utf8.firstInvalid(bytes, 0, bytes.length);
    if (bad >= 0) {
      throw ApiException.invalidJson("The body is not valid UTF-8 (byte " + bad + ": 0x"
        + Integer.toHexString(bytes[bad] & 0xff) + ").");
    }
  }

  /** A limit of the parser (depth, number, string or key length) as a 400 naming the place it was hit. */
  private static ApiException overLimit(StreamConstraintsException e, JsonParser parser, String base) {
    JsonStreamContext context = parser == null ? null : parser.getParsingContext();
    String problem = String.valueOf(e.getOriginalMessage());
    String at = pathOf(context, base, !problem.startsWith("Name length"));
    String where = at.isEmpty() ? "The body" : at;
    String message;
    if (problem.contains("nesting depth")) {
      message = where + " is nested deeper than " + MAX_DEPTH + " levels of objects and arrays.";
    } else if (problem.startsWith("Number value length")) {
      message = where + " is a number of more than " + MAX_NUMBER_LENGTH + " characters.";
    } else if (problem.startsWith("String value length")) {
      message = where + " is a string of more than " + MAX_STRING_LENGTH + " characters.";
    } else if (problem.startsWith("Name length")) {
      message = where + " has a key of more than " + MAX_KEY_LENGTH + " characters.";
    } else {
      message = where + " is over a limit of the JSON parser.";
    }
    return ApiException.validation(at.isEmpty() ? null : at, message);
  }

  /** The dotted path of the parser's position ({@code testCases[3].steps}), below {@code base}. */
  private static String pathOf(JsonStreamContext context, String base, boolean withCurrent) {
    Deque<String> segments = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c == context && !withCurrent) {
        continue;
      }
      if (c.inArray()) {
        if (c.hasCurrentIndex()) {
          segments.addFirst("[" + c.getCurrentIndex() + "]");
        }
      } else if (c.getCurrentName() != null) {
        String name = c.getCurrentName();
        segments.addFirst("." + (name.length() > 100 ? name.substring(0, 100) + "…" : name));
      }
    }
    StringBuilder path = new StringBuilder(base);
    for (String segment : segments) {
      path.append(path.length() == 0 && segment.startsWith(".") ? segment.substring(1) : segment);
    }
    return path.toString();
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? ""
      : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  private static void close(JsonParser parser) {
    if (parser != null) {
      try {
        parser.close();
      } catch (IOException ignored) {
        // a parser over memory has nothing to release
      }
    }
  }

  // ----- text and numbers that PostgreSQL can store -----------------------------------------------------------

  /**
   * Why {@code text} cannot be stored as it is, or null: PostgreSQL refuses U+0000 in {@code text} and
   * {@code jsonb}, and an unpaired surrogate is not a character (UTF-8 cannot encode it; it would be altered).
   */
  public static String unstorable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return "must not contain NUL (\\u0000)";
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return "must not contain an unpaired surrogate (\\u" + Integer.toHexString(c)
            + "), which is not a character";
        }
      }
    }
    return null;
  }

  /**
   * Checks a value that is stored as sent (free-form JSON): every string and key must be storable
   * ({@link #unstorable}) and every number finite.
   */
  public static void requireStorable(JsonNode node, String path) {
    if (node.isTextual()) {
      String why = unstorable(node.textValue());
      if (why != null) {
        throw ApiException.validation(path, path + " " + why + ".");
      }
    } else if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String key = field.getKey();
        String why = unstorable(key);
        String keyPath = path(path, escape(key));
        if (why != null) {
          throw ApiException.validation(keyPath, "The key " + keyPath + " " + why + ".");
        }
        requireStorable(field.getValue(), keyPath);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireStorable(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
      throw ApiException.validation(path, path + " is a number out of range (beyond ±1.8e308).");
    }
  }

  /** A key as it appears in a path: NUL, other controls and lone surrogates written as {@code \\uXXXX}. */
  private static String escape(String key) {
    StringBuilder out = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < key.length()
        && Character.isLowSurrogate(key.charAt(i + 1));
      if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !pair)) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
        if (pair) {
          out.append(key.charAt(++i));
        }
      }
    }
    return out.length() > 100 ? out.substring(0, 100) + "…" : out.toString();
  }

  // ----- fields -----------------------------------------------------------------------------------------------

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

  /** A string of at most {@code maxLength} characters; required means present and not empty. */
  public static String string(ObjectNode object, String field, String path, boolean required, int maxLength) {
    String text = text(object, field, path, required, maxLength);
    if (required && text.isEmpty()) {
      throw ApiException.validation(path, path + " must not be empty.");
    }
    return text;
  }

  /** A string of at most {@code maxLength} characters; required means present, and it may be empty. */
  public static String text(ObjectNode object, String field, String path, boolean required, int maxLength) {
    JsonNode value = present(object, field, path, required);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.validation(path, path + " must be a string, got " + kind(value) + ".");
    }
    String text = value.textValue();
    if (text.codePointCount(0, text.length()) > maxLength) {
      throw ApiException.validation(path, path + " is longer than " + maxLength + " characters.");
    }
    String why = unstorable(text);
    if (why != null) {
      throw ApiException.validation(path, path + " " + why + ".");
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

  /**
   * An integer in [min, max]; {@code 0} is a value, not an absence. A number with a zero fraction ({@code 3.0},
   * {@code 3e0}) is that integer; {@code -0} is 0.
   */
  public static Long integer(ObjectNode object, String field, String path, boolean required, long min, long max) {
    JsonNode value = present(object, field, path, required);
    if (value == null) {
      return null;
    }
    if (!value.isNumber()) {
      throw ApiException.validation(path, path + " must be an integer, got " + kind(value) + ".");
    }
    if (value.isIntegralNumber()) {
      if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
        throw outOfRange(path, value, min, max);
      }
      return value.longValue();
    }
    double n = value.doubleValue();
    if (Double.isFinite(n) && n != Math.rint(n)) {
      throw ApiException.validation(path, path + " must be an integer, got " + number(value) + ".");
    }
    if (!(n >= min && n <= max)) {
      throw outOfRange(path, value, min, max);
    }
    return (long) n;
  }

  /**
   * A duration: a number of milliseconds from 0 to {@value #MAX_DURATION_MS}; a fractional value is rounded to
   * the nearest millisecond.
   */
  public static Long duration(ObjectNode object, String field, String path, boolean required) {
    JsonNode value = present(object, field, path, required);
    if (value == null) {
      return null;
    }
    if (!value.isNumber()) {
      throw ApiException.validation(path, path + " must be a number of milliseconds, got " + kind(value) + ".");
    }
    double ms = value.doubleValue();
    if (ms < 0) {
      throw ApiException.validation(path, path + " must be a number of milliseconds >= 0, got " + number(value)
        + ".");
    }
    if (!(Math.round(ms) <= MAX_DURATION_MS)) {
      throw ApiException.validation(path, path + " is out of range: a duration is 0 to " + MAX_DURATION_MS
        + " milliseconds, got " + number(value) + ".");
    }
    return Math.round(ms);
  }

  /** An ISO-8601 time with an offset or {@code Z}, returned in UTC, in the years 0001 to 9999. */
  public static OffsetDateTime time(ObjectNode object, String field, String path, boolean required) {
    String text = string(object, field, path, required, 64);
    if (text == null) {
      return null;
    }
    OffsetDateTime time;
    try {
      time = OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw ApiException.validation(path, path + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z, got '"
        + abbreviate(text) + "'.");
    }
    if (time.getYear() < FIRST_YEAR || time.getYear() > LAST_YEAR) {
      throw ApiException.validation(path, path + " is out of range: a time is between 0001-01-01T00:00:00Z and "
        + "9999-12-31T23:59:59Z, got '" + abbreviate(text) + "'.");
    }
    return time;
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

  /** A JSON object, stored as sent ({@link #requireStorable}), whose encoded size is at most {@code maxBytes}. */
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
    requireStorable(value, path);
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

  /** An array of strings (each at most maxLength characters). */
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
      if (item.textValue().codePointCount(0, item.textValue().length()) > maxLength) {
        throw ApiException.validation(itemPath, itemPath + " is longer than " + maxLength + " characters.");
      }
      String why = unstorable(item.textValue());
      if (why != null) {
        throw ApiException.validation(itemPath, itemPath + " " + why + ".");
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** A JSON array of objects, stored as sent ({@link #requireStorable}), at most {@code maxBytes} encoded. */
  public static JsonArray objectArray(ObjectNode object, String field, String path, int maxItems, int maxBytes) {
    JsonNode array = array(object, field, path, maxItems);
    if (array == null) {
      return null;
    }
    for (int i = 0; i < array.size(); i++) {
      objectItem(array.get(i), path + "[" + i + "]");
    }
    return encodedArray(array, path, maxBytes);
  }

  /** Checks the size of an array about to be stored. */
  public static JsonArray encodedArray(JsonNode array, String path, int maxBytes) {
    String encoded = array.toString();
    if (encoded.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw ApiException.validation(path, path + " is larger than " + (maxBytes / 1024) + " KiB.");
    }
    requireStorable(array, path);
    return new JsonArray(encoded);
  }

  public static ObjectNode objectItem(JsonNode item, String path) {
    if (!item.isObject()) {
      throw ApiException.validation(path, path + " must be an object, got " + kind(item) + ".");
    }
    return (ObjectNode) item;
  }

  /** The field's value, or null when absent or null (then 400 if it is required). */
  private static JsonNode present(ObjectNode object, String field, String path, boolean required) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw ApiException.validation(path, path + " is required.");
      }
      return null;
    }
    return value;
  }

  private static ApiException outOfRange(String path, JsonNode value, long min, long max) {
    return ApiException.validation(path, path + " is out of range: it must be between " + min + " and " + max
      + ", got " + number(value) + ".");
  }

  /** A number as it can be shown in a message. */
  private static String number(JsonNode value) {
    if (value.isFloatingPointNumber() && !Double.isFinite(value.doubleValue())) {
      return "a number beyond ±1.8e308";
    }
    return abbreviate(value.toString());
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
