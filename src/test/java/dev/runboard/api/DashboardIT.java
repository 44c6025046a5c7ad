package dev.runboard.api;

import dev.runboard.Runboard;
import dev.runboard.TestDatabase;
import dev.runboard.config.AppConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the browser tests in {@code e2e/} ({@code npx playwright test}, Debian's Chromium) against a freshly started
 * node. Skipped, with the reason, when {@code e2e/node_modules} or the browser is missing.
 */
@DisplayName("The dashboard works in a real browser against a real node")
class DashboardIT {

  private static final Logger logger = LoggerFactory.getLogger(DashboardIT.class);
  private static final Path E2E = Path.of("e2e").toAbsolutePath();

  @Test
  @DisplayName("the Playwright suite passes: setup, login, live feed and run detail, safe text, deep links, keyboard, "
    + "sharded builds")
  void playwrightSuitePasses(@TempDir Path data) throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
    assumeTrue(Files.isDirectory(E2E.resolve("node_modules").resolve("@playwright").resolve("test")),
      "e2e/node_modules is missing: run (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)");
    assumeTrue(Files.isExecutable(Path.of(chromium)), chromium + " is missing: apt-get install chromium");

    Runboard node = Runboard.start(TestDatabase.config(new JsonObject().put(AppConfig.DATA_DIR, data.toString())));
    try {
      ProcessBuilder builder = new ProcessBuilder("npx", "playwright", "test")
        .directory(E2E.toFile())
        .redirectErrorStream(true);
      builder.environment().put("BASE_URL", "http://127.0.0.1:" + node.port());
      builder.environment().put("CHROMIUM_PATH", chromium);
      builder.environment().put("CI", "1");
      Process process = builder.start();
      StringBuilder output = new StringBuilder();
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          logger.info("playwright: {}", line);
          output.append(line).append('\n');
        }
      }
      boolean ended = process.waitFor(10, TimeUnit.MINUTES);
      if (!ended) {
        process.destroyForcibly();
      }
      assertThat(ended).as("playwright ended").isTrue();
      assertThat(process.exitValue()).as(output.toString()).isZero();
    } finally {
      node.stop();
    }
  }
}
