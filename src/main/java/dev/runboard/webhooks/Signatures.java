package dev.runboard.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The signature of a delivery: HMAC-SHA256 with the webhook's secret over {@code <timestamp>.<body>}, sent as
 * {@code X-Runboard-Signature: t=<unix seconds>,v1=<hex>}. Signing the timestamp lets a receiver refuse replays
 * of an old delivery (docs/operations.md shows the check).
 */
final class Signatures {

  static final String HEADER = "X-Runboard-Signature";

  private Signatures() {
  }

  /** The header value for {@code body} sent at {@code unixSeconds}. */
  static String header(String secret, long unixSeconds, byte[] body) {
    return "t=" + unixSeconds + ",v1=" + hmacHex(secret, unixSeconds, body);
  }

  static String hmacHex(String secret, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
