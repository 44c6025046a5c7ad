package dev.runboard.files;

import dev.runboard.Multipart;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs with files, made through the reporter API (start, then attach mode), and what file URLs are made of. */
final class FileFixtures {

  private FileFixtures() {
  }

  /** A started run: its id and stream token. */
  record StartedRun(long runId, String token) {
  }

  static StartedRun startRun(WebClient client, String reporterKey, String project) {
    HttpResponse<Buffer> started = client.post("/api/test-runs/start").bearerTokenAuthentication(reporterKey)
      .sendJsonObject(new JsonObject().put("projectName", project)).await();
    assertThat(started.statusCode()).as(started.bodyAsString()).isIn(200, 201);
    JsonObject body = started.bodyAsJsonObject();
    return new StartedRun(body.getLong("runId"), body.getString("streamToken"));
  }

  /** Attaches a form to a running run; returns the stored files as answered (200). */
  static JsonArray attach(WebClient client, StartedRun run, Multipart form) {
    HttpResponse<Buffer> response = client.post("/api/test-runs/" + run.runId() + "/files")
      .putHeader("X-Stream-Token", run.token()).putHeader("Content-Type", form.contentType())
      .sendBuffer(form.body()).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("files");
  }

  /** The attachments description of attach mode for one attempt's files, parts attachment_0…n. */
  static JsonArray attachments(String... nameAndType) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < nameAndType.length; i += 2) {
      list.add(new JsonObject().put("part", "attachment_" + (i / 2)).put("titlePath", new JsonArray().add("suite")
          .add("test")).put("file", "a.spec.js").put("playwrightProject", "").put("retry", 0)
        .put("name", nameAndType[i]).put("contentType", nameAndType[i + 1]));
    }
    return list;
  }


  static byte[] zip(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Every regular file under {@code root}, by path relative to it. */
  static Map<String, byte[]> folder(Path root) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path file : all.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
      }
    }
    return files;
  }

  /** The parts of a capability: version, expiry (epoch seconds), key id. */
  record Token(int version, long expiry, int keyId) {

    static Token of(String capability) {
      ByteBuffer bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(capability));
      return new Token(bytes.get(), bytes.getLong(), bytes.getInt());
    }
  }

  /** The capability in a files-origin URL ({@code …/c/<capability>/<id>/…}). */
  static String capabilityOf(String url) {
    String rest = url.substring(url.indexOf("/c/") + 3);
    return rest.substring(0, rest.indexOf('/'));
  }
}
