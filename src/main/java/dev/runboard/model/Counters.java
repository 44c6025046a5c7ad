package dev.runboard.model;

/**
 * A run's counters, computed by the server from stored attempts: {@code total} tests with an attempt; tests by
 * their final attempt's status ({@code passed} includes flaky ones); {@code flaky}; stored {@code attempts};
 * {@code expectedTests} as announced by {@code start} (null if not).
 */
public record Counters(int total, int passed, int failed, int timedOut, int skipped, int interrupted, int flaky,
                       int attempts, Integer expectedTests) {
}
