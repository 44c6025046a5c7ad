package dev.runboard.web;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayName("JSON input is parsed strictly and every refusal is a 4xx naming the field")
class JsonInputTest {

  // ----- UTF-8 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("well-formed UTF-8 is accepted up to every boundary; overlong, surrogate, truncated forms are not")
  void utf8Boundaries() {
    for (int[] ok : List.of(new int[] {0x7f}, new int[] {0xc2, 0x80}, new int[] {0xdf, 0xbf},
      new int[] {0xe0, 0xa0, 0x80}, new int[] {0xed, 0x9f, 0xbf}, new int[] {0xee, 0x80, 0x80},
      new int[] {0xef, 0xbf, 0xbf}, new int[] {0xf0, 0x90, 0x80, 0x80}, new int[] {0xf4, 0x8f, 0xbf, 0xbf})) {
      assertThat(Utf8.firstInvalid(bytes(ok), 0, ok.length)).as(hex(ok)).isEqualTo(-1);
    }
    for (int[] bad : List.of(new int[] {0x80}, new int[] {0xbf}, new int[] {0xc0, 0xaf}, new int[] {0xc1, 0xbf},
      new int[] {0xe0, 0x9f, 0xbf}, new int[] {0xed, 0xa0, 0x80}, new int[] {0xed, 0xbf, 0xbf},
      new int[] {0xf0, 0x8f, 0xbf, 0xbf}, new int[] {0xf4, 0x90, 0x80, 0x80}, new int[] {0xf5, 0x80, 0x80, 0x80},
      new int[] {0xff}, new int[] {0xe2, 0x82}, new int[] {0xf0, 0x90, 0x80}, new int[] {0xc2, 0x41},
      new int[] {0xe2, 0x82, 0xc0})) {
      assertThat(Utf8.firstInvalid(bytes(bad), 0, bad.length)).as(hex(bad)).isZero();
    }
    byte[] mixed = "ok \u00e9 \u20ac \uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8.firstInvalid(mixed, 0, mixed.length)).isEqualTo(-1);
  }

  @Test
  @DisplayName("the UTF-8 check agrees with the JDK's strict decoder on random bytes")
  void utf8AgreesWithJdk() {
    Random random = new Random(42);
    for (int n = 0; n < 200_000; n++) {
      byte[] bytes = new byte[1 + random.nextInt(6)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(0x100));
      }
      boolean jdk;
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        jdk = true;
      } catch (CharacterCodingException e) {
        jdk = false;
      }
      assertThat(Utf8.firstInvalid(bytes, 0, bytes.length) < 0).as(hex(bytes)).isEqualTo(jdk);
    }
  }

  // ----- media type -------------------------------------------------------------------------------------------

  @Test
  @DisplayName("application/json with charset utf-8 or none is JSON; anything else is 415")
  void mediaType() {
    for (String ok : new String[] {null, "application/json", "APPLICATION/JSON", "application/json;charset=utf-8",
      "application/json; charset=\"UTF-8\"", "application/json; charset=utf-8; profile=x"}) {
      JsonInput.requireJsonMediaType(ok);
    }
    for (String bad : new String[] {"", "text/plain", "text/json", "application/jsonp", "application/ld+json",
      "application/json; charset=utf-16", "application/json; charset=utf8", "application/json; charset=",
      "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"}) {
      ApiException e = catchThrowableOfType(ApiException.class, () -> JsonInput.requireJsonMediaType(bad));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.status()).isEqualTo(415);
      assertThat(e.code()).isEqualTo("unsupported_media_type");
    }
  }

  // ----- parsing ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("syntax errors, duplicates, trailing data and empty bodies are invalid_json; a UTF-8 BOM is skipped")
  void parsing() {
    for (String bad : new String[] {"", "   ", "{", "{} x", "{}{}", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":NaN}",
      "{\"a\":\"\u0001\"}"}) {
      assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer(bad))).code()).as(bad).isEqualTo("invalid_json");
    }
    assertThat(refusal(() -> JsonInput.parseObject(null)).code()).isEqualTo("invalid_json");
    ApiException array = refusal(() -> JsonInput.parseObject(Buffer.buffer("[1]")));
    assertThat(array.code()).isEqualTo("validation_failed");
    assertThat(array.getMessage()).isEqualTo("The body must be a JSON object, got an array.");

    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
    assertThat(JsonInput.parseObject(Buffer.buffer(bom))).isEmpty();
    byte[] twoBoms = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, (byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
    assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer(twoBoms))).code()).isEqualTo("invalid_json");
    assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer("{}".getBytes(StandardCharsets.UTF_16LE))))
      .getMessage()).contains("UTF-16 or UTF-32");
    assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer(new byte[] {'{', '"', 'a', '"', ':', '"',
      (byte) 0xc0, (byte) 0xaf, '"', '}'}))).getMessage()).isEqualTo("The body is not valid UTF-8 (byte 6: 0xc0).");
  }

  @Test
  @DisplayName("64 levels parse; deeper, or a number over 1,000 characters, is a 400 naming where")
  void limits() {
    String nested64 = "{\"a\":".repeat(63) + "{}" + "}".repeat(63);
    assertThat(JsonInput.parseObject(Buffer.buffer(nested64))).isNotNull();
    ApiException deep = refusal(() -> JsonInput.parseObject(Buffer.buffer("{\"a\":" + nested64 + "}")));
    assertThat(deep.code()).isEqualTo("validation_failed");
    assertThat(deep.field()).isEqualTo("a" + ".a".repeat(63));
    ApiException deepArray = refusal(() -> JsonInput.parseObject(Buffer.buffer("{\"x\":[{\"y\":" + "[".repeat(70))));
    assertThat(deepArray.field()).isEqualTo("x[0].y" + "[0]".repeat(61));
    assertThat(refusal(() -> JsonInput.parseText("[" + "[".repeat(64) + "]".repeat(64) + "]", "testCases")).field())
      .isEqualTo("testCases" + "[0]".repeat(64));

    String digits = "1".repeat(1_001);
    assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer("{\"n\":" + digits + "}"))).field()).isEqualTo("n");
    assertThat(refusal(() -> JsonInput.parseObject(Buffer.buffer("{\"n\":[1,-" + digits + "]}"))).field())
      .isEqualTo("n[1]");
    assertThat(refusal(() -> JsonInput.parseText("{\"run\":{\"d\":1e" + digits + "}}", "testRun")).field())
      .isEqualTo("testRun.run.d");
    assertThat(JsonInput.parseObject(Buffer.buffer("{\"n\":" + "1".repeat(1_000) + "}")).get("n").isBigInteger())
      .isTrue();
  }

  @Test
  @DisplayName("a form field's JSON text may start with a BOM; NUL characters (UTF-16 read as UTF-8) are refused")
  void formText() {
    assertThat(JsonInput.parseText("\uFEFF{\"a\":1}", "testRun").get("a").intValue()).isEqualTo(1);
    ApiException utf16 = refusal(() -> JsonInput.parseText("[\0]\0", "testCases"));
    assertThat(utf16.code()).isEqualTo("validation_failed");
    assertThat(utf16.field()).isEqualTo("testCases");
    assertThat(refusal(() -> JsonInput.parseText("", "testRun")).field()).isEqualTo("testRun");
    assertThat(refusal(() -> JsonInput.parseText("{} {}", "testRun")).field()).isEqualTo("testRun");
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static ApiException refusal(Runnable action) {
    ApiException e = catchThrowableOfType(ApiException.class, action::run);
    assertThat(e).as("an ApiException").isNotNull();
    assertThat(e.status()).isEqualTo(400);
    return e;
  }

  private static String message(Runnable action) {
    return refusal(action).getMessage();
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static String hex(int[] values) {
    StringBuilder out = new StringBuilder();
    for (int v : values) {
      out.append(String.format("%02x ", v));
    }
    return out.toString();
  }

  private static String hex(byte[] values) {
    StringBuilder out = new StringBuilder();
    for (byte v : values) {
      out.append(String.format("%02x ", v & 0xff));
    }
    return out.toString();
  }
}
