package dev.runboard.webhooks;

/**
 * When a failed delivery is tried again: {@code webhooks.retryDelay} after the first attempt, doubling with each
 * further attempt, never more than {@code webhooks.maxRetryDelay} apart (30 s, 1 m, 2 m, … 1 h by default). The
 * store gives up once the next try would fall beyond {@code webhooks.retryFor}.
 */
record Backoff(long firstDelayMs, long maxDelayMs) {

  /** The wait after failed attempt number {@code attempt} (1 for the first). */
  long delayMs(int attempt) {
    long delay = firstDelayMs;
    for (int i = 1; i < attempt && delay < maxDelayMs; i++) {
      delay = delay > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : delay * 2;
    }
    return Math.min(delay, maxDelayMs);
  }
}
