package dev.runboard.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The README's configuration table lists every key with its variable and default")
class ReadmeConfigTableTest {

  @Test
  void everyKeyIsDocumented() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    for (AppConfig.Key key : AppConfig.KEYS) {
      String defaultText = "".equals(key.defaultValue()) ? "empty" : "`" + key.defaultValue() + "`";
      assertThat(readme).contains("| `" + key.name() + "` | `" + key.envName() + "` | " + defaultText + " | "
        + key.description() + " |");
    }
  }
}
