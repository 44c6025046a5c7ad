package dev.runboard.api;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The {@code runboard-reporter} npm package of this build, packed as {@code npm pack} packs it: a gzipped tar whose
 * entries are {@code package/<path>}, the files of {@code reporter/} that its {@code package.json} lists in
 * {@code files} (plus {@code package.json} itself). The build copies exactly those files onto the classpath under
 * {@value #ROOT}/ (see {@code pom.xml}); this class packs them once per process. Like npm, every entry has the
 * same time (1985-10-26T08:15:00Z) and mode 0644 (0755 for the files {@code bin} names), so the same files always
 * make the same bytes.
 *
 * @param version the package's version (from its {@code package.json})
 * @param etag    a strong ETag: the SHA-256 of the tarball
 */
record ReporterPackage(String version, byte[] tarball, String etag) {

  static final String ROOT = "runboard-reporter";
  /** npm's fixed entry time, in seconds since the epoch. */
  private static final long NPM_MTIME = 499_162_500L;

  private static ReporterPackage packed;
  private static boolean looked;

  /** This build's package, packed on the first call (blocking: call it off the event loop); null if not built in. */
  static synchronized ReporterPackage get() {
    if (!looked) {
      packed = pack();
      looked = true;
    }
    return packed;
  }

  private static ReporterPackage pack() {
    URL manifest = ReporterPackage.class.getClassLoader().getResource(ROOT + "/package.json");
    if (manifest == null) {
      return null;
    }
    try {
      URI uri = manifest.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem jar;
        boolean opened = false;
        try {
          jar = FileSystems.newFileSystem(uri, Map.of());
          opened = true;
        } catch (FileSystemAlreadyExistsException e) {
          jar = FileSystems.getFileSystem(uri);
        }
        try {
          return pack(jar.getPath("/" + ROOT));
        } finally {
          if (opened) {
            jar.close();
          }
        }
      }
      return pack(Path.of(uri).getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pack the reporter from " + manifest, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Packs every regular file under {@code root}, sorted by path. */
  static ReporterPackage pack(Path root) throws IOException {
    JsonObject manifest = new JsonObject(Files.readString(root.resolve("package.json"), StandardCharsets.UTF_8));
    Set<String> executables = executables(manifest);
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        gzip.write(header("package/" + file.getKey(), file.getValue().length,
          executables.contains(file.getKey()) ? 0755 : 0644));
        gzip.write(file.getValue());
        gzip.write(new byte[padding(file.getValue().length)]);
      }
      gzip.write(new byte[1024]);
    }
    byte[] tarball = out.toByteArray();
    return new ReporterPackage(manifest.getString("version", "0.0.0"), tarball, "\"" + sha256(tarball) + "\"");
  }

  /** The paths {@code bin} names (a string, or an object of commands), without a leading {@code ./}. */
  private static Set<String> executables(JsonObject manifest) {
    Object bin = manifest.getValue("bin");
    List<String> paths = new ArrayList<>();
    if (bin instanceof String path) {
      paths.add(path);
    } else if (bin instanceof JsonObject commands) {
      commands.forEach(command -> paths.add(String.valueOf(command.getValue())));
    }
    return Set.copyOf(paths.stream().map(p -> p.startsWith("./") ? p.substring(2) : p).toList());
  }

  /** A ustar header: the name (split into prefix and name when over 100 bytes), size, mode and npm's time. */
  private static byte[] header(String path, long size, int mode) {
    byte[] header = new byte[512];
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length > 100) {
      int slash = path.lastIndexOf('/', Math.min(path.length() - 1, 155));
      byte[] prefix = path.substring(0, slash).getBytes(StandardCharsets.UTF_8);
      name = path.substring(slash + 1).getBytes(StandardCharsets.UTF_8);
      if (prefix.length > 155 || name.length > 100) {
        throw new IllegalArgumentException("path too long for a tar header: " + path);
      }
      System.arraycopy(prefix, 0, header, 345, prefix.length);
    }
    System.arraycopy(name, 0, header, 0, name.length);
    octal(header, 100, 8, mode);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, size);
    octal(header, 136, 12, NPM_MTIME);
    header[156] = '0';
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 6);
    header[263] = '0';
    header[264] = '0';
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    octal(header, 148, 7, sum);
    return header;
  }

  /** {@code value} in octal, zero-padded to {@code length - 1} digits and a NUL. */
  private static void octal(byte[] header, int offset, int length, long value) {
    String digits = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
    byte[] bytes = padded.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, length - 1);
    header[offset + length - 1] = 0;
  }

  private static int padding(long size) {
    int rest = (int) (size % 512);
    return rest == 0 ? 0 : 512 - rest;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
