package dev.runboard.auth;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The cross-site rule for browsers: a mutation carrying an {@code Origin} header must come from the server's own
 * origin ({@code http.publicUrl}, or else the scheme of the request and its {@code Host}). Requests without
 * {@code Origin} (CLI tools, reporters) are not browsers' cross-site requests and pass.
 */
final class Origins {

  private Origins() {
  }

  static boolean mutating(HttpMethod method) {
    return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH
      || method == HttpMethod.DELETE;
  }

  /** True when the request names an Origin that is not the server's. */
  static boolean foreign(HttpServerRequest request, String publicUrl) {
    String origin = request.getHeader("Origin");
    if (origin == null) {
      return false;
    }
    String own = publicUrl == null || publicUrl.isEmpty()
      ? ownFromHost(request) : normalise(publicUrl);
    String theirs = normalise(origin.trim());
    return own == null || !own.equals(theirs);
  }

  private static String ownFromHost(HttpServerRequest request) {
    String host = request.getHeader("Host");
    if (host == null || host.isBlank()) {
      return null;
    }
    return normalise(request.scheme() + "://" + host.trim());
  }

  /** {@code scheme://host[:port]} in lower case, without the scheme's default port; null when not an origin. */
  static String normalise(String text) {
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme();
      String host = uri.getHost();
      if (scheme == null || host == null) {
        return null;
      }
      scheme = scheme.toLowerCase(Locale.ROOT);
      int port = uri.getPort();
      boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
