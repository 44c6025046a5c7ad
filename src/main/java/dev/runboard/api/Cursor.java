package dev.runboard.api;

import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Opaque keyset cursors: base64url (no padding) of the JSON array of the last row's sort key. Clients pass
 * {@code nextCursor} back unchanged; a cursor that does not decode to the endpoint's key shape is a 400 naming
 * {@code cursor}.
 */
final class Cursor {

  static final String PARAM = "cursor";
  private static final int MAX_LENGTH = 1_024;

  /** The kinds of value a sort key holds. */
  enum Part { LONG, TEXT }

  private Cursor() {
  }

  static String encode(Object... key) {
    return Base64.getUrlEncoder().withoutPadding()
      .encodeToString(new JsonArray(List.of(key)).encode().getBytes(StandardCharsets.UTF_8));
  }

  /** The key in {@code text} (null: first page), checked against {@code shape}. */
  static List<Object> decode(String text, Part... shape) {
    if (text == null) {
      return null;
    }
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      throw invalid();
    }
    JsonArray key;
    try {
      key = new JsonArray(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      throw invalid();
    }
    if (key.size() != shape.length) {
      throw invalid();
    }
    List<Object> values = new ArrayList<>(shape.length);
    for (int i = 0; i < shape.length; i++) {
      Object value = key.getValue(i);
      switch (shape[i]) {
        case LONG -> {
          if (!(value instanceof Integer || value instanceof Long)) {
            throw invalid();
          }
          values.add(((Number) value).longValue());
        }
        case TEXT -> {
          if (!(value instanceof String string) || JsonInput.unstorable(string) != null) {
            throw invalid();
          }
          values.add(value);
        }
      }
    }
    return values;
  }

  private static ApiException invalid() {
    return ApiException.validation(PARAM, "cursor is not a cursor this list handed out (pass nextCursor unchanged).");
  }
}
