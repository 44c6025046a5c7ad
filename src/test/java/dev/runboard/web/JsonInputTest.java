package dev.runboard.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
    for (String ok : new String[] {"application/json", "APPLICATION/JSON", "application/json;charset=utf-8",
      "application/json; charset=\"UTF-8\"", "application/json; charset=utf-8; profile=x"}) {
      JsonInput.requireJsonMediaType(ok);
    }
    for (String bad : new String[] {null, "", "text/plain", "text/json", "application/jsonp", "application/ld+json",
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

  // ----- fields -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("integers: zero fractions and -0 are read, fractions and out-of-range values are named honestly")
  void integers() {
    ObjectNode o = parse("{\"a\":2.0,\"b\":-0,\"c\":2e0,\"d\":1.5,\"e\":1e19,\"f\":1e400,\"g\":18446744073709551616,"
      + "\"h\":-1,\"i\":\"3\",\"j\":1000}");
    assertThat(JsonInput.integer(o, "a", "a", true, 0, 1000)).isEqualTo(2);
    assertThat(JsonInput.integer(o, "b", "b", true, 0, 1000)).isZero();
    assertThat(JsonInput.integer(o, "c", "c", true, 0, 1000)).isEqualTo(2);
    assertThat(JsonInput.integer(o, "j", "j", true, 0, 1000)).isEqualTo(1000);
    assertThat(JsonInput.integer(o, "missing", "missing", false, 0, 1000)).isNull();
    assertThat(message(() -> JsonInput.integer(o, "d", "d", true, 0, 1000)))
      .isEqualTo("d must be an integer, got 1.5.");
    assertThat(message(() -> JsonInput.integer(o, "e", "e", true, 0, 1000)))
      .isEqualTo("e is out of range: it must be between 0 and 1000, got 1.0E19.");
    assertThat(message(() -> JsonInput.integer(o, "f", "f", true, 0, 1000)))
      .isEqualTo("f is out of range: it must be between 0 and 1000, got a number beyond ±1.8e308.");
    assertThat(message(() -> JsonInput.integer(o, "g", "g", true, 0, 1000)))
      .isEqualTo("g is out of range: it must be between 0 and 1000, got 18446744073709551616.");
    assertThat(message(() -> JsonInput.integer(o, "h", "h", true, 0, 1000)))
      .isEqualTo("h is out of range: it must be between 0 and 1000, got -1.");
    assertThat(message(() -> JsonInput.integer(o, "i", "i", true, 0, 1000)))
      .isEqualTo("i must be an integer, got a string.");
    assertThat(message(() -> JsonInput.integer(o, "missing", "x.y", true, 0, 1000))).isEqualTo("x.y is required.");
  }

  @Test
  @DisplayName("durations: whole or rounded milliseconds from 0 to 10^15; beyond that 'out of range', not '>= 0'")
  void durations() {
    ObjectNode o = parse("{\"a\":1.5,\"b\":-0,\"c\":0.4,\"d\":1e15,\"e\":9223372036854775807,\"f\":1e400,\"g\":-1,"
      + "\"h\":1000000000000000.4,\"i\":-0.0}");
    assertThat(JsonInput.duration(o, "a", "a", true)).isEqualTo(2);
    assertThat(JsonInput.duration(o, "b", "b", true)).isZero();
    assertThat(JsonInput.duration(o, "c", "c", true)).isZero();
    assertThat(JsonInput.duration(o, "d", "d", true)).isEqualTo(JsonInput.MAX_DURATION_MS);
    assertThat(JsonInput.duration(o, "h", "h", true)).isEqualTo(JsonInput.MAX_DURATION_MS);
    assertThat(JsonInput.duration(o, "i", "i", true)).isZero();
    assertThat(message(() -> JsonInput.duration(o, "e", "e", true)))
      .isEqualTo("e is out of range: a duration is 0 to 1000000000000000 milliseconds, got 9223372036854775807.");
    assertThat(message(() -> JsonInput.duration(o, "f", "f", true)))
      .isEqualTo("f is out of range: a duration is 0 to 1000000000000000 milliseconds, got a number beyond ±1.8e308.");
    assertThat(message(() -> JsonInput.duration(o, "g", "g", true)))
      .isEqualTo("g must be a number of milliseconds >= 0, got -1.");
  }

  @Test
  @DisplayName("times are ISO-8601 with an offset, in the years 0001 to 9999")
  void times() {
    ObjectNode o = parse("{\"a\":\"9999-12-31T23:59:59Z\",\"b\":\"+10000-01-01T00:00:00Z\","
      + "\"c\":\"0000-12-31T23:59:59Z\",\"d\":\"9999-12-31T23:00:00-02:00\",\"e\":\"yesterday\"}");
    assertThat(JsonInput.time(o, "a", "a", true).getYear()).isEqualTo(9999);
    for (String field : new String[] {"b", "c", "d"}) {
      assertThat(message(() -> JsonInput.time(o, field, field, true))).as(field).contains("out of range");
    }
    assertThat(message(() -> JsonInput.time(o, "e", "e", true))).contains("ISO-8601");
  }

  @Test
  @DisplayName("NUL and unpaired surrogates are refused in strings and keys, with the path; pairs are characters")
  void storableText() {
    ObjectNode o = parse("{\"a\":\"x\\u0000\",\"b\":\"\\ud800\",\"c\":\"\\ud83d\\ude00\",\"m\":{\"k\\u0000\\u0001\":[1,"
      + "{\"\\udc00\":1}]},\"n\":[\"ok\",\"\\udbff\"],\"f\":{\"x\":[1e400]}}");
    assertThat(message(() -> JsonInput.string(o, "a", "a", true, 10))).isEqualTo("a must not contain NUL (\\u0000).");
    assertThat(message(() -> JsonInput.string(o, "b", "b", true, 10)))
      .isEqualTo("b must not contain an unpaired surrogate (\\ud800), which is not a character.");
    assertThat(JsonInput.string(o, "c", "c", true, 1)).isEqualTo("\uD83D\uDE00");
    assertThat(refusal(() -> JsonInput.object(o, "m", "metadata", 1024)).field()).isEqualTo("metadata.k\\u0000\\u0001");
    assertThat(refusal(() -> JsonInput.requireStorable(o.get("m").get("k\0\u0001").get(1), "x")).field())
      .isEqualTo("x.\\udc00");
    assertThat(refusal(() -> JsonInput.strings(o, "n", "n", 10, 10)).field()).isEqualTo("n[1]");
    assertThat(message(() -> JsonInput.object(o, "f", "f", 1024))).isEqualTo("f.x[0] is a number out of range "
      + "(beyond ±1.8e308).");
  }

  // ----- helpers ----------------------------------------------------------------------------------------------

  private static ObjectNode parse(String json) {
    return JsonInput.parseObject(Buffer.buffer(json));
  }

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
