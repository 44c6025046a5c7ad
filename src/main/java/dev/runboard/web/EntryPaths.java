package dev.runboard.web;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The path of a file inside a stored report, as it comes in a URL: percent-decoded as UTF-8 and checked to stay
 * inside the report. A path that does not decode or that leaves the report is 400 {@code validation_failed}
 * naming {@code path}.
 */
public final class EntryPaths {

  private EntryPaths() {
  }

  /** A URL path as the entry name it encodes: percent-escapes decoded as UTF-8 (a malformed one is 400). */
  public static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
      if (lo < 0) {
        throw ApiException.validation("path", "The path has a malformed percent-escape.");
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw ApiException.validation("path", "The path's percent-escapes are not UTF-8.");
    }
  }

  /** A decoded path inside a report as a relative path: no {@code ..}, backslash, NUL or absolute path (400). */
  public static String relative(String path) {
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0 || path.startsWith("/")
      || path.matches("^[A-Za-z]:.*")) {
      throw ApiException.validation("path", "The path must be a plain relative path inside the report.");
    }
    for (String segment : path.split("/")) {
      if (segment.equals("..")) {
        throw ApiException.validation("path", "The path leaves the report's folder.");
      }
    }
    return path;
  }
}
