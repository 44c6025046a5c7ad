package dev.runboard;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A multipart/form-data body written by hand, as reporters send it. */
public final class Multipart {

  private final String boundary = "----runboard" + UUID.randomUUID();
  private final Buffer body = Buffer.buffer();

  public Multipart field(String name, String value) {
    return field(name, value.getBytes(StandardCharsets.UTF_8));
  }

  public Multipart field(String name, byte[] value) {
    body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n")
      .appendBytes(value).appendString("\r\n");
    return this;
  }

  public Multipart file(String name, String fileName, String contentType, byte[] bytes) {
    body.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
        + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n")
      .appendBytes(bytes).appendString("\r\n");
    return this;
  }

  public Buffer body() {
    return body.copy().appendString("--" + boundary + "--\r\n");
  }

  public String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }
}
