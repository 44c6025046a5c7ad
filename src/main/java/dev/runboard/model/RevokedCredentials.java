package dev.runboard.model;

/**
 * Credentials that stopped being valid: an account's API key ({@code apiKeyId}), its sessions
 * ({@code sessions}: a logout ends them for that browser, and they are the account's only ones), or everything of
 * the account (neither: deleted, or a password reset). Live streams opened with them are ended on every node.
 */
public record RevokedCredentials(long userId, Long apiKeyId, boolean sessions) {
}
