package dev.runboard.webhooks;

import dev.runboard.web.ApiException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Webhooks refuse private, loopback and link-local addresses, and URLs that are not plain http(s)")
class AddressPolicyTest {

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(delimiter = '|', value = {
    "0.0.0.0|unspecified",
    "10.1.2.3|private",
    "100.64.0.1|shared",
    "127.0.0.1|loopback",
    "127.255.255.254|loopback",
    "169.254.169.254|link-local",
    "172.16.0.1|private",
    "172.31.255.255|private",
    "192.168.1.1|private",
    "192.0.0.8|reserved",
    "198.18.0.1|benchmarking",
    "224.0.0.1|multicast",
    "255.255.255.255|broadcast",
    "::|unspecified",
    "::1|loopback",
    "fc00::1|unique local",
    "fd12:3456::1|unique local",
    "fe80::1|link-local",
    "febf::1|link-local",
    "ff02::1|multicast",
    "::ffff:10.0.0.1|private",
    "64:ff9b::7f00:1|loopback",
    "2002:c0a8:101::1|private"
  })
  void refused(String address, String kind) throws UnknownHostException {
    assertThat(AddressPolicy.forbidden(InetAddress.getByName(address))).contains(kind);
  }

  @ParameterizedTest(name = "{0} is allowed")
  @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "100.128.0.1", "192.169.0.1",
    "11.0.0.1", "2606:4700:4700::1111", "2a00:1450:4001::1", "64:ff9b::808:808", "2002:808:808::1"})
  void allowed(String address) throws UnknownHostException {
    assertThat(AddressPolicy.forbidden(InetAddress.getByName(address))).isNull();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "ftp://hooks.example.com/x|must be an http:// or https:// URL",
    "hooks.example.com/x|must be an http:// or https:// URL",
    "https://user:pw@hooks.example.com/x|must not carry credentials",
    "https://hooks.example.com/x#frag|must not have a fragment",
    "https://hooks.example.com:0/x|port from 1 to 65535",
    "https://hooks example.com/x|must not contain spaces",
    "https:///x|must name a host",
    "http://127.0.0.1:8080/hook|127.0.0.1, a loopback address",
    "http://10.0.0.5/hook|a private address",
    "http://169.254.169.254/latest/meta-data|a link-local address",
    "http://[::1]:9000/hook|a loopback address",
    "http://[fd00::1]/hook|unique local",
    "http://localhost:3000/hook|localhost, a loopback name",
    "http://api.localhost/hook|a loopback name"
  })
  void badUrls(String url, String reason) {
    assertThatThrownBy(() -> WebhookUrl.check(url, "url", false)).isInstanceOf(ApiException.class)
      .hasMessageContaining(reason).extracting(e -> ((ApiException) e).field()).isEqualTo("url");
  }

  @Test
  @DisplayName("with private addresses allowed, a loopback URL passes; every URL is checked for length")
  void allowPrivate() {
    WebhookUrl url = WebhookUrl.check("http://127.0.0.1:8080/hook?x=1", "url", true);
    assertThat(url.host()).isEqualTo("127.0.0.1");
    assertThat(url.port()).isEqualTo(8080);
    assertThat(url.target()).isEqualTo("/hook?x=1");
    assertThat(WebhookUrl.check("https://hooks.slack.com/services/T0/B0/x", "url", false).port()).isEqualTo(443);
    assertThat(WebhookUrl.check("HTTPS://Example.COM", "url", false).target()).isEqualTo("/");
    assertThatThrownBy(() -> WebhookUrl.check("https://example.com/" + "a".repeat(2048), "url", true))
      .hasMessageContaining("1 to 2048 characters");
  }
}
