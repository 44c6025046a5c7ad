package dev.runboard.store;

import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A test's identity inside a project: file (relative, {@code /} separators), title path and Playwright project,
 * plus the variant that tells apart same-identity tests of one-shot reporters (0 otherwise).
 */
public record TestKey(String file, List<String> titlePath, String playwrightProject, int variant) {

  /** SHA-256 of the identity (not the variant), unambiguous whatever the titles contain. */
  public byte[] identityHash() {
    String canonical = new JsonArray().add(file).add(new JsonArray(List.copyOf(titlePath))).add(playwrightProject)
      .encode();
    try {
      return MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String title() {
    return titlePath.isEmpty() ? "" : titlePath.get(titlePath.size() - 1);
  }

  public TestKey withVariant(int variant) {
    return new TestKey(file, titlePath, playwrightProject, variant);
  }
}
