package dev.runboard.store;

/**
 * Who starts or submits a run: the account, the API key it used (null for a session), and whether it is an
 * administrator (who may resume any account's run by its runKey).
 */
public record Starter(long userId, Long apiKeyId, boolean administrator) {
}
