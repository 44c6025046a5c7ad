package dev.runboard.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The error texts are real: Playwright 1.65 with Chromium wrote them (fixtures/playwright-errors.json). */
@DisplayName("Failures are fingerprinted by what identifies them, not by what changes from run to run")
class ErrorFingerprintTest {

  private static final List<JsonObject> errors = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = ErrorFingerprintTest.class.getResourceAsStream("/fixtures/playwright-errors.json")) {
      new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8)).forEach(e -> errors.add((JsonObject) e));
    }
  }

  private static JsonObject error(String title, String startsWith) {
    return errors.stream().filter(e -> e.getString("title").equals(title)
      && e.getString("message").contains(startsWith)).findFirst().orElseThrow();
  }

  private static ErrorFingerprint of(JsonObject error) {
    JsonObject location = error.getJsonObject("location");
    return ErrorFingerprint.of(error.getString("message"), error.getString("stack"),
      location == null ? null : location.getString("file"), location == null ? null : location.getInteger("line"),
      "tests/errors.spec.js");
  }

  @Test
  @DisplayName("toHaveText: matcher and selector kept; values, timeout and call log dropped; the test's frame added")
  void toHaveText() {
    ErrorFingerprint one = of(error("toHaveText", "toHaveText"));
    ErrorFingerprint other = of(error("toHaveText other run", "toHaveText"));
    assertThat(one.signature()).isEqualTo("""
      Error: expect(locator).toHaveText(expected) failed
      Locator: getByRole('button')
      Expected: …
      Received: …
      Timeout: …""");
    assertThat(other.signature()).as("another text, another timeout").isEqualTo(one.signature());
    assertThat(one.frame()).isEqualTo("tests/errors.spec.js:4");
    assertThat(other.hash()).as("another line of the test file: another failure").isNotEqualTo(one.hash());

    // The same test failing in another run with other values is the same failure.
    String again = error("toHaveText", "toHaveText").getString("message").replace("\"add\"", "\"3 items\"")
      .replace("500ms", "5000ms").replace("3 ×", "9 ×");
    assertThat(ErrorFingerprint.of(again, error("toHaveText", "toHaveText").getString("stack"), null, null,
      "tests/errors.spec.js")
      .hash()).isEqualTo(one.hash());
  }

  @Test
  @DisplayName("toBeVisible keeps its locator; a different selector is a different failure")
  void toBeVisible() {
    ErrorFingerprint visible = of(error("toBeVisible", "toBeVisible"));
    assertThat(visible.signature()).startsWith("Error: expect(locator).toBeVisible() failed\nLocator: locator('#checkout')");
    String otherSelector = error("toBeVisible", "toBeVisible").getString("message").replace("#checkout", "#cart");
    assertThat(ErrorFingerprint.of(otherSelector, null, null, null, "tests/errors.spec.js").signature())
      .isNotEqualTo(visible.signature());
  }

  @Test
  @DisplayName("navigation errors: hosts' numbers and ports do not split a group")
  void navigation() {
    ErrorFingerprint nine = of(error("navigation refused", "page.goto"));
    ErrorFingerprint seven = of(error("navigation refused other port", "page.goto"));
    assertThat(nine.signature()).isEqualTo(seven.signature())
      .startsWith("Error: page.goto: net::ERR_UNSAFE_PORT at http://");
    assertThat(nine.signature()).doesNotContain(":9/");
    String refused = "Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:3000/checkout\nCall log:\n"
      + "  - navigating to \"http://localhost:3000/checkout\", waiting until \"load\"";
    String refusedElsewhere = refused.replace("3000", "41234");
    assertThat(ErrorFingerprint.of(refused, null, null, null, null).hash())
      .isEqualTo(ErrorFingerprint.of(refusedElsewhere, null, null, null, null).hash());
  }

  @Test
  @DisplayName("strict-mode violations keep the action and the selector")
  void strictMode() {
    ErrorFingerprint strict = of(error("strict mode", "strict mode"));
    assertThat(strict.signature()).startsWith(
      "Error: locator.click: Error: strict mode violation: getByRole('button') resolved to <n> elements:");
  }

  @Test
  @DisplayName("timeouts: the test timeout's duration is not part of the failure")
  void timeouts() {
    ErrorFingerprint test = of(error("timeout", "Test timeout of 1000ms"));
    ErrorFingerprint other = of(error("toHaveText other run", "Test timeout of 3000ms"));
    assertThat(test.signature()).isEqualTo("Test timeout of <time> exceeded.").isEqualTo(other.signature());
    ErrorFingerprint action = of(error("timeout", "locator.click"));
    assertThat(action.signature()).isEqualTo("Error: locator.click: Test timeout of <time> exceeded.");
    assertThat(action.frame()).isEqualTo("tests/errors.spec.js:27");
  }

  @Test
  @DisplayName("soft assertions: each failed expect is its own error, told apart by its line")
  void softAssertions() {
    List<ErrorFingerprint> soft = errors.stream().filter(e -> e.getString("title").equals("soft assertions"))
      .map(ErrorFingerprintTest::of).toList();
    assertThat(soft).hasSize(2);
    assertThat(soft.get(0).signature()).isEqualTo(soft.get(1).signature())
      .startsWith("Error: expect(received).toBe(expected) // Object.is equality\nExpected: …\nReceived: …");
    assertThat(soft.get(0).hash()).isNotEqualTo(soft.get(1).hash());
  }

  @Test
  @DisplayName("ids, hashes, temporary paths and numbers are replaced; a custom message is kept")
  void dynamicValues() {
    String a = "Error: order 7f3c9b1e-2d4a-4c6b-9e8f-0a1b2c3d4e5f not found in /tmp/pw-artifacts-81xk/state.json "
      + "after 12 tries (sha 9f86d081884c)";
    String b = "Error: order 0b2e4c6a-8d1f-4e3b-a5c7-9e0d1f2a3b4c not found in /tmp/pw-artifacts-77aa/state.json "
      + "after 3 tries (sha 1a2b3c4d5e6f)";
    assertThat(ErrorFingerprint.of(a, null, null, null, null).signature())
      .isEqualTo("Error: order <id> not found in <tmp> after <n> tries (sha <hex>)")
      .isEqualTo(ErrorFingerprint.of(b, null, null, null, null).signature());
    assertThat(of(error("toBe", "the answer")).signature()).startsWith("Error: the answer\n"
      + "expect(received).toBe(expected) // Object.is equality");
    assertThat(ErrorFingerprint.of(null, null, null, null, null).hash()).hasSize(16);
  }
}
