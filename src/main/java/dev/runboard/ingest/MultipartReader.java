package dev.runboard.ingest;

import dev.runboard.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code multipart/form-data} request body as it arrives, chunked or not: file parts are streamed to
 * files in a temporary folder (with back-pressure: the request is paused while the disk lags), text fields are
 * kept in memory up to a limit each. The whole body is limited while it is read (413 as soon as it passes the
 * limit, with or without {@code Content-Length}). Each file part's SHA-256 is computed on the way (uploads are
 * idempotent by content).
 *
 * <p>Vert.x's own form decoding is not used: it caps text fields at {@code HttpServerOptions
 * .maxFormAttributeSize} (8 KiB), far below the {@code testCases} JSON that one-shot reporters send.
 */
final class MultipartReader {

  static final int MAX_PARTS = 10_000;
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final int MAX_NAME_LENGTH = 200;

  /** A file part, written to {@code path}, with the SHA-256 of its bytes (computed as they streamed to disk). */
  record FilePart(String field, String fileName, String contentType, Path path, long size, byte[] sha256) {
  }

  /** The parts of a form, by field name (each name at most once). */
  record Form(Map<String, String> fields, Map<String, FilePart> files) {
  }

  private enum State { PREAMBLE, AFTER_DELIMITER, HEADERS, BODY, DONE }

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final Path dir;
  private final long maxBytes;
  private final int maxFieldBytes;
  /** Parts read as text fields even when sent as files ({@code curl -F testRun=@testRun.json}). */
  private final Set<String> textParts;
  private final byte[] delimiter;
  private final Promise<Form> promise = Promise.promise();
  private final Map<String, String> fields = new LinkedHashMap<>();
  private final Map<String, FilePart> files = new LinkedHashMap<>();

  private byte[] buf = new byte[64 * 1024];
  private int start;
  private int end;
  private long received;
  private State state = State.PREAMBLE;
  private boolean ended;
  private boolean waiting;
  private boolean writeBlocked;
  private boolean paused;
  private boolean pumping;
  private boolean again;
  private RuntimeException failure;
  private int parts;

  private String partName;
  private String partFileName;
  private String partContentType;
  private ByteArrayOutputStream partText;
  private AsyncFile partFile;
  private Path partPath;
  private long partSize;
  private MessageDigest partDigest;

  private MultipartReader(Vertx vertx, HttpServerRequest request, Path dir, long maxBytes, int maxFieldBytes,
                          Set<String> textParts, String boundary) {
    this.vertx = vertx;
    this.textParts = textParts;
    this.request = request;
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.maxFieldBytes = maxFieldBytes;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    // The first boundary has no CRLF before it: start with one so that every delimiter looks the same.
    buf[0] = '\r';
    buf[1] = '\n';
    end = 2;
  }

  /**
   * Reads the request's body into {@code dir} (created here; the caller deletes it on every outcome). Fails with
   * 415 (not multipart), 413 (over {@code maxBytes}, too many parts), or 400 (malformed, a text field over
   * {@code maxFieldBytes}, a field sent twice). The future completes only once no file is open any more.
   */
  static Future<Form> read(Vertx vertx, HttpServerRequest request, Path dir, long maxBytes, int maxFieldBytes,
                           Set<String> textParts) {
    String boundary;
    try {
      boundary = boundary(request.getHeader("Content-Type"));
      String length = request.getHeader("Content-Length");
      if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19
        && Long.parseLong(length) > maxBytes) {
        throw ApiException.tooLarge("An upload is at most " + maxBytes + " bytes.");
      }
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    MultipartReader reader = new MultipartReader(vertx, request, dir, maxBytes, maxFieldBytes, textParts, boundary);
    request.pause();
    reader.paused = true;
    request.handler(reader::onData);
    request.endHandler(v -> reader.onEnd());
    request.exceptionHandler(e -> reader.fail(new IllegalStateException("The upload was interrupted: " + e, e)));
    reader.waiting = true;
    vertx.fileSystem().mkdirs(dir.toString()).onComplete(made -> {
      reader.waiting = false;
      if (made.failed()) {
        reader.fail(new IllegalStateException("Cannot create " + dir, made.cause()));
      }
      reader.pump();
    });
    return reader.promise.future();
  }

  private static String boundary(String contentType) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      throw new ApiException(415, "unsupported_media_type", "An upload must be multipart/form-data.", null);
    }
    String boundary = parameter(contentType, "boundary");
    if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
      throw ApiException.validation(null, "The multipart/form-data Content-Type has no valid boundary.");
    }
    return boundary;
  }

  // ----- input ------------------------------------------------------------------------------------------------

  private void onData(Buffer data) {
    if (failure != null || state == State.DONE) {
      return; // the rest of a refused body (or the epilogue) is read and dropped
    }
    received += data.length();
    if (received > maxBytes) {
      fail(ApiException.tooLarge("An upload is at most " + maxBytes + " bytes."));
    } else {
      append(data);
    }
    pump();
  }

  private void onEnd() {
    ended = true;
    pump();
  }

  private void append(Buffer data) {
    int length = data.length();
    if (end + length > buf.length) {
      int live = end - start;
      if (live + length <= buf.length && start > 0) {
        System.arraycopy(buf, start, buf, 0, live);
      } else {
        byte[] bigger = new byte[Math.max(buf.length * 2, live + length)];
        System.arraycopy(buf, start, bigger, 0, live);
        buf = bigger;
      }
      start = 0;
      end = live;
    }
    data.getBytes(0, length, buf, end);
    end += length;
  }

  /** Parses as far as the buffered bytes allow, then decides whether the request may send more. */
  private void pump() {
    if (pumping) {
      again = true; // called back from inside a step: the running pump goes on
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (failure == null && !waiting && step()) {
          // each step consumed input or changed state
        }
      } while (again && failure == null && !waiting);
    } catch (ApiException e) {
      fail(e);
    } finally {
      pumping = false;
    }
    if (failure != null) {
      finishFailure();
      return;
    }
    if (ended && !waiting) {
      if (state == State.DONE) {
        promise.tryComplete(new Form(fields, files));
      } else {
        fail(ApiException.validation(null, "The multipart body ended before its closing boundary."));
        finishFailure();
      }
      return;
    }
    flow();
  }

  private void flow() {
    boolean hold = waiting || writeBlocked;
    if (hold && !paused) {
      request.pause();
      paused = true;
    } else if (!hold && paused) {
      paused = false;
      request.resume();
    }
  }

  /** One parsing step; false when it needs more input. */
  private boolean step() {
    switch (state) {
      case PREAMBLE -> {
        int at = indexOf(delimiter, start);
        if (at < 0) {
          start = Math.max(start, end - delimiter.length + 1);
          return false;
        }
        start = at + delimiter.length;
        state = State.AFTER_DELIMITER;
        return true;
      }
      case AFTER_DELIMITER -> {
        if (end - start < 2) {
          return false;
        }
        if (buf[start] == '-' && buf[start + 1] == '-') {
          state = State.DONE;
          start = end;
          return true;
        }
        int i = start;
        while (i < end && (buf[i] == ' ' || buf[i] == '\t')) {
          i++;
        }
        if (end - i < 2) {
          return false;
        }
        if (buf[i] != '\r' || buf[i + 1] != '\n') {
          throw ApiException.validation(null, "The multipart body is malformed (no line break after a boundary).");
        }
        start = i + 2;
        state = State.HEADERS;
        return true;
      }
      case HEADERS -> {
        int at = end - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n' ? start
          : indexOf(new byte[] {'\r', '\n', '\r', '\n'}, start);
        if (at < 0) {
          if (end - start > MAX_HEADER_BYTES) {
            throw ApiException.validation(null, "A multipart part has more than 16 KiB of headers.");
          }
          return false;
        }
        String headers = new String(buf, start, at - start, StandardCharsets.UTF_8);
        start = at == start ? at + 2 : at + 4;
        beginPart(headers);
        state = State.BODY;
        return true;
      }
      case BODY -> {
        int at = indexOf(delimiter, start);
        int stop = at >= 0 ? at : Math.max(start, end - delimiter.length + 1);
        if (stop > start) {
          writePart(start, stop);
          start = stop;
        }
        if (at < 0) {
          return false;
        }
        start = at + delimiter.length;
        state = State.AFTER_DELIMITER;
        endPart();
        return true;
      }
      default -> {
        start = end;
        return false;
      }
    }
  }

  private int indexOf(byte[] pattern, int from) {
    byte first = pattern[0];
    int last = end - pattern.length;
    outer:
    for (int i = from; i <= last; i++) {
      if (buf[i] != first) {
        continue;
      }
      for (int j = 1; j < pattern.length; j++) {
        if (buf[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // ----- parts ------------------------------------------------------------------------------------------------

  private void beginPart(String headers) {
    if (++parts > MAX_PARTS) {
      throw ApiException.tooLarge("An upload has at most " + MAX_PARTS + " parts.");
    }
    String disposition = null;
    String contentType = null;
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-disposition")) {
        disposition = value;
      } else if (name.equals("content-type")) {
        contentType = value;
      }
    }
    if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
      throw ApiException.validation(null, "Every multipart part needs Content-Disposition: form-data.");
    }
    String name = parameter(disposition, "name");
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.indexOf('\0') >= 0) {
      throw ApiException.validation(null, "Every multipart part needs a name of 1 to " + MAX_NAME_LENGTH
        + " characters.");
    }
    if (fields.containsKey(name) || files.containsKey(name) || name.equals(partName)) {
      throw ApiException.validation(name, "The part " + name + " is sent twice.");
    }
    partName = name;
    partContentType = contentType;
    partSize = 0;
    String fileName = fileName(disposition);
    if (fileName == null || textParts.contains(name)) {
      partFileName = null;
      partText = new ByteArrayOutputStream();
      return;
    }
    partFileName = fileName;
    partDigest = sha256();
    partPath = dir.resolve("part-" + parts);
    waiting = true;
    vertx.fileSystem().open(partPath.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
      .onComplete(opened -> {
        waiting = false;
        if (opened.failed()) {
          fail(new IllegalStateException("Cannot write " + partPath, opened.cause()));
        } else {
          partFile = opened.result();
          partFile.exceptionHandler(e -> fail(new IllegalStateException("Cannot write " + partPath, e)));
        }
        pump();
      });
  }

  private void writePart(int from, int to) {
    int length = to - from;
    partSize += length;
    if (partText != null) {
      if (partSize > maxFieldBytes) {
        throw ApiException.validation(partName, partName + " is larger than " + maxFieldBytes + " bytes.");
      }
      partText.write(buf, from, length);
      return;
    }
    partDigest.update(buf, from, length);
    partFile.write(Buffer.buffer(Arrays.copyOfRange(buf, from, to)));
    if (partFile.writeQueueFull()) {
      writeBlocked = true;
      partFile.drainHandler(v -> {
        writeBlocked = false;
        pump();
      });
    }
  }

  private void endPart() {
    if (partText != null) {
      fields.put(partName, utf8(partText.toByteArray(), partName));
      partText = null;
      partName = null;
      return;
    }
    FilePart part = new FilePart(partName, partFileName, partContentType, partPath, partSize, partDigest.digest());
    partDigest = null;
    files.put(partName, part);
    partName = null;
    AsyncFile file = partFile;
    partFile = null;
    writeBlocked = false;
    waiting = true;
    file.close().onComplete(closed -> {
      waiting = false;
      if (closed.failed()) {
        fail(new IllegalStateException("Cannot write " + part.path(), closed.cause()));
      }
      pump();
    });
  }

  // ----- failure ----------------------------------------------------------------------------------------------

  private void fail(RuntimeException e) {
    if (failure == null) {
      failure = e;
    }
  }

  /** Once no file operation is pending: closes the open file, lets the rest of the body drain, fails. */
  private void finishFailure() {
    if (waiting) {
      return; // called again when the pending operation completes
    }
    if (partFile != null) {
      AsyncFile file = partFile;
      partFile = null;
      waiting = true;
      file.close().onComplete(closed -> {
        waiting = false;
        finishFailure();
      });
      return;
    }
    writeBlocked = false;
    if (paused) {
      paused = false;
      request.resume();
    }
    promise.tryFail(failure);
  }

  // ----- header parsing ---------------------------------------------------------------------------------------

  /** A parameter of a header value ({@code name=value} or {@code name="value"}), or null. */
  private static String parameter(String header, String name) {
    int i = header.indexOf(';');
    while (i >= 0 && i < header.length()) {
      int eq = header.indexOf('=', i);
      if (eq < 0) {
        return null;
      }
      String key = header.substring(i + 1, eq).trim();
      int j = eq + 1;
      String value;
      if (j < header.length() && header.charAt(j) == '"') {
        StringBuilder out = new StringBuilder();
        j++;
        while (j < header.length() && header.charAt(j) != '"') {
          char c = header.charAt(j);
          if (c == '\\' && j + 1 < header.length()) {
            c = header.charAt(++j);
          }
          out.append(c);
          j++;
        }
        value = out.toString();
        j = header.indexOf(';', j);
      } else {
        int semi = header.indexOf(';', j);
        value = (semi < 0 ? header.substring(j) : header.substring(j, semi)).trim();
        j = semi;
      }
      if (key.equalsIgnoreCase(name)) {
        return value;
      }
      i = j;
    }
    return null;
  }

  /** The part's file name ({@code filename*=UTF-8''…} preferred), without any folder a browser sent; or null. */
  private static String fileName(String disposition) {
    String extended = parameter(disposition, "filename*");
    String name = null;
    if (extended != null && extended.toLowerCase(Locale.ROOT).startsWith("utf-8''")) {
      try {
        name = URLDecoder.decode(extended.substring(7).replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        name = null;
      }
    }
    if (name == null) {
      name = parameter(disposition, "filename");
    }
    if (name == null) {
      return null;
    }
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    return name.substring(slash + 1);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }

  private static String utf8(byte[] bytes, String field) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw ApiException.validation(field, field + " is not valid UTF-8.");
    }
  }
}
