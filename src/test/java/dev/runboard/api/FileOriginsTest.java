package dev.runboard.api;

import dev.runboard.config.AppConfig;
import dev.runboard.web.RequestHost;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Where file URLs point: the configured files origin, else the dashboard's host on the files port")
class FileOriginsTest {

  private static FileUrls urls(JsonObject config) {
    return new FileUrls(AppConfig.of(config), null);
  }

  @Test
  @DisplayName("files.publicUrl wins over everything, whatever host the client used")
  void configuredFilesOrigin() {
    FileUrls urls = urls(new JsonObject().put("files.publicUrl", "https://runboard-files.example-usercontent.com/")
      .put("http.publicUrl", "https://runboard.example.com"));
    assertThat(urls.origin("http", "10.0.0.5:3000")).isEqualTo("https://runboard-files.example-usercontent.com");
    assertThat(urls.origin(null, null)).isEqualTo("https://runboard-files.example-usercontent.com");
  }

  @Test
  @DisplayName("else http.publicUrl's scheme and host, on the files port")
  void dashboardPublicUrl() {
    FileUrls urls = urls(new JsonObject().put("http.publicUrl", "https://Runboard.example.com:8443/app"));
    assertThat(urls.origin("http", "localhost:3000")).isEqualTo("https://runboard.example.com:3001");
    urls.listening(4001);
    assertThat(urls.origin(null, null)).isEqualTo("https://runboard.example.com:4001");
  }

  @ParameterizedTest(name = "Host ''{1}'' over {0} → {2}")
  @CsvSource(delimiter = '|', value = {
    "http|localhost:3000|http://localhost:3001",
    "http|buildbox|http://buildbox:3001",
    "http|Build-Box.Example.COM:80|http://build-box.example.com:3001",
    "http|[::1]:3000|http://[::1]:3001",
    "http|evil\"host|http://localhost:3001",
    "http|a b|http://localhost:3001",
    "https|runboard.internal|https://runboard.internal:3001"
  })
  void requestHost(String scheme, String host, String origin) {
    assertThat(urls(new JsonObject()).origin(scheme, host)).isEqualTo(origin);
  }

  @Test
  @DisplayName("without a request (upload answers): http.host, or localhost when it binds every address")
  void withoutRequest() {
    assertThat(urls(new JsonObject()).origin(null, null)).isEqualTo("http://localhost:3001");
    assertThat(urls(new JsonObject().put("http.host", "10.0.0.5")).origin(null, null))
      .isEqualTo("http://10.0.0.5:3001");
    assertThat(urls(new JsonObject().put("http.host", "::1")).origin(null, null)).isEqualTo("http://[::1]:3001");
    assertThat(urls(new JsonObject().put("http.host", "::")).origin(null, null)).isEqualTo("http://localhost:3001");
  }

  @Test
  @DisplayName("default ports are left out of origins")
  void defaultPorts() {
    assertThat(RequestHost.origin("https", "files.example.com", 443)).isEqualTo("https://files.example.com");
    assertThat(RequestHost.origin("http", "files.example.com", 80)).isEqualTo("http://files.example.com");
    assertThat(RequestHost.origin("http", "files.example.com", 443)).isEqualTo("http://files.example.com:443");
  }
}
