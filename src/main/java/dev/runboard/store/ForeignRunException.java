package dev.runboard.store;

/** A repeated start named a run that another account started: it may not take that run over. */
public final class ForeignRunException extends RuntimeException {

  public ForeignRunException(String message) {
    super(message, null, false, false);
  }
}
