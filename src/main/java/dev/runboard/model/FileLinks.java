package dev.runboard.model;

/**
 * Gives a file the URL a client fetches it from: absolute, on the files origin, with a signed capability that
 * expires. The one implementation belongs to the read API.
 */
public interface FileLinks {

  /** A signed URL and when it stops working. */
  record Link(String url, String expiresAt) {
  }

  /** The file with its {@code url} and {@code expiresAt} set. */
  RunFile link(RunFile file);

  /**
   * The signed URL of a trace viewer's folder ({@code <files origin>/v/<capability>/<id>/}); links that only sign
   * files (in tests) have none.
   */
  default Link traceViewer(long viewerId) {
    throw new UnsupportedOperationException("these links do not sign trace viewers");
  }

  /**
   * The links for a client whose request reached this node with {@code scheme} and {@code Host} header
   * {@code host} (either may be null): when no files origin is configured, files are served on the host the client
   * used, at the files port. Links of the same origin are equal.
   */
  default FileLinks forClient(String scheme, String host) {
    return this;
  }
}
