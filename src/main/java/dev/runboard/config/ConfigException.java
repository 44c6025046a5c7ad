package dev.runboard.config;

/** A configuration value that Runboard cannot start with; the message names the key and where it came from. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
