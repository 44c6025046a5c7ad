package dev.runboard.store;

/** The run a request names cannot take it in its state (e.g. a {@code runKey} of a finished run). */
public final class RunConflictException extends RuntimeException {

  public RunConflictException(String message) {
    super(message, null, false, false);
  }
}
