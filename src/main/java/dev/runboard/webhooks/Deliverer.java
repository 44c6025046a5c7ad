package dev.runboard.webhooks;

import dev.runboard.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes one attempt of a claimed delivery: builds its body from the stored run (or, for a test, the project),
 * signs it, posts it through the {@link Sender} and records the outcome: 2xx is delivered; any other answer or a
 * network failure is retried with {@link Backoff} until {@code webhooks.retryFor} has passed; a refused address,
 * a disabled webhook, a deleted run and a failed test delivery are final.
 *
 * <p>Headers: {@code X-Runboard-Event}, {@code X-Runboard-Delivery} (the delivery id, the same on every retry),
 * {@code X-Runboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}.
 */
final class Deliverer {

  private static final Logger logger = LoggerFactory.getLogger(Deliverer.class);
  static final String USER_AGENT = "Runboard-Webhooks/1";

  private final WebhookStore store;
  private final Sender sender;
  private final Backoff backoff;
  private final long retryForMs;
  private final String publicUrl;

  Deliverer(WebhookStore store, Sender sender, AppConfig config) {
    this.store = store;
    this.sender = sender;
    this.backoff = new Backoff(config.webhookRetryDelayMs(), config.webhookMaxRetryDelayMs());
    this.retryForMs = config.webhookRetryForMs();
    this.publicUrl = config.publicUrl().isEmpty() ? null : config.publicUrl();
  }

  /** One attempt of {@code claim}; completes once its outcome is recorded (never fails for the receiver's sake). */
  Future<Void> deliver(Claim claim) {
    if (!claim.enabled() && claim.event() != WebhookEvent.TEST) {
      return giveUp(claim, "not sent: the webhook was disabled");
    }
    return notice(claim).compose(notice -> {
      if (notice == null) {
        return giveUp(claim, "not sent: the run was deleted");
      }
      byte[] body = Payloads.render(claim.format(), notice).encode().getBytes(StandardCharsets.UTF_8);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", "application/json; charset=utf-8");
      headers.put("User-Agent", USER_AGENT);
      headers.put("X-Runboard-Event", claim.event().wire());
      headers.put("X-Runboard-Delivery", String.valueOf(claim.deliveryId()));
      headers.put(Signatures.HEADER, Signatures.header(claim.secret(), System.currentTimeMillis() / 1000, body));
      return sender.post(claim.url(), Buffer.buffer(body), headers).compose(result -> record(claim, result));
    }, failure -> {
      // The body could not be made (the database failed to answer, say): an attempt that failed, retried as usual.
      logger.warn("Webhook {} delivery {}: could not build the body", claim.webhookId(), claim.deliveryId(), failure);
      return failed(claim, null, "not sent: " + failure, claim.event() == WebhookEvent.TEST);
    });
  }

  private Future<Notice> notice(Claim claim) {
    String base = publicUrl != null ? publicUrl : claim.dashboardUrl();
    if (claim.runId() == null) {
      return store.projectName(claim.projectId()).map(name -> new Notice(claim.event(), claim.deliveryId(),
        claim.webhookId(), claim.projectId(), name, null, null, null, base));
    }
    return store.runFacts(claim.runId()).map(facts -> facts == null ? null
      : new Notice(claim.event(), claim.deliveryId(), claim.webhookId(), claim.projectId(),
        facts.run().projectName(), facts.run(), facts.branch(), facts.newFailures(), base));
  }

  private Future<Void> record(Claim claim, Sender.Result result) {
    boolean last = claim.event() == WebhookEvent.TEST;
    if (result instanceof Sender.Answered answered && answered.success()) {
      logger.info("Webhook {} delivery {} ({}) delivered: HTTP {}", claim.webhookId(), claim.deliveryId(),
        claim.event().wire(), answered.status());
      return store.delivered(claim, answered.status());
    }
    if (result instanceof Sender.Answered answered) {
      String error = "HTTP " + answered.status();
      if (answered.status() >= 300 && answered.status() < 400) {
        error += ": redirects are not followed"
          + (answered.location() == null ? "" : " (Location: " + abbreviate(answered.location()) + ")");
      }
      return failed(claim, answered.status(), error, last);
    }
    if (result instanceof Sender.Refused refused) {
      return failed(claim, null, refused.reason(), true);
    }
    return failed(claim, null, ((Sender.Failed) result).reason(), last);
  }

  private Future<Void> failed(Claim claim, Integer status, String error, boolean last) {
    long delay = backoff.delayMs(claim.attempt());
    logger.warn("Webhook {} delivery {} ({}) attempt {} failed: {}{}", claim.webhookId(), claim.deliveryId(),
      claim.event().wire(), claim.attempt(), error, last ? "" : "; next try in " + delay + " ms unless given up");
    return store.failedAttempt(claim, status, error, last, delay, retryForMs);
  }

  private Future<Void> giveUp(Claim claim, String why) {
    logger.info("Webhook {} delivery {} ({}): {}", claim.webhookId(), claim.deliveryId(), claim.event().wire(), why);
    return store.failedAttempt(claim, null, why, true, 0, retryForMs);
  }

  private static String abbreviate(String text) {
    return text.length() > 200 ? text.substring(0, 199) + "…" : text;
  }
}
