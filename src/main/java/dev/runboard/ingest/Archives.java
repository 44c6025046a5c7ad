package dev.runboard.ingest;

import dev.runboard.web.ApiException;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Extracts uploaded report archives into a folder, refusing anything that could leave it. Blocking: run it on a
 * worker thread.
 *
 * <p>Formats: the Playwright-dashboard archive ({@code *.gz}: gzip of repeated {@code [uint32 LE path length]
 * [UTF-8 path][uint32 LE content length][content]}) and zip. Entry names must be relative paths that stay inside
 * the folder: no {@code ..} segment, no absolute path, drive letter, NUL or control character, no empty name; zip
 * entries must not be symbolic links. Sizes are counted on the bytes actually extracted (headers are never
 * trusted to be small): an entry over {@code maxEntryBytes}, an archive over {@code maxEntries} entries, or more
 * than {@code maxTotalBytes} extracted in one upload is refused with 413. Any refusal names the form field and
 * the entry; the caller then deletes what was extracted.
 */
final class Archives {

  private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");
  private static final int MAX_PATH_BYTES = 4096;
  private static final int MAX_SEGMENT_BYTES = 255;
  private static final long MAX_CENTRAL_DIRECTORY = 64L << 20;

  /** Limits of one upload's extraction. */
  record Limits(int maxEntries, long maxEntryBytes, long maxTotalBytes) {
  }

  /** What one upload has extracted so far, across its archives. */
  static final class Budget {
    private long bytes;

    long bytes() {
      return bytes;
    }
  }

  private Archives() {
  }

  /** Whether a report file is an archive to extract, by its name. */
  static boolean isArchive(String fileName) {
    String name = fileName == null ? "" : fileName.toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(".gz") || name.endsWith(".zip");
  }

  /** Extracts {@code archive} (by its file name's extension) into {@code target}; returns the entry count. */
  static int extract(Path archive, String fileName, Path target, String field, Limits limits, Budget budget)
    throws IOException {
    Files.createDirectories(target);
    return fileName.toLowerCase(java.util.Locale.ROOT).endsWith(".zip")
      ? extractZip(archive, target, field, limits, budget)
      : extractDashboard(archive, target, field, limits, budget);
  }

  // ----- Playwright-dashboard .gz -----------------------------------------------------------------------------

  private static int extractDashboard(Path archive, Path target, String field, Limits limits, Budget budget)
    throws IOException {
    int entries = 0;
    try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 64 * 1024))) {
      while (true) {
        long pathLength = uint32(in, true);
        if (pathLength < 0) {
          return entries;
        }
        if (++entries > limits.maxEntries()) {
          throw tooLarge(field, field + " has more than " + limits.maxEntries() + " entries.");
        }
        if (pathLength == 0 || pathLength > MAX_PATH_BYTES) {
          throw invalid(field, field + ": entry " + entries + " has a path of " + pathLength + " bytes (1 to "
            + MAX_PATH_BYTES + " allowed).");
        }
        byte[] pathBytes = in.readNBytes((int) pathLength);
        if (pathBytes.length < pathLength) {
          throw truncated(field);
        }
        String raw = utf8(pathBytes, field);
        String path = safePath(raw, field);
        long contentLength = uint32(in, false);
        if (contentLength > limits.maxEntryBytes()) {
          throw tooLarge(field, field + ": entry '" + printable(raw) + "' is larger than " + limits.maxEntryBytes()
            + " bytes.");
        }
        long copied = copy(in, newFile(target, path, raw, field), contentLength, raw, field, limits, budget);
        if (copied < contentLength) {
          throw truncated(field);
        }
      }
    } catch (ZipException | EOFException e) {
      throw invalid(field, field + " is not a valid gzip archive (" + e.getMessage() + ").");
    }
  }

  /** A little-endian uint32, or -1 at a clean end of input when {@code endAllowed}. */
  private static long uint32(InputStream in, boolean endAllowed) throws IOException {
    byte[] b = in.readNBytes(4);
    if (b.length == 0 && endAllowed) {
      return -1;
    }
    if (b.length < 4) {
      throw new EOFException("truncated entry header");
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
  }

  // ----- zip --------------------------------------------------------------------------------------------------

  private static int extractZip(Path archive, Path target, String field, Limits limits, Budget budget)
    throws IOException {
    Set<String> links = zipLinks(archive, field, limits);
    int entries = 0;
    try (ZipFile zip = new ZipFile(archive.toFile(), StandardCharsets.UTF_8)) {
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry entry = all.nextElement();
        String raw = entry.getName();
        if (++entries > limits.maxEntries()) {
          throw tooLarge(field, field + " has more than " + limits.maxEntries() + " entries.");
        }
        if (links.contains(raw)) {
          throw invalid(field, field + ": entry '" + printable(raw) + "' is a symbolic link.");
        }
        boolean directory = raw.endsWith("/") || raw.endsWith("\\");
        String path = safePath(directory ? raw.substring(0, raw.length() - 1) : raw, field);
        if (directory) {
          Path dir = target.resolve(path).normalize();
          requireInside(target, dir, raw, field);
          createDirectories(dir, raw, field);
          continue;
        }
        try (InputStream in = zip.getInputStream(entry)) {
          copy(in, newFile(target, path, raw, field), Long.MAX_VALUE, raw, field, limits, budget);
        }
      }
    } catch (ZipException e) {
      throw invalid(field, field + " is not a valid zip archive (" + e.getMessage() + ").");
    } catch (IllegalArgumentException e) {
      throw invalid(field, field + " has an entry name that is not valid UTF-8.");
    }
    return entries;
  }

  /**
   * The names of the zip's symbolic links, read from its central directory (whose external attributes
   * {@code java.util.zip} does not expose): Unix mode {@code 0120000} in the high 16 bits.
   */
  private static Set<String> zipLinks(Path archive, String field, Limits limits) throws IOException {
    Set<String> links = new HashSet<>();
    try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ)) {
      long size = channel.size();
      int tail = (int) Math.min(size, 22 + 65_535);
      ByteBuffer end = read(channel, size - tail, tail);
      int eocd = -1;
      for (int i = tail - 22; i >= 0; i--) {
        if (end.getInt(i) == 0x06054b50) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) {
        throw invalid(field, field + " is not a valid zip archive (no end of central directory).");
      }
      long count = end.getShort(eocd + 10) & 0xffff;
      long cdSize = end.getInt(eocd + 12) & 0xffffffffL;
      long cdOffset = end.getInt(eocd + 16) & 0xffffffffL;
      long eocdPosition = size - tail + eocd;
      if ((count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) && eocdPosition >= 20) {
        ByteBuffer locator = read(channel, eocdPosition - 20, 20);
        if (locator.getInt(0) == 0x07064b50) {
          long zip64End = locator.getLong(8);
          if (zip64End < 0 || zip64End + 56 > size) {
            throw invalid(field, field + " is not a valid zip archive (bad zip64 record).");
          }
          ByteBuffer record = read(channel, zip64End, 56);
          if (record.getInt(0) != 0x06064b50) {
            throw invalid(field, field + " is not a valid zip archive (bad zip64 record).");
          }
          count = record.getLong(32);
          cdSize = record.getLong(40);
          cdOffset = record.getLong(48);
        }
      }
      if (count > limits.maxEntries()) {
        throw tooLarge(field, field + " has more than " + limits.maxEntries() + " entries.");
      }
      if (cdSize < 0 || cdOffset < 0 || cdOffset + cdSize > size || cdSize > MAX_CENTRAL_DIRECTORY) {
        throw invalid(field, field + " is not a valid zip archive (bad central directory).");
      }
      ByteBuffer cd = read(channel, cdOffset, (int) cdSize);
      int p = 0;
      int seen = 0;
      while (p + 46 <= cd.limit() && cd.getInt(p) == 0x02014b50) {
        if (++seen > limits.maxEntries()) {
          throw tooLarge(field, field + " has more than " + limits.maxEntries() + " entries.");
        }
        int madeBy = (cd.getShort(p + 4) & 0xffff) >> 8;
        int nameLength = cd.getShort(p + 28) & 0xffff;
        int extraLength = cd.getShort(p + 30) & 0xffff;
        int commentLength = cd.getShort(p + 32) & 0xffff;
        long external = cd.getInt(p + 38) & 0xffffffffL;
        if (p + 46 + nameLength > cd.limit()) {
          break;
        }
        int mode = (int) (external >>> 16);
        if (madeBy == 3 && (mode & 0170000) == 0120000) {
          byte[] name = new byte[nameLength];
          cd.get(p + 46, name);
          links.add(new String(name, StandardCharsets.UTF_8));
        }
        p += 46 + nameLength + extraLength + commentLength;
      }
    }
    return links;
  }

  private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException("unexpected end of file");
      }
    }
    return buffer.flip();
  }

  // ----- entries ----------------------------------------------------------------------------------------------

  /**
   * The entry's path, relative and normalised ({@code \} is a separator too), or a 400 naming the field and the
   * entry: empty, NUL or control characters, absolute, a drive letter, a {@code ..} segment.
   */
  static String safePath(String raw, String field) {
    String reason = null;
    if (raw.isEmpty()) {
      reason = "has an empty name";
    } else if (raw.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      reason = "contains NUL or control characters";
    } else if (raw.startsWith("/") || raw.startsWith("\\")) {
      reason = "is an absolute path";
    } else if (DRIVE.matcher(raw).matches()) {
      reason = "starts with a drive letter";
    }
    List<String> segments = new ArrayList<>();
    if (reason == null) {
      for (String segment : raw.replace('\\', '/').split("/")) {
        if (segment.equals("..")) {
          reason = "leaves the report folder (..)";
          break;
        }
        if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
          reason = "has a name segment longer than " + MAX_SEGMENT_BYTES + " bytes";
          break;
        }
        if (!segment.isEmpty() && !segment.equals(".")) {
          segments.add(segment);
        }
      }
      if (reason == null && segments.isEmpty()) {
        reason = "has an empty name";
      }
    }
    if (reason != null) {
      throw invalid(field, field + ": entry '" + printable(raw) + "' " + reason + ".");
    }
    return String.join("/", segments);
  }

  private static OutputStream newFile(Path target, String path, String raw, String field) throws IOException {
    Path file = target.resolve(path).normalize();
    requireInside(target, file, raw, field);
    createDirectories(file.getParent(), raw, field);
    try {
      return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    } catch (FileAlreadyExistsException e) {
      throw invalid(field, field + ": entry '" + printable(raw) + "' is in the archive twice.");
    }
  }

  private static void createDirectories(Path dir, String raw, String field) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      throw invalid(field, field + ": entry '" + printable(raw) + "' conflicts with a file of the archive.");
    }
  }

  private static void requireInside(Path target, Path file, String raw, String field) {
    if (!file.startsWith(target) || file.equals(target)) {
      throw invalid(field, field + ": entry '" + printable(raw) + "' leaves the report folder.");
    }
  }

  /** Copies at most {@code length} bytes, counting what actually arrives against the limits. */
  private static long copy(InputStream in, OutputStream out, long length, String raw, String field, Limits limits,
                           Budget budget) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long copied = 0;
    try (out) {
      while (copied < length) {
        int n = in.read(chunk, 0, (int) Math.min(chunk.length, length - copied));
        if (n < 0) {
          break;
        }
        copied += n;
        budget.bytes += n;
        if (copied > limits.maxEntryBytes()) {
          throw tooLarge(field, field + ": entry '" + printable(raw) + "' is larger than " + limits.maxEntryBytes()
            + " bytes.");
        }
        if (budget.bytes > limits.maxTotalBytes()) {
          throw tooLarge(field, field + ": the extracted reports are larger than " + limits.maxTotalBytes()
            + " bytes (at entry '" + printable(raw) + "').");
        }
        out.write(chunk, 0, n);
      }
    }
    return copied;
  }

  private static String utf8(byte[] bytes, String field) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw invalid(field, field + " has an entry path that is not valid UTF-8.");
    }
  }

  /** The entry name as it can be shown in a message: control characters escaped, at most 200 characters. */
  static String printable(String raw) {
    StringBuilder out = new StringBuilder();
    raw.codePoints().limit(200).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return raw.length() > 200 ? out + "…" : out.toString();
  }

  private static ApiException invalid(String field, String message) {
    return ApiException.validation(field, message);
  }

  private static ApiException tooLarge(String field, String message) {
    return new ApiException(413, "payload_too_large", message, field);
  }

  private static ApiException truncated(String field) {
    return invalid(field, field + " is not a valid Playwright-dashboard archive (it ends inside an entry).");
  }
}
