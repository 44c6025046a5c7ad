package dev.runboard.auth;

import dev.runboard.web.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.Set;

/** Reading the small JSON bodies of the auth routes: the protocol's invalid_json / validation_failed / 415. */
final class JsonBodies {

  private JsonBodies() {
  }

  /** The body as a JSON object; a JSON array or scalar is a validation failure, unparseable text invalid JSON. */
  static JsonObject object(RoutingContext ctx) {
    Buffer buffer = ctx.body() == null ? null : ctx.body().buffer();
    String contentType = ctx.request().getHeader("Content-Type");
    if (buffer != null && buffer.length() > 0 && contentType != null && !isJson(contentType)) {
      throw new ApiException(415, "unsupported_media_type", "The body must be JSON (Content-Type: application/json).",
        null);
    }
    if (buffer == null || buffer.length() == 0) {
      throw ApiException.invalidJson("The body must be a JSON object, got an empty body.");
    }
    Object value;
    try {
      value = Json.decodeValue(buffer);
    } catch (DecodeException e) {
      throw ApiException.invalidJson("The body is not valid JSON.");
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw ApiException.validation(null, "The body must be a JSON object.");
  }

  private static boolean isJson(String contentType) {
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || type.endsWith("+json");
  }

  /** Refuses fields the route does not know, so that a typo does not pass silently. */
  static void onlyFields(JsonObject body, Set<String> known) {
    for (String name : body.fieldNames()) {
      if (!known.contains(name)) {
        throw ApiException.validation(name, "Unknown field '" + name + "'; expected one of " + known + ".");
      }
    }
  }

  static String requiredString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      throw ApiException.validation(field, field + " is required.");
    }
    if (!(value instanceof String text)) {
      throw ApiException.validation(field, field + " must be a string.");
    }
    return text;
  }

  static String optionalString(JsonObject body, String field) {
    return body.getValue(field) == null ? null : requiredString(body, field);
  }

  static Long optionalId(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() > 0) {
      return ((Number) value).longValue();
    }
    throw ApiException.validation(field, field + " must be a positive integer id.");
  }

  static Integer optionalInt(JsonObject body, String field, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= min
      && ((Number) value).longValue() <= max) {
      return ((Number) value).intValue();
    }
    throw ApiException.validation(field, field + " must be an integer from " + min + " to " + max + ".");
  }

  /** 1 to 100 characters, no control characters, no surrounding spaces. */
  static String username(JsonObject body, String field) {
    String name = requiredString(body, field);
    if (name.isEmpty() || name.length() > 100 || !name.strip().equals(name)
      || name.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.validation(field, field + " must be 1 to 100 characters, without control characters or "
        + "surrounding spaces.");
    }
    return name;
  }

  static String newPassword(JsonObject body, String field, int minLength) {
    String password = requiredString(body, field);
    if (password.length() < minLength || password.length() > Passwords.MAX_LENGTH) {
      throw ApiException.validation(field, field + " must have " + minLength + " to " + Passwords.MAX_LENGTH
        + " characters.");
    }
    return password;
  }

  static Role role(JsonObject body, String field) {
    Role role = Role.fromWire(requiredString(body, field));
    if (role == null) {
      throw ApiException.validation(field, field + " must be one of viewer, reporter, administrator.");
    }
    return role;
  }
}
