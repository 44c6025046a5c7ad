package dev.runboard.web;

/**
 * Strict UTF-8 (RFC 3629): no overlong forms, no encoded surrogates, nothing above U+10FFFF, no truncated or
 * stray continuation bytes. Jackson's own decoder lets overlong forms through ({@code C0 AF} becomes {@code /}),
 * so bodies are checked here before it sees them.
 */
final class Utf8 {

  private Utf8() {
  }

  /** The offset of the first byte that does not start a well-formed sequence, or -1 when all are well formed. */
  static int firstInvalid(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      int b = bytes[i] & 0xff;
      if (b < 0x80) {
        i++;
        continue;
      }
      int length;
      int min2 = 0x80;
      int max2 = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) {
        length = 2;
      } else if (b >= 0xe0 && b <= 0xef) {
        length = 3;
        if (b == 0xe0) {
          min2 = 0xa0; // overlong below U+0800
        } else if (b == 0xed) {
          max2 = 0x9f; // U+D800..U+DFFF are surrogates, not characters
        }
      } else if (b >= 0xf0 && b <= 0xf4) {
        length = 4;
        if (b == 0xf0) {
          min2 = 0x90; // overlong below U+10000
        } else if (b == 0xf4) {
          max2 = 0x8f; // above U+10FFFF
        }
      } else {
        return i; // a continuation byte, an overlong lead (C0, C1) or F5..FF
      }
      if (i + length > to) {
        return i;
      }
      int second = bytes[i + 1] & 0xff;
      if (second < min2 || second > max2) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        int next = bytes[i + k] & 0xff;
        if (next < 0x80 || next > 0xbf) {
          return i;
        }
      }
      i += length;
    }
    return -1;
  }
}
