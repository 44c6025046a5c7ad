package dev.runboard.api;

import java.util.Locale;

/** LIKE patterns made from what a user typed: {@code %}, {@code _} and the escape character match themselves. */
final class Like {

  private Like() {
  }

  /** A pattern matching any text that contains {@code text}, lower-cased (for lower-cased columns). */
  static String contains(String text) {
    return "%" + escape(text.toLowerCase(Locale.ROOT)) + "%";
  }

  /** {@code text} with LIKE's wildcards and its default escape character (backslash) escaped. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' || c == '_' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
