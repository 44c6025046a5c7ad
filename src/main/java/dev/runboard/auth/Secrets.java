package dev.runboard.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random secrets (API keys, session ids, stream tokens) and their stored form. Secrets carry 256 random bits, so
 * a plain SHA-256 is a safe stored form and lets the database find them by equality.
 */
public final class Secrets {

  private static final SecureRandom random = new SecureRandom();

  private Secrets() {
  }

  /** {@code prefix} + 43 URL-safe characters (256 random bits). */
  public static String newSecret(String prefix) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  public static boolean matches(String secret, byte[] storedHash) {
    return storedHash != null && MessageDigest.isEqual(hash(secret), storedHash);
  }
}
