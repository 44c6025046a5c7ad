package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /runboard-reporter.tgz} over real HTTP: a valid npm tarball of {@code reporter/} (the files npm pack
 * would pack, byte for byte), served without credentials, and installable with {@code npm install <url>}.
 */
@DisplayName("The server serves its own reporter as an npm tarball that npm installs from the URL")
class ReporterPackageTest {

  private static final Path REPORTER = Path.of("reporter").toAbsolutePath();

  private static Runboard node;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    node = Runboard.start(TestDatabase.config(new JsonObject()));
    work = Files.createTempDirectory("runboard-reporter-package");
  }

  @AfterAll
  static void stop() throws IOException {
    node.stop();
    deleteTree(work);
  }

  @Test
  @DisplayName("anyone may download it: package/ entries of package.json and its files, as in reporter/, valid tar")
  void tarball() throws Exception {
    HttpResponse<byte[]> response = get(Map.of());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/gzip");
    assertThat(response.headers().firstValue("Content-Disposition"))
      .hasValue("attachment; filename=\"runboard-reporter-" + version() + ".tgz\"");
    Map<String, byte[]> entries = untar(response.body());
    List<String> expected = new ArrayList<>();
    expected.add("package/package.json");
    for (Object listed : new JsonObject(Files.readString(REPORTER.resolve("package.json"))).getJsonArray("files")) {
      Path path = REPORTER.resolve(listed.toString());
      try (Stream<Path> files = Files.isDirectory(path) ? Files.walk(path) : Stream.of(path)) {
        files.filter(Files::isRegularFile).forEach(f -> expected.add("package/" + REPORTER.relativize(f)));
      }
    }
    assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
      assertThat(entry.getValue()).as(entry.getKey())
        .isEqualTo(Files.readAllBytes(REPORTER.resolve(entry.getKey().substring("package/".length()))));
    }
    System.out.println("[reporter tgz] " + entries.size() + " files, " + response.body().length + " bytes");

    String etag = response.headers().firstValue("ETag").orElseThrow();
    assertThat(get(Map.of("If-None-Match", etag)).statusCode()).isEqualTo(304);
    HttpResponse<byte[]> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url())
      .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(response.body().length);
    assertThat(head.body()).isEmpty();
  }

  @Test
  @DisplayName("it lists exactly what npm pack would pack (npm pack --dry-run --json in reporter/)")
  void sameFilesAsNpmPack() throws Exception {
    Assumptions.assumeTrue(onPath("npm"), "npm is not installed");
    Run pack = run(REPORTER, "npm", "pack", "--dry-run", "--json", "--ignore-scripts");
    assertThat(pack.exitCode).as(pack.output).isZero();
    String json = pack.output.substring(pack.output.indexOf('['));
    List<String> npmFiles = new ArrayList<>();
    for (Object file : new JsonArray(json).getJsonObject(0).getJsonArray("files")) {
      npmFiles.add("package/" + ((JsonObject) file).getString("path"));
    }
    assertThat(untar(get(Map.of()).body()).keySet()).containsExactlyInAnyOrderElementsOf(npmFiles);
  }

  @Test
  @DisplayName("npm install <url> into a copy of the fixture project installs it alone; require and the CLI work")
  void npmInstallFromTheUrl() throws Exception {
    Assumptions.assumeTrue(onPath("npm"), "npm is not installed");
    Path project = work.resolve("fixture-copy");
    Files.createDirectories(project.resolve("tests"));
    Files.copy(REPORTER.resolve("test/fixtures/playwright.config.js"), project.resolve("playwright.config.js"));
    try (Stream<Path> specs = Files.list(REPORTER.resolve("test/fixtures/tests"))) {
      for (Path spec : specs.toList()) {
        Files.copy(spec, project.resolve("tests").resolve(spec.getFileName()));
      }
    }
    Files.writeString(project.resolve("package.json"), "{\"name\": \"fixture-copy\", \"private\": true}\n");

    // The reporter has no dependencies; its peer (@playwright/test) is the project's own, not fetched here.
    long started = System.nanoTime();
    Run install = run(project, "npm", "install", "--save-dev", "--no-audit", "--no-fund", "--legacy-peer-deps",
      "--cache", work.resolve("npm-cache").toString(), url().toString());
    assertThat(install.exitCode).as(install.output).isZero();
    System.out.println("[reporter tgz] npm install <url> in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
      + " ms: " + install.output.strip().replace('\n', ' '));
    JsonObject manifest = new JsonObject(Files.readString(project.resolve("package.json")));
    assertThat(manifest.getJsonObject("devDependencies").getString("runboard-reporter")).isEqualTo(url().toString());
    assertThat(project.resolve("node_modules/runboard-reporter/lib/client.js")).exists();

    Run load = run(project, "node", "-e", "const R = require('runboard-reporter'); "
      + "console.log(typeof R, require('runboard-reporter/package.json').version)");
    assertThat(load.exitCode).as(load.output).isZero();
    assertThat(load.output.strip()).isEqualTo("function " + version());
    Run help = run(project, "npx", "--no", "runboard-reporter", "import", "--help");
    assertThat(help.exitCode).as(help.output).isZero();
    assertThat(help.output).startsWith("Usage: runboard-reporter import");
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static URI url() {
    return URI.create("http://127.0.0.1:" + node.port() + ReporterRoutes.PATH);
  }

  private static String version() throws IOException {
    return new JsonObject(Files.readString(REPORTER.resolve("package.json"))).getString("version");
  }

  private static HttpResponse<byte[]> get(Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(url()).timeout(Duration.ofSeconds(30));
    headers.forEach(request::header);
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The entries of a gzipped ustar archive, checking each header's checksum. */
  private static Map<String, byte[]> untar(byte[] tgz) throws IOException {
    byte[] tar;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tgz))) {
      tar = in.readAllBytes();
    }
    Map<String, byte[]> entries = new LinkedHashMap<>();
    int offset = 0;
    while (offset + 512 <= tar.length && tar[offset] != 0) {
      long sum = 0;
      for (int i = 0; i < 512; i++) {
        sum += i >= 148 && i < 156 ? ' ' : tar[offset + i] & 0xff;
      }
      assertThat(Long.parseLong(field(tar, offset + 148, 8), 8)).as("header checksum").isEqualTo(sum);
      assertThat(field(tar, offset + 257, 6)).isEqualTo("ustar");
      String prefix = field(tar, offset + 345, 155);
      String name = (prefix.isEmpty() ? "" : prefix + "/") + field(tar, offset, 100);
      int size = Integer.parseInt(field(tar, offset + 124, 12), 8);
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      content.write(tar, offset + 512, size);
      entries.put(name, content.toByteArray());
      offset += 512 + (size + 511) / 512 * 512;
    }
    return entries;
  }

  private static String field(byte[] tar, int offset, int length) {
    int end = offset;
    while (end < offset + length && tar[end] != 0) {
      end++;
    }
    return new String(tar, offset, end - offset, StandardCharsets.UTF_8).strip();
  }

  private record Run(int exitCode, String output) {
  }

  private static Run run(Path dir, String... command) throws Exception {
    Path output = Files.createTempFile(work, "out", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
      .redirectOutput(output.toFile());
    builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    builder.environment().put("npm_config_update_notifier", "false");
    Process process = builder.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " still running after 120 s");
    }
    return new Run(process.exitValue(), Files.readString(output));
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(java.io.File.pathSeparator))
      .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
