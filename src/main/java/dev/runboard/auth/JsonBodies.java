package dev.runboard.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;

/** Reading the small JSON bodies of the auth routes: the protocol's invalid_json / validation_failed / 415. */
final class JsonBodies {

  private JsonBodies() {
  }

  /**
   * The body as a JSON object, read like every JSON body ({@link JsonInput#body}: 415, strict UTF-8, limits);
   * a JSON array or scalar is a validation failure, unparseable text invalid JSON. No string or key in it may
   * hold NUL or an unpaired surrogate: auth bodies are small and their strings end up in queries.
   */
  static JsonObject object(RoutingContext ctx) {
    ObjectNode body = JsonInput.body(ctx);
    JsonInput.requireStorable(body, "");
    return new JsonObject(body.toString());
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
