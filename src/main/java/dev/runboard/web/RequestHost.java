package dev.runboard.web;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host name a client used to reach this node, from its {@code Host} header: where the dashboard and the files
 * origin are when no public URL is configured. Anything that is not a plain host name or bracketed IPv6 address,
 * with an optional port, is ignored.
 */
public final class RequestHost {

  private static final Pattern HOST = Pattern.compile("([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]{2,45}\\])"
    + "(?::\\d{1,5})?");

  private RequestHost() {
  }

  /** The header's host name in lower case (an IPv6 address in brackets), without the port; null when unusable. */
  public static String hostname(String hostHeader) {
    if (hostHeader == null) {
      return null;
    }
    Matcher m = HOST.matcher(hostHeader.trim());
    return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
  }

  /** {@code scheme://host:port} with the scheme's default port left out. */
  public static String origin(String scheme, String hostname, int port) {
    boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    return scheme + "://" + hostname + (defaultPort ? "" : ":" + port);
  }
}
