package dev.runboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a keyset-paged list: {@code {"<name>": [...], "nextCursor": "…" | null}}. Queries fetch one row
 * more than the page size; if it came, the page is full and the cursor is the last item's sort key.
 */
final class Page {

  private Page() {
  }

  static JsonObject of(String name, List<JsonObject> fetched, int limit, Function<JsonObject, String> cursorOf) {
    boolean more = fetched.size() > limit;
    List<JsonObject> items = more ? fetched.subList(0, limit) : fetched;
    return new JsonObject()
      .put(name, new JsonArray(List.copyOf(items)))
      .put("nextCursor", more ? cursorOf.apply(items.get(items.size() - 1)) : null);
  }
}
