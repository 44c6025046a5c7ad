package dev.runboard.webhooks;

import dev.runboard.web.ApiException;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * A webhook's URL: absolute http or https, a host, no credentials or fragment, at most {@value #MAX_LENGTH}
 * characters. Unless private addresses are allowed, a host that is itself such an address (a literal IP, or
 * {@code localhost}) is refused at once; names are checked again, after resolving them, at every delivery.
 */
record WebhookUrl(URI uri, String host, int port, boolean https) {

  static final int MAX_LENGTH = 2048;

  /** Checks {@code text} as the field {@code field}; 400 naming it when it is not a usable webhook URL. */
  static WebhookUrl check(String text, String field, boolean allowPrivate) {
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      throw invalid(field, "must be 1 to " + MAX_LENGTH + " characters");
    }
    if (text.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      throw invalid(field, "must not contain spaces or control characters");
    }
    WebhookUrl url;
    try {
      url = parse(text);
    } catch (IllegalArgumentException e) {
      throw invalid(field, e.getMessage());
    }
    if (!allowPrivate) {
      String why = url.privateHost();
      if (why != null) {
        throw invalid(field, "points to " + why + "; this server does not send webhooks there "
          + "(webhooks.allowPrivate is off)");
      }
    }
    return url;
  }

  /** Parses a URL already checked when it was stored (or fails with the reason). */
  static WebhookUrl parse(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("must be an http:// or https:// URL");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("must name a host (letters, digits, '-' and '.', or an IP address)");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("must not carry credentials (user:password@); use the secret to "
        + "authenticate deliveries");
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException("must not have a fragment (#…)");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65_535) {
      throw new IllegalArgumentException("must have a port from 1 to 65535");
    }
    boolean https = scheme.equals("https");
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new WebhookUrl(uri, host, uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort(), https);
  }

  /** The path and query to request. */
  String target() {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /** Why the host itself, without resolving it, is a forbidden address; null when it is a name or allowed. */
  private String privateHost() {
    String name = host.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return "localhost, a loopback name";
    }
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
    if (literal == null) {
      return null;
    }
    try {
      String why = AddressPolicy.forbidden(InetAddress.getByAddress(literal));
      return why == null ? null : host + ", " + why;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static ApiException invalid(String field, String reason) {
    return ApiException.validation(field, field + " " + reason + ".");
  }
}
