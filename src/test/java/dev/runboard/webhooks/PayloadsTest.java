package dev.runboard.webhooks;

import dev.runboard.model.Counters;
import dev.runboard.model.RunStatus;
import dev.runboard.model.RunSummary;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Delivery bodies in each format, their signature and the retry schedule")
class PayloadsTest {

  private static Notice notice(WebhookEvent event, RunStatus status) {
    RunSummary run = new RunSummary(42, 7, "shop <web> & co", status, "2026-01-31T12:00:00.000Z",
      "2026-01-31T12:03:12.000Z", 192_000L, new Counters(125, 120, 3, 1, 1, 0, 2, 130, 125),
      Map.of("scm", Map.of("branch", "main", "commit", "abc1234def5678")), null);
    List<Notice.FailedTest> tests = List.of(
      new Notice.FailedTest(11, "tests/cart.spec.ts", List.of("cart", "adds <an> item"), "chromium", "failed"),
      new Notice.FailedTest(12, "tests/login.spec.ts", List.of("logs in"), "", "timedOut"));
    return new Notice(event, 9, 3, 7, "shop <web> & co", run, "main", new Notice.NewFailures(2, 41L, tests),
      "https://rb.example.com");
  }

  @Test
  @DisplayName("generic: event, project, run summary, link and the new failures with their links")
  void generic() {
    JsonObject body = Payloads.render("generic", notice(WebhookEvent.RUN_NEW_FAILURES, RunStatus.FAILED));
    assertThat(body.getString("event")).isEqualTo("run.new-failures");
    assertThat(body.getLong("deliveryId")).isEqualTo(9);
    assertThat(body.getString("url")).isEqualTo("https://rb.example.com/runs/42");
    assertThat(body.getJsonObject("project").getString("url")).isEqualTo("https://rb.example.com/projects/7");
    assertThat(body.getJsonObject("run").getString("status")).isEqualTo("failed");
    assertThat(body.getJsonObject("run").getJsonObject("counters").getInteger("timedOut")).isEqualTo(1);
    JsonObject news = body.getJsonObject("newFailures");
    assertThat(news.getInteger("count")).isEqualTo(2);
    assertThat(news.getLong("previousRunId")).isEqualTo(41);
    assertThat(news.getJsonArray("tests").getJsonObject(0).getString("url")).isEqualTo("https://rb.example.com/tests/11");
    assertThat(body.getString("text")).isEqualTo("shop <web> & co: run #42 has 2 new failures: 120 passed, 3 failed, "
      + "1 timed out, 1 skipped, 2 flaky of 125 tests · main @ abc1234 · 3m 12s");
  }

  @Test
  @DisplayName("slack: text plus blocks, with Slack's control characters escaped and links in <url|label> form")
  void slack() {
    JsonObject body = Payloads.render("slack", notice(WebhookEvent.RUN_NEW_FAILURES, RunStatus.FAILED));
    assertThat(body.getString("text")).startsWith("shop <web> & co: run #42 has 2 new failures");
    String first = body.getJsonArray("blocks").getJsonObject(0).getJsonObject("text").getString("text");
    assertThat(first).isEqualTo(":rotating_light: *<https://rb.example.com/runs/42|shop &lt;web&gt; &amp; co: run #42 "
      + "has 2 new failures>*\n120 passed, 3 failed, 1 timed out, 1 skipped, 2 flaky of 125 tests · main @ abc1234 · "
      + "3m 12s");
    String list = body.getJsonArray("blocks").getJsonObject(1).getJsonObject("text").getString("text");
    assertThat(list).isEqualTo("*New failures (2)*, passed in run #41:\n"
      + "• <https://rb.example.com/tests/11|tests/cart.spec.ts › cart › adds &lt;an&gt; item [chromium]>\n"
      + "• <https://rb.example.com/tests/12|tests/login.spec.ts › logs in>");
  }

  @Test
  @DisplayName("teams: a message with one Adaptive Card: headline, facts, failures and a link to the run")
  void teams() {
    JsonObject body = Payloads.render("teams", notice(WebhookEvent.RUN_FAILED, RunStatus.TIMEDOUT));
    assertThat(body.getString("type")).isEqualTo("message");
    JsonObject attachment = body.getJsonArray("attachments").getJsonObject(0);
    assertThat(attachment.getString("contentType")).isEqualTo("application/vnd.microsoft.card.adaptive");
    JsonObject card = attachment.getJsonObject("content");
    assertThat(card.getString("type")).isEqualTo("AdaptiveCard");
    assertThat(card.getJsonArray("body").getJsonObject(0).getString("text")).isEqualTo("shop <web> & co: run #42 timed out");
    assertThat(card.getJsonArray("body").getJsonObject(0).getString("color")).isEqualTo("Attention");
    assertThat(card.getJsonArray("body").getJsonObject(1).getJsonArray("facts").encode())
      .contains("{\"title\":\"Timed out\",\"value\":\"1\"}").contains("{\"title\":\"Branch\",\"value\":\"main\"}");
    assertThat(card.getJsonArray("actions").getJsonObject(0).getString("url")).isEqualTo("https://rb.example.com/runs/42");
  }

  @Test
  @DisplayName("the signature is HMAC-SHA256 over '<timestamp>.<body>' (checked against Python's hmac)")
  void signature() {
    byte[] body = "{\"event\":\"webhook.test\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(Signatures.header("whsec_0123456789abcdef", 1_700_000_000L, body))
      .isEqualTo("t=1700000000,v1=eb5d0f23b2a2e1f6d52c53f564832e79a0c2372830eecc103b6e2661d92774f7");
  }

  @Test
  @DisplayName("retries wait 30 s, 1 m, 2 m, … doubling up to the cap")
  void backoff() {
    Backoff backoff = new Backoff(30_000, 3_600_000);
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 40).stream().map(backoff::delayMs).toList())
      .containsExactly(30_000L, 60_000L, 120_000L, 240_000L, 480_000L, 960_000L, 1_920_000L, 3_600_000L, 3_600_000L,
        3_600_000L);
  }
}
