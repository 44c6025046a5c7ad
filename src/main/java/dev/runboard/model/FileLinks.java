package dev.runboard.model;

/** Gives a file the URL a client fetches it from. The one implementation belongs to the read API. */
@FunctionalInterface
public interface FileLinks {

  /** The file with its {@code url} set. */
  RunFile link(RunFile file);
}
