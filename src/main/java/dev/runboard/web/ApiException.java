package dev.runboard.web;

/**
 * A request the server refuses, rendered as the protocol's error body
 * {@code {"error": code, "message": sentence, "field": path?}}. Carries no stack trace: it is not a fault.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private final String field;

  public ApiException(int status, String code, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  public static ApiException validation(String field, String message) {
    return new ApiException(400, "validation_failed", message, field);
  }

  public static ApiException invalidJson(String message) {
    return new ApiException(400, "invalid_json", message, null);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message, null);
  }

  public static ApiException conflict(String message) {
    return new ApiException(409, "conflict", message, null);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message, null);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message, null);
  }

  public static ApiException tooLarge(String message) {
    return new ApiException(413, "payload_too_large", message, null);
  }

  public static ApiException unsupportedMediaType(String message) {
    return new ApiException(415, "unsupported_media_type", message, null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }
}
