package dev.runboard.ingest;

import dev.runboard.model.AttemptStatus;
import dev.runboard.model.RunStatus;
import dev.runboard.store.NewAttempt;
import dev.runboard.store.TestKey;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a JUnit XML report (Maven Surefire, jest-junit, pytest {@code --junitxml}, Playwright's {@code junit}
 * reporter, …) into an {@link ImportedRun}: one test per {@code <testcase>}, one attempt per run of it.
 *
 * <p>Safety: the parser never sees a DTD ({@link XmlGuard} stops the read at {@code <!DOCTYPE}; the parser is also
 * set up without DTD support, external entities or external access), so no entity is expanded and no file or URL
 * is opened. Elements nest at most {@value #MAX_DEPTH} deep, a document has at most {@value #MAX_ELEMENTS}
 * elements, a tag with its attributes is at most {@value #MAX_MARKUP} bytes, and text (also CDATA) is handed over
 * in chunks, of which only what is stored is kept (64 KiB per error text).
 *
 * <p>Mapping: {@code <failure>} or {@code <error>} → {@code failed}, {@code <skipped>} → {@code skipped}, else
 * {@code passed}; {@code time} (seconds) → milliseconds. Surefire's rerun elements (also written by Playwright's
 * junit reporter with {@code includeRetries}) are attempts of their own: {@code <flakyFailure>}/{@code
 * <flakyError>} are failed attempts before the test case's own (passing) one, {@code <rerunFailure>}/{@code
 * <rerunError>} failed attempts after its own failure. Test identity: see {@link #identity}.
 */
final class JunitXml {

  static final String FORMAT = "junit";
  static final int MAX_DEPTH = 64;
  static final int MAX_ELEMENTS = 1_000_000;
  static final int MAX_MARKUP = 1024 * 1024;
  /** Characters of {@code <system-out>} searched for {@code [[ATTACHMENT|path]]} lines, per test case or rerun. */
  private static final int MAX_OUTPUT = 64 * 1024;
  /** Playwright's junit reporter names each {@code <testsuite>} after a test file. */
  private static final Pattern SCRIPT_FILE = Pattern.compile("\\.[cm]?[jt]sx?$");
  private static final Pattern ATTACHMENT = Pattern.compile("\\[\\[ATTACHMENT\\|([^\\]\\r\\n]+)]]");
  private static final String PLAYWRIGHT_SEPARATOR = " \u203A ";

  private final String rootDir;
  private final Deque<String> open = new ArrayDeque<>();
  /** Per open element: whether it opened a {@link Suite} (a {@code <testsuite>} where suites may be). */
  private final Deque<Boolean> opensSuite = new ArrayDeque<>();
  private final Deque<Suite> suites = new ArrayDeque<>();
  private final List<List<NewAttempt>> tests = new ArrayList<>();
  private final JsonObject reportedCounts = new JsonObject();
  /** The counts the root element gives itself. */
  private final java.util.Set<String> rootCounts = new java.util.HashSet<>();
  private XMLStreamReader xml;
  private int attemptCount;
  private int topLevelSuites;
  private Long rootTimeMs;
  private long suiteTimesMs;
  private OffsetDateTime firstTimestamp;
  private boolean playwrightDialect;
  private Case current;
  private Rerun rerun;
  private StringBuilder capture;
  private int captureLimit;
  private String propertyName;

  private JunitXml(String rootDir) {
    this.rootDir = rootDir;
  }

  /** Reads {@code body}; throws {@link ApiException} (400 {@code invalid_xml} or {@code validation_failed}, 413). */
  static ImportedRun read(byte[] body, String rootDir) {
    if (!XmlGuard.asciiCompatible(body)) {
      throw ApiException.validation(null, "The XML must be UTF-8 (or another ASCII-compatible encoding); it looks "
        + "like UTF-16 or UTF-32.");
    }
    XmlGuard guard = new XmlGuard(new ByteArrayInputStream(body), MAX_MARKUP);
    XMLStreamReader xml = null;
    try {
      xml = factory().createXMLStreamReader(guard);
      return new JunitXml(rootDir).parse(xml);
    } catch (XMLStreamException e) {
      if (guard.refusal() != null) {
        throw ApiException.validation(null, "The XML is refused: " + guard.refusal().getMessage() + ".");
      }
      throw new ApiException(400, "invalid_xml", "The body is not well-formed XML" + at(e.getLocation()) + ": "
        + parserMessage(e) + ".", null);
    } finally {
      if (xml != null) {
        try {
          xml.close();
        } catch (XMLStreamException ignored) {
          // nothing to release: the input is in memory
        }
      }
    }
  }

  /** A StAX factory without DTDs, external entities or external access; CDATA handed over in chunks. */
  private static XMLInputFactory factory() {
    XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    factory.setProperty(XMLInputFactory.IS_COALESCING, false);
    factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    factory.setXMLResolver((publicId, systemId, base, namespace) -> {
      throw new XMLStreamException("external resources are not accepted (" + systemId + ")");
    });
    factory.setProperty("jdk.xml.cdataChunkSize", 8192);
    return factory;
  }

  // ----- the document -----------------------------------------------------------------------------------------

  private ImportedRun parse(XMLStreamReader reader) throws XMLStreamException {
    xml = reader;
    long elements = 0;
    while (xml.hasNext()) {
      int event = xml.next();
      switch (event) {
        case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE, XMLStreamConstants.ENTITY_DECLARATION ->
          throw refused("a document type declaration (DTD) or entity" + here() + ": DTDs and entities are not "
            + "accepted");
        case XMLStreamConstants.START_ELEMENT -> {
          if (open.size() + 1 > MAX_DEPTH) {
            throw refused("elements nest deeper than " + MAX_DEPTH + " levels" + here());
          }
          if (++elements > MAX_ELEMENTS) {
            throw refused("it has more than " + MAX_ELEMENTS + " elements");
          }
          int before = suites.size();
          start(xml.getLocalName());
          open.push(xml.getLocalName());
          opensSuite.push(suites.size() > before);
        }
        case XMLStreamConstants.END_ELEMENT -> {
          open.pop();
          if (opensSuite.pop()) {
            suites.pop();
          }
          end(xml.getLocalName());
        }
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          if (capture != null && capture.length() < captureLimit) {
            int length = Math.min(xml.getTextLength(), captureLimit - capture.length());
            capture.append(xml.getTextCharacters(), xml.getTextStart(), length);
          }
        }
        default -> {
          // comments, processing instructions, document start and end
        }
      }
    }
    if (tests.isEmpty() && topLevelSuites == 0) {
      throw ApiException.validation(null, "The JUnit XML has no <testsuite>: nothing to import.");
    }
    long durationMs = rootTimeMs != null ? rootTimeMs : suiteTimesMs;
    RunStatus status = ImportText.anyUnexpected(tests) ? RunStatus.FAILED : RunStatus.PASSED;
    List<NewAttempt> attempts = new ArrayList<>(attemptCount);
    tests.forEach(attempts::addAll);
    JsonObject importFacts = new JsonObject().put("format", FORMAT);
    if (playwrightDialect) {
      importFacts.put("dialect", "playwright");
    }
    return new ImportedRun(FORMAT, firstTimestamp, durationMs, status, attempts,
      reportedCounts.isEmpty() ? null : reportedCounts, null, new JsonObject().put("import", importFacts));
  }

  private void start(String name) {
    String parent = open.peek();
    if (parent == null) {
      if (!name.equals("testsuites") && !name.equals("testsuite")) {
        throw ApiException.validation(null, "Expected JUnit XML: a <testsuites> or <testsuite> root element, got <"
          + abbreviate(name) + ">.");
      }
      for (String count : List.of("tests", "failures", "errors", "skipped")) {
        Long value = count(attribute(count));
        if (value != null) {
          reportedCounts.put(count, value);
          rootCounts.add(count);
        }
      }
      rootTimeMs = seconds("time", name.equals("testsuites") ? "testsuites.time" : "testsuite.time");
    }
    switch (name) {
      case "testsuite" -> {
        if (parent == null || parent.equals("testsuites") || parent.equals("testsuite")) {
          startSuite(parent == null);
        }
      }
      case "testcase" -> {
        if ("testsuite".equals(parent) && opensSuite.peek()) {
          startCase();
        }
      }
      case "failure", "error", "skipped" -> {
        if (current != null && "testcase".equals(parent) && current.outcome == null) {
          current.outcome = name;
          current.message = attribute("message");
          current.type = attribute("type");
          capture(MAX_OUTPUT);
        }
      }
      case "flakyFailure", "flakyError", "rerunFailure", "rerunError" -> {
        if (current != null && "testcase".equals(parent)) {
          rerun = new Rerun(name.startsWith("flaky"), attribute("message"), attribute("type"),
            seconds("time", current.path + "." + name + ".time"));
        }
      }
      case "stackTrace" -> {
        if (rerun != null && isRerun(parent)) {
          capture(ImportText.MAX_ERROR);
        }
      }
      case "system-out" -> {
        if ((current != null && "testcase".equals(parent)) || (rerun != null && isRerun(parent))) {
          capture(MAX_OUTPUT);
        }
      }
      case "property" -> {
        if (current != null && "properties".equals(parent) && current.annotations.size() < ImportText.MAX_ITEMS) {
          propertyName = attribute("name");
          String value = attribute("value");
          if (value != null || propertyName == null) {
            addProperty(propertyName, value);
            propertyName = null;
          } else {
            capture(ImportText.MAX_DESCRIPTION);
          }
        }
      }
      default -> {
        // other elements (properties of suites, system-err, …) are read past
      }
    }
  }

  private void end(String name) {
    switch (name) {
      case "testcase" -> {
        if (current != null && "testsuite".equals(open.peek())) {
          finishCase();
        }
      }
      case "failure", "error", "skipped" -> {
        if (current != null && "testcase".equals(open.peek()) && capture != null && name.equals(current.outcome)
          && current.text == null) {
          current.text = endCapture();
        }
      }
      case "stackTrace" -> {
        if (rerun != null && capture != null) {
          rerun.stack = endCapture();
        }
      }
      case "system-out" -> {
        if (capture != null) {
          String output = endCapture();
          if (rerun != null && isRerun(open.peek())) {
            rerun.output.append(output);
          } else if (current != null) {
            current.output.append(output);
          }
        }
      }
      case "flakyFailure", "flakyError", "rerunFailure", "rerunError" -> {
        if (rerun != null && "testcase".equals(open.peek())) {
          (rerun.flaky ? current.flaky : current.reruns).add(rerun);
          rerun = null;
        }
      }
      case "property" -> {
        if (propertyName != null && capture != null) {
          addProperty(propertyName, endCapture());
          propertyName = null;
        }
      }
      default -> {
      }
    }
  }

  // ----- suites and cases -------------------------------------------------------------------------------------

  /** An open {@code <testsuite>}: what its test cases need, and how many children it has had (for paths). */
  private static final class Suite {
    final String path;
    final String name;
    final String hostname;
    int suites;
    int cases;

    Suite(String path, String name, String hostname) {
      this.path = path;
      this.name = name;
      this.hostname = hostname;
    }
  }

  /** A {@code <testcase>} being read. */
  private static final class Case {
    final String path;
    final TestKey key;
    final Integer line;
    final Long timeMs;
    final JsonArray annotations = new JsonArray();
    final List<Rerun> flaky = new ArrayList<>();
    final List<Rerun> reruns = new ArrayList<>();
    final StringBuilder output = new StringBuilder();
    String outcome;
    String message;
    String type;
    String text;

    Case(String path, TestKey key, Integer line, Long timeMs) {
      this.path = path;
      this.key = key;
      this.line = line;
      this.timeMs = timeMs;
    }
  }

  /** A Surefire rerun element: an extra attempt of the test case. */
  private static final class Rerun {
    final boolean flaky;
    final String message;
    final String type;
    final Long timeMs;
    final StringBuilder output = new StringBuilder();
    String stack;

    Rerun(boolean flaky, String message, String type, Long timeMs) {
      this.flaky = flaky;
      this.message = message;
      this.type = type;
      this.timeMs = timeMs;
    }
  }

  private void startSuite(boolean root) {
    Suite parent = suites.peek();
    String path = root ? "testsuite" : parent == null ? "testsuite[" + topLevelSuites + "]"
      : parent.path + ".testsuite[" + parent.suites + "]";
    if (parent == null) {
      topLevelSuites++;
      if (!root) {
        sumCounts();
      }
      if (!root) {
        Long time = seconds("time", path + ".time");
        suiteTimesMs += time == null ? 0 : time;
      }
    } else {
      parent.suites++;
    }
    OffsetDateTime timestamp = timestamp(attribute("timestamp"));
    if (timestamp != null && (firstTimestamp == null || timestamp.isBefore(firstTimestamp))) {
      firstTimestamp = timestamp;
    }
    suites.push(new Suite(path, attribute("name"), attribute("hostname")));
  }

  /** Counts the root {@code <testsuites>} does not give are the sums of its suites' (pytest writes them there). */
  private void sumCounts() {
    for (String count : List.of("tests", "failures", "errors", "skipped")) {
      Long value = count(attribute(count));
      if (value != null && !rootCounts.contains(count)) {
        reportedCounts.put(count, reportedCounts.getLong(count, 0L) + value);
      }
    }
  }

  private void startCase() {
    Suite suite = suites.peek();
    String path = suite.path + ".testcase[" + suite.cases++ + "]";
    String name = attribute("name");
    if (name == null) {
      throw ApiException.validation(path + ".name", path + ".name is required" + here() + ".");
    }
    current = new Case(path, identity(suite, name, attribute("classname"), attribute("file")),
      integer(attribute("line"), path + ".line"), seconds("time", path + ".time"));
  }

  /**
   * A test case's identity. Playwright's junit reporter names each suite after a test file, each case's classname
   * after the same file, puts the Playwright project in the suite's {@code hostname} and joins the title path
   * with {@code " › "}: such a case gets Playwright's identity. Any other case is {@code (file, [name], "")}, where
   * file is its {@code file} attribute (pytest's xunit1, jest-junit's {@code addFileAttribute}; made relative to
   * {@code rootDir}), else its classname (the Java class, the Python module), else the suite's name; a case with
   * both a file and a classname of its own gets the title path {@code [classname, name]}.
   */
  private TestKey identity(Suite suite, String name, String classname, String file) {
    if (suite.hostname != null && suite.name != null && suite.name.equals(classname)
      && SCRIPT_FILE.matcher(suite.name).find()) {
      playwrightDialect = true;
      String prefix = "[" + suite.hostname + "] ";
      String titles = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
      return new TestKey(ImportText.relativeFile(rootDir, classname),
        ImportText.titlePath(Arrays.asList(titles.split(PLAYWRIGHT_SEPARATOR, -1))), ImportText.title(suite.hostname), 0);
    }
    boolean hasClass = classname != null && !classname.isEmpty() && !classname.equals(name);
    String testFile;
    List<String> titles;
    if (file != null && !file.isEmpty()) {
      testFile = ImportText.relativeFile(rootDir, file);
      titles = hasClass && !classname.equals(file) ? List.of(classname, name) : List.of(name);
    } else {
      testFile = hasClass ? classname : suite.name != null && !suite.name.isEmpty() ? suite.name
        : classname != null && !classname.isEmpty() ? classname : "unknown";
      titles = List.of(name);
    }
    return new TestKey(ImportText.title(testFile), ImportText.titlePath(titles), "", 0);
  }

  private void finishCase() {
    Case c = current;
    current = null;
    int total = c.flaky.size() + 1 + c.reruns.size();
    attemptCount += total;
    if (attemptCount > IngestValidator.MAX_SUBMIT_ENTRIES) {
      throw ApiException.tooLarge("An import holds at most " + IngestValidator.MAX_SUBMIT_ENTRIES + " attempts.");
    }
    boolean skipped = "skipped".equals(c.outcome);
    if (skipped && c.annotations.stream().noneMatch(a -> "skip".equals(((JsonObject) a).getString("type")))) {
      String reason = c.message != null && !c.message.isEmpty() ? c.message : c.text == null ? null : c.text.strip();
      c.annotations.add(ImportText.annotation("skip", reason));
    }
    JsonArray annotations = ImportText.orNull(c.annotations);
    List<NewAttempt> attempts = new ArrayList<>(total);
    for (Rerun r : c.flaky) {
      attempts.add(rerunAttempt(c, r, attempts.size(), annotations));
    }
    AttemptStatus status = c.outcome == null ? AttemptStatus.PASSED
      : skipped ? AttemptStatus.SKIPPED : AttemptStatus.FAILED;
    boolean failed = status == AttemptStatus.FAILED;
    attempts.add(attempt(c, attempts.size(), status, skipped ? AttemptStatus.SKIPPED : AttemptStatus.PASSED,
      c.timeMs, failed ? errorMessage(c.message, c.type, c.text, c.outcome) : null, failed ? stack(c.text) : null,
      annotations, attachments(c.output)));
    for (Rerun r : c.reruns) {
      attempts.add(rerunAttempt(c, r, attempts.size(), annotations));
    }
    tests.add(attempts);
  }

  private NewAttempt rerunAttempt(Case c, Rerun r, int retry, JsonArray annotations) {
    return attempt(c, retry, AttemptStatus.FAILED, AttemptStatus.PASSED, r.timeMs,
      errorMessage(r.message, r.type, r.stack, "failure"), stack(r.stack), annotations, attachments(r.output));
  }

  private static NewAttempt attempt(Case c, int retry, AttemptStatus status, AttemptStatus expected, Long timeMs,
                                    String message, String stack, JsonArray annotations, JsonArray attachments) {
    return new NewAttempt(c.key, retry, status, expected, timeMs == null ? 0 : timeMs, c.line, null, message, stack,
      null, null, annotations, attachments, null);
  }

  /** The element's message, else the first line of its text, else its type, else what it is. */
  private static String errorMessage(String message, String type, String text, String element) {
    if (message != null && !message.isBlank()) {
      return ImportText.limited(message, ImportText.MAX_ERROR);
    }
    String firstLine = text == null ? "" : text.strip().lines().findFirst().orElse("").strip();
    if (!firstLine.isEmpty()) {
      return ImportText.limited(firstLine, ImportText.MAX_ERROR);
    }
    return ImportText.limited(type != null && !type.isBlank() ? type : element, ImportText.MAX_ERROR);
  }

  /** An element's text without the blank lines around it; null when blank. */
  private static String stack(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String trimmed = text.stripTrailing();
    int start = 0;
    while (start < trimmed.length() && (trimmed.charAt(start) == '\n' || trimmed.charAt(start) == '\r')) {
      start++;
    }
    return ImportText.limited(trimmed.substring(start), ImportText.MAX_ERROR);
  }

  /** {@code [[ATTACHMENT|path]]} lines (Jenkins' convention, which Playwright's junit reporter writes). */
  private static JsonArray attachments(CharSequence output) {
    JsonArray attachments = new JsonArray();
    Matcher m = ATTACHMENT.matcher(output);
    while (m.find() && attachments.size() < ImportText.MAX_ITEMS) {
      String path = m.group(1).strip().replace('\\', '/');
      String name = path.substring(path.lastIndexOf('/') + 1);
      attachments.add(ImportText.attachment(name, ImportText.contentTypeOf(name)));
    }
    return ImportText.orNull(attachments);
  }

  private void addProperty(String name, String value) {
    if (name != null && !name.isEmpty() && current.annotations.size() < ImportText.MAX_ITEMS) {
      current.annotations.add(ImportText.annotation(name, value));
    }
  }

  private static boolean isRerun(String element) {
    return element != null && (element.startsWith("flaky") || element.startsWith("rerun"));
  }

  // ----- values -----------------------------------------------------------------------------------------------

  private void capture(int limit) {
    capture = new StringBuilder();
    captureLimit = limit;
  }

  private String endCapture() {
    String text = capture.toString();
    capture = null;
    return text;
  }

  private String attribute(String name) {
    return xml.getAttributeValue(null, name);
  }

  /** {@code time} in seconds (a decimal; thousands separators ignored), as milliseconds; absent or empty: null. */
  private Long seconds(String attribute, String path) {
    String value = attribute(attribute);
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      BigDecimal seconds = new BigDecimal(value.strip().replace(",", ""));
      if (seconds.signum() >= 0) {
        BigDecimal ms = seconds.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP);
        if (ms.compareTo(BigDecimal.valueOf(JsonInput.MAX_DURATION_MS)) <= 0) {
          return ms.longValueExact();
        }
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // refused below
    }
    throw ApiException.validation(path, path + " must be a number of seconds from 0 to " + JsonInput.MAX_DURATION_MS
      / 1000 + ", got '" + abbreviate(value) + "'" + here() + ".");
  }

  private Integer integer(String value, String path) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.validation(path, path + " must be a whole number >= 0, got '" + abbreviate(value) + "'"
      + here() + ".");
  }

  /** A count of the report's own summary; anything that is not a whole number is left out. */
  private static Long count(String value) {
    try {
      return value == null ? null : Long.valueOf(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** ISO-8601 with an offset, or without one (then UTC, as jest-junit and pytest write local times); else null. */
  private static OffsetDateTime timestamp(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value.strip()).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(value.strip()).atOffset(ZoneOffset.UTC);
      } catch (DateTimeParseException ignored) {
        return null;
      }
    }
  }

  private ApiException refused(String why) {
    return ApiException.validation(null, "The XML is refused: " + why + ".");
  }

  private String here() {
    return at(xml == null ? null : xml.getLocation());
  }

  private static String at(Location location) {
    return location == null || location.getLineNumber() < 1 ? ""
      : " (line " + location.getLineNumber() + ", column " + location.getColumnNumber() + ")";
  }

  /** The parser's own words, without its "ParseError at [row,col]" prefix. */
  private static String parserMessage(XMLStreamException e) {
    String message = String.valueOf(e.getMessage());
    int at = message.indexOf("Message: ");
    String text = at >= 0 ? message.substring(at + "Message: ".length()) : message;
    text = text.strip();
    if (text.endsWith(".")) {
      text = text.substring(0, text.length() - 1);
    }
    return abbreviate(text);
  }

  private static String abbreviate(String text) {
    String clean = ImportText.clean(text);
    return clean.length() > 200 ? clean.substring(0, 200) + "…" : clean;
  }
}
