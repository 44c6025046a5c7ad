package dev.runboard.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What makes two failures "the same failure": an error's message with everything that changes from run to run
 * taken out, plus the frame of the test's own file where it happened. The Playwright matcher or action
 * ({@code expect(locator).toHaveText}, {@code page.goto}) and the selector ({@code Locator: getByRole('button')})
 * are kept; ANSI colours, the call log, expected/received values, quoted values, numbers, ids (UUIDs, hex hashes),
 * ports, temporary paths and timings are not.
 *
 * @param signature the normalised message (shown as the group's title)
 * @param frame     {@code <file>:<line>} of the first stack frame in the test's file, or null
 * @param hash      16 hex characters of SHA-256 over signature and frame: the fingerprint
 */
public record ErrorFingerprint(String signature, String frame, String hash) {

  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");
  private static final Pattern UUID = Pattern.compile(
    "\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b");
  private static final Pattern HEX = Pattern.compile("\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b");
  private static final Pattern TEMP_PATH = Pattern.compile(
    "(?:/tmp|/var/folders|/private/var|[A-Za-z]:\\\\Users\\\\[^\\\\\\s]+\\\\AppData\\\\Local\\\\Temp)[^\\s'\"`)]*");
  private static final Pattern PORT = Pattern.compile("(?<=[A-Za-z0-9\\]]):\\d{2,5}\\b");
  private static final Pattern DURATION = Pattern.compile("\\b\\d+(?:\\.\\d+)?\\s?(?:ms|s|m|seconds?|minutes?)\\b");
  private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z_])-?\\d+(?:\\.\\d+)?");
  private static final Pattern CODE_FRAME = Pattern.compile("^\\s*>?\\s*\\d+ \\|.*|^\\s+\\|.*");
  private static final Pattern SPACES = Pattern.compile("[ \\t]+");
  private static final Pattern VALUE_LINE = Pattern.compile(
    "^\\s*(Expected|Received|Expected pattern|Expected substring|Expected string|Received string|Expected value"
      + "|Received value|Expected length|Received length|Timeout)\\b[^:]*:.*");
  private static final Pattern SELECTOR_LINE = Pattern.compile("^\\s*Locator:\\s*(.*)$");
  private static final Pattern FRAME = Pattern.compile("\\(?((?:[A-Za-z]:)?[^\\s()]+?):(\\d+)(?::\\d+)?\\)?\\s*$");
  private static final int MAX_LINES = 6;
  private static final int MAX_SIGNATURE = 500;

  /**
   * The fingerprint of an error.
   *
   * @param message      the error's message (may hold ANSI escapes), or null
   * @param stack        its stack, or null
   * @param locationFile the file of the error's location (Playwright's {@code error.location}), or null
   * @param locationLine its line, or null
   * @param testFile     the test's file as stored (relative, {@code /} separators), to find the test's own frame
   */
  public static ErrorFingerprint of(String message, String stack, String locationFile, Integer locationLine,
                                    String testFile) {
    String text = message != null && !message.isBlank() ? message : firstLine(stack);
    String signature = signature(text == null ? "" : text);
    String frame = frame(stack, testFile);
    if (frame == null) {
      frame = frame(message, testFile); // Playwright's messages often end with the stack
    }
    if (frame == null && locationFile != null && locationLine != null && sameFile(locationFile, testFile)) {
      frame = testFile + ":" + locationLine;
    }
    return new ErrorFingerprint(signature, frame, sha256(signature + "\n" + (frame == null ? "" : frame)));
  }

  static String signature(String message) {
    String plain = ANSI.matcher(message).replaceAll("").replace("\r", "");
    List<String> kept = new ArrayList<>();
    for (String line : plain.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("Call log:") || trimmed.startsWith("=====") || trimmed.startsWith("at ")
        || CODE_FRAME.matcher(line).matches()) {
        break; // the call log (retries, counts, DOM snapshots), the code frame and the stack follow the message
      }
      if (trimmed.isEmpty()) {
        continue;
      }
      Matcher selector = SELECTOR_LINE.matcher(trimmed);
      if (selector.matches()) {
        kept.add("Locator: " + SPACES.matcher(selector.group(1)).replaceAll(" "));
      } else if (VALUE_LINE.matcher(trimmed).matches()) {
        kept.add(trimmed.substring(0, trimmed.indexOf(':') + 1) + " …");
      } else {
        kept.add(normalise(trimmed));
      }
      if (kept.size() == MAX_LINES) {
        break;
      }
    }
    String signature = String.join("\n", kept);
    return signature.length() > MAX_SIGNATURE ? signature.substring(0, MAX_SIGNATURE) : signature;
  }

  /** A message line without what varies; an action's or matcher's name and a selector in it are kept. */
  private static String normalise(String line) {
    // The selector of an action's error ("locator.click: … getByRole('button')") is what identifies it: keep
    // locator expressions, replace other quoted values.
    StringBuilder out = new StringBuilder();
    Matcher quoted = QUOTED.matcher(line);
    int last = 0;
    while (quoted.find()) {
      out.append(normaliseBare(line.substring(last, quoted.start())));
      boolean inSelector = isSelectorContext(line, quoted.start());
      out.append(inSelector ? quoted.group() : "\"…\"");
      last = quoted.end();
    }
    out.append(normaliseBare(line.substring(last)));
    return SPACES.matcher(out.toString()).replaceAll(" ").strip();
  }

  private static boolean isSelectorContext(String line, int at) {
    String before = line.substring(Math.max(0, at - 40), at);
    return before.matches("(?s).*(getBy\\w+|locator|frameLocator|filter|has(Text|Not)?|name:|\\$\\$?|waitForSelector)"
      + "\\s*\\(?\\s*[{,]?\\s*(name:\\s*)?$");
  }

  private static String normaliseBare(String text) {
    String s = UUID.matcher(text).replaceAll("<id>");
    s = TEMP_PATH.matcher(s).replaceAll("<tmp>");
    s = PORT.matcher(s).replaceAll(":<port>");
    s = DURATION.matcher(s).replaceAll("<time>");
    s = HEX.matcher(s).replaceAll("<hex>");
    return NUMBER.matcher(s).replaceAll("<n>");
  }

  /** {@code <file>:<line>} of the first stack frame in the test's own file (paths compared by their ending). */
  static String frame(String stack, String testFile) {
    if (stack == null || testFile == null || testFile.isEmpty()) {
      return null;
    }
    String file = testFile.replace('\\', '/');
    for (String line : ANSI.matcher(stack).replaceAll("").split("\n")) {
      String trimmed = line.strip();
      if (!trimmed.startsWith("at ")) {
        continue;
      }
      Matcher m = FRAME.matcher(trimmed);
      if (m.find()) {
        String path = m.group(1).replace('\\', '/');
        if (path.startsWith("file://")) {
          path = path.substring("file://".length());
        }
        if (sameFile(path, file)) {
          return file + ":" + m.group(2);
        }
      }
    }
    return null;
  }

  private static boolean sameFile(String path, String testFile) {
    if (testFile == null || testFile.isEmpty()) {
      return false;
    }
    String p = path.replace('\\', '/');
    String f = testFile.replace('\\', '/');
    return p.equals(f) || p.endsWith("/" + f);
  }

  private static String firstLine(String text) {
    if (text == null) {
      return null;
    }
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
