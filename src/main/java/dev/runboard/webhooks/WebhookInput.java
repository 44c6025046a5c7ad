package dev.runboard.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The bodies of creating ({@code POST}) and changing ({@code PATCH}) a webhook, checked one field at a time (400
 * {@code validation_failed} naming the field). Fields: {@code url}, {@code events}, {@code format}
 * ({@code generic}, {@code slack}, {@code teams}), {@code secret} (16 to 200 characters; generated when absent),
 * {@code enabled}, {@code name}; a change may also ask for {@code rotateSecret}.
 */
final class WebhookInput {

  static final Set<String> FORMATS = Set.of("generic", "slack", "teams");
  static final int MIN_SECRET = 16;
  static final int MAX_SECRET = 200;
  private static final Set<String> CREATE_FIELDS = Set.of("url", "events", "format", "secret", "enabled", "name");
  private static final Set<String> UPDATE_FIELDS = Set.of("url", "events", "format", "secret", "rotateSecret",
    "enabled", "name");

  private WebhookInput() {
  }

  /** A new webhook; {@code secret} null means "generate one". */
  record Create(String url, List<String> events, String format, String secret, boolean enabled, String name) {
  }

  /**
   * A change: null fields stay as they are; {@code setName} says whether {@code name} is given (null clears it);
   * {@code rotateSecret} asks for a new generated secret.
   */
  record Update(String url, List<String> events, String format, String secret, boolean rotateSecret,
                Boolean enabled, boolean setName, String name) {
  }

  static Create create(ObjectNode body, boolean allowPrivate) {
    onlyFields(body, CREATE_FIELDS);
    String url = url(body, true, allowPrivate);
    List<String> events = events(body, true);
    String format = JsonInput.oneOf(body, "format", "format", false, FORMATS);
    Boolean enabled = JsonInput.bool(body, "enabled", "enabled");
    return new Create(url, events, format == null ? "generic" : format, secret(body), enabled == null || enabled,
      name(body));
  }

  static Update update(ObjectNode body, boolean allowPrivate) {
    onlyFields(body, UPDATE_FIELDS);
    if (body.isEmpty()) {
      throw ApiException.validation(null, "Name at least one of " + String.join(", ", sorted(UPDATE_FIELDS)) + ".");
    }
    String url = url(body, false, allowPrivate);
    List<String> events = events(body, false);
    String format = JsonInput.oneOf(body, "format", "format", false, FORMATS);
    String secret = secret(body);
    Boolean rotate = JsonInput.bool(body, "rotateSecret", "rotateSecret");
    if (secret != null && Boolean.TRUE.equals(rotate)) {
      throw ApiException.validation("rotateSecret", "Give a secret or rotateSecret, not both.");
    }
    return new Update(url, events, format, secret, Boolean.TRUE.equals(rotate),
      JsonInput.bool(body, "enabled", "enabled"), body.has("name"), name(body));
  }

  private static void onlyFields(ObjectNode body, Set<String> allowed) {
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.validation(name, "Unknown field '" + (name.length() > 40 ? name.substring(0, 40) + "…"
          : name) + "'; a webhook takes " + String.join(", ", sorted(allowed)) + ".");
      }
    }
  }

  private static String url(ObjectNode body, boolean required, boolean allowPrivate) {
    String text = JsonInput.string(body, "url", "url", required, WebhookUrl.MAX_LENGTH);
    if (text == null) {
      return null;
    }
    WebhookUrl.check(text, "url", allowPrivate);
    return text;
  }

  private static List<String> events(ObjectNode body, boolean required) {
    if (required && !JsonInput.has(body, "events")) {
      throw ApiException.validation("events", "events is required: one or more of "
        + String.join(", ", WebhookEvent.SUBSCRIBABLE) + ".");
    }
    List<String> events = JsonInput.strings(body, "events", "events", WebhookEvent.SUBSCRIBABLE.size() + 1, 64);
    if (events == null) {
      return null;
    }
    if (events.isEmpty()) {
      throw ApiException.validation("events", "events must name at least one event.");
    }
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      String event = events.get(i);
      String path = "events[" + i + "]";
      if (!WebhookEvent.SUBSCRIBABLE.contains(event)) {
        throw ApiException.validation(path, path + " must be one of " + String.join(", ", WebhookEvent.SUBSCRIBABLE)
          + ", got '" + (event.length() > 40 ? event.substring(0, 40) + "…" : event) + "'.");
      }
      if (seen.contains(event)) {
        throw ApiException.validation(path, path + " repeats '" + event + "'.");
      }
      seen.add(event);
    }
    // Stored in the API's order, whatever order they came in.
    return WebhookEvent.SUBSCRIBABLE.stream().filter(seen::contains).toList();
  }

  private static String secret(ObjectNode body) {
    String secret = JsonInput.text(body, "secret", "secret", false, MAX_SECRET);
    if (secret != null && (secret.length() < MIN_SECRET || secret.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
      throw ApiException.validation("secret", "secret must be " + MIN_SECRET + " to " + MAX_SECRET
        + " printable ASCII characters without spaces; leave it out to have one generated.");
    }
    return secret;
  }

  private static String name(ObjectNode body) {
    String name = JsonInput.string(body, "name", "name", false, 100);
    if (name != null && (name.isBlank() || !name.equals(name.strip())
      || name.chars().anyMatch(Character::isISOControl))) {
      throw ApiException.validation("name", "name must not be blank, start or end with spaces, or contain control "
        + "characters.");
    }
    return name;
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().toList();
  }
}
