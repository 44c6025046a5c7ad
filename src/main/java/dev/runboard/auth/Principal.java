package dev.runboard.auth;

/**
 * Who is calling: the account and how it authenticated ({@code apiKeyId} for a key, {@code viaSession} for a
 * session cookie; neither for anonymous read access, where {@code userId} is 0).
 */
public record Principal(long userId, String username, Role role, Long apiKeyId, boolean viaSession) {

  static Principal anonymousViewer() {
    return new Principal(0, "anonymous", Role.VIEWER, null, false);
  }

  public boolean anonymous() {
    return userId == 0;
  }
}
