package dev.runboard.store;

/**
 * The file storage cannot be used: at start, a check that stops the node (the message names the storage and what
 * to do); while serving, a store that cannot be reached now (answered 503 with {@code Retry-After}).
 */
public final class StorageUnavailableException extends RuntimeException {

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
