package dev.runboard.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Lexical limits on an XML byte stream, checked as the parser reads it, so that nothing hostile is buffered
 * first: a tag (with its attributes), a comment or a processing instruction is at most {@code maxMarkup} bytes,
 * and a document type declaration ({@code <!DOCTYPE …}) or any other {@code <!…} declaration ends the read at
 * once (no DTD, hence no entity of any kind, ever reaches the parser). Text and CDATA are not limited here: the
 * parser hands them over in chunks.
 *
 * <p>It works on bytes, which is right for UTF-8 and every other ASCII-compatible encoding: there the markup
 * characters {@code < > " ' ! ? - ]} are single bytes that never occur inside a multi-byte character. UTF-16 and
 * UTF-32 documents are refused before parsing ({@link #asciiCompatible}).
 */
final class XmlGuard extends FilterInputStream {

  /** Why the guard stopped the read: thrown to the parser, and kept for the caller ({@link #refusal()}). */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  private enum State { TEXT, OPEN, BANG, TAG, QUOTED, COMMENT, CDATA, PI }

  private static final byte[] COMMENT_START = {'-', '-'};
  private static final byte[] CDATA_START = {'[', 'C', 'D', 'A', 'T', 'A', '['};

  private final long maxMarkup;
  private State state = State.TEXT;
  private long position;
  private long markupStart;
  private int bangLength;
  private byte quote;
  /** The last two bytes seen, for the ends of comments ({@code -->}), CDATA ({@code ]]>}) and PIs ({@code ?>}). */
  private int last;
  private int beforeLast;
  private Refused refusal;

  XmlGuard(InputStream in, long maxMarkup) {
    super(in);
    this.maxMarkup = maxMarkup;
  }

  /** False for bytes that start like UTF-16 or UTF-32 text (a byte order mark, or NUL bytes around the first '<'). */
  static boolean asciiCompatible(byte[] bytes) {
    if (bytes.length >= 2) {
      int b0 = bytes[0] & 0xff;
      int b1 = bytes[1] & 0xff;
      if ((b0 == 0xfe && b1 == 0xff) || (b0 == 0xff && b1 == 0xfe) || b0 == 0 || b1 == 0) {
        return false;
      }
    }
    return true;
  }

  /** The limit that stopped the read, or null. */
  Refused refusal() {
    return refusal;
  }

  @Override
  public int read() throws IOException {
    if (refusal != null) {
      throw refusal;
    }
    int b = super.read();
    if (b >= 0) {
      scan((byte) b);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (refusal != null) {
      throw refusal;
    }
    int n = super.read(buffer, offset, length);
    for (int i = 0; i < n; i++) {
      scan(buffer[offset + i]);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] sink = new byte[(int) Math.min(n, 8192)];
    int read = read(sink, 0, sink.length);
    return Math.max(read, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void scan(byte b) throws Refused {
    switch (state) {
      case TEXT -> {
        if (b == '<') {
          state = State.OPEN;
          markupStart = position;
        }
      }
      case OPEN -> {
        if (b == '!') {
          state = State.BANG;
          bangLength = 0;
        } else if (b == '?') {
          state = State.PI;
        } else {
          state = b == '>' ? State.TEXT : State.TAG;
        }
      }
      case BANG -> {
        boolean comment = bangLength < COMMENT_START.length && COMMENT_START[bangLength] == b;
        boolean cdata = bangLength < CDATA_START.length && CDATA_START[bangLength] == b;
        bangLength++;
        if (comment && bangLength == COMMENT_START.length) {
          state = State.COMMENT;
        } else if (cdata && bangLength == CDATA_START.length) {
          state = State.CDATA;
        } else if (!comment && !cdata) {
          throw refuse("a document type declaration (DTD) or other <! declaration at byte " + markupStart
            + ": DTDs and entities are not accepted");
        }
      }
      case TAG -> {
        if (b == '"' || b == '\'') {
          state = State.QUOTED;
          quote = b;
        } else if (b == '>') {
          state = State.TEXT;
        }
      }
      case QUOTED -> {
        if (b == quote) {
          state = State.TAG;
        }
      }
      case COMMENT -> {
        if (b == '>' && last == '-' && beforeLast == '-') {
          state = State.TEXT;
        }
      }
      case CDATA -> {
        if (b == '>' && last == ']' && beforeLast == ']') {
          state = State.TEXT;
        }
      }
      case PI -> {
        if (b == '>' && last == '?') {
          state = State.TEXT;
        }
      }
      default -> throw new IllegalStateException(state.name());
    }
    if (state != State.TEXT && state != State.CDATA && position - markupStart >= maxMarkup) {
      throw refuse("a tag, comment or processing instruction at byte " + markupStart + " is longer than "
        + maxMarkup + " bytes (an attribute value over the limit?)");
    }
    beforeLast = last;
    last = b;
    position++;
  }

  private Refused refuse(String message) {
    refusal = new Refused(message);
    return refusal;
  }
}
