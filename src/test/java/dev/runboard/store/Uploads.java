package dev.runboard.store;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Upload bodies as reporters send them (multipart forms, report archives, large generated files), and the files
 * that nodes leave on disk.
 */
final class Uploads {

  private Uploads() {
  }

  /** A multipart/form-data body written by hand; file parts may come from disk and are streamed when sent. */
  static final class Multipart {

    private final String boundary = "----runboard" + UUID.randomUUID();
    private final List<Object> pieces = new ArrayList<>();

    Multipart field(String name, String value) {
      pieces.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
        + "\r\n").getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Multipart file(String name, String fileName, String contentType, byte[] bytes) {
      head(name, fileName, contentType);
      pieces.add(bytes);
      pieces.add("\r\n".getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Multipart file(String name, String fileName, String contentType, Path file) {
      head(name, fileName, contentType);
      pieces.add(file);
      pieces.add("\r\n".getBytes(StandardCharsets.UTF_8));
      return this;
    }

    private void head(String name, String fileName, String contentType) {
      pieces.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
        + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    }

    String contentType() {
      return "multipart/form-data; boundary=" + boundary;
    }

    /** The whole body in memory (small forms). */
    Buffer body() throws IOException {
      Buffer body = Buffer.buffer();
      for (Object piece : pieces) {
        body.appendBytes(piece instanceof Path path ? Files.readAllBytes(path) : (byte[]) piece);
      }
      return body.appendString("--" + boundary + "--\r\n");
    }

    /** Sends a small form with a web client request. */
    HttpResponse<Buffer> send(HttpRequest<Buffer> request) throws IOException {
      return request.putHeader("Content-Type", contentType()).sendBuffer(body()).await();
    }

    /** Streams the form from a file on disk (large parts are never in memory); returns status and body. */
    JsonObject stream(Vertx vertx, int port, String uri, Map<String, String> headers, Path scratch)
      throws IOException, TimeoutException {
      try (OutputStream out = Files.newOutputStream(scratch)) {
        for (Object piece : pieces) {
          if (piece instanceof Path path) {
            Files.copy(path, out);
          } else {
            out.write((byte[]) piece);
          }
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
      }
      HttpClient http = vertx.createHttpClient();
      try {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI(uri).putHeader("Content-Type", contentType())
          .putHeader("Content-Length", Long.toString(Files.size(scratch)));
        headers.forEach(options::putHeader);
        return vertx.fileSystem().open(scratch.toString(), new OpenOptions().setRead(true).setWrite(false))
          .compose(file -> http.request(options).compose(request -> request.send(file))
            .compose(response -> response.body().map(body -> new JsonObject().put("status", response.statusCode())
              .put("body", body.toString())))
            .eventually(file::close))
          .await(120, TimeUnit.SECONDS);
      } finally {
        http.close();
        Files.deleteIfExists(scratch);
      }
    }
  }

  /** The Playwright-dashboard archive: gzip of [uint32 LE path length][path][uint32 LE length][content]. */
  static byte[] dashboardArchive(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
        byte[] path = file.getKey().getBytes(StandardCharsets.UTF_8);
        gzip.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(path.length).array());
        gzip.write(path);
        gzip.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(file.getValue().length).array());
        gzip.write(file.getValue());
      }
    }
    return out.toByteArray();
  }

  static byte[] zip(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** Regular files under a folder (a node's data directory: temporary upload files, a local storage). */
  static List<Path> files(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes {@code size} pseudo-random (incompressible, reproducible) bytes to a file, 1 MiB at a time; byte i is
   * {@link #byteAt}(i).
   */
  static Path generate(Path file, long size) throws IOException {
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += block.length) {
        int n = (int) Math.min(block.length, size - written);
        for (int i = 0; i < n; i++) {
          block[i] = byteAt(written + i);
        }
        out.write(block, 0, n);
      }
    }
    return file;
  }

  static byte byteAt(long i) {
    long x = i * 0x9E3779B97F4A7C15L;
    x ^= x >>> 29;
    x *= 0xBF58476D1CE4E5B9L;
    return (byte) (x ^ (x >>> 32));
  }

  static byte[] expectedBytes(long from, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = byteAt(from + i);
    }
    return bytes;
  }
}
