package dev.runboard.api;

import dev.runboard.auth.Guard;
import dev.runboard.web.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of one read request, each checked before use: an unknown or repeated parameter, or a
 * value of the wrong form, is a 400 {@code validation_failed} whose {@code field} names the parameter.
 */
final class QueryParams {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;

  private final MultiMap params;

  private QueryParams(MultiMap params) {
    this.params = params;
  }

  /** The request's parameters, refusing any not in {@code allowed} and any given twice. */
  static QueryParams of(RoutingContext ctx, String... allowed) {
    MultiMap params = ctx.queryParams();
    Set<String> known = Set.of(allowed);
    for (String name : new TreeSet<>(params.names())) {
      if (!known.contains(name)) {
        throw ApiException.validation(name, "Unknown query parameter '" + abbreviate(name) + "'; this route takes "
          + (allowed.length == 0 ? "none" : String.join(", ", new TreeSet<>(known))) + ".");
      }
      if (params.getAll(name).size() > 1) {
        throw ApiException.validation(name, name + " is given more than once.");
      }
    }
    return new QueryParams(params);
  }

  /** A text value of 1 to {@code maxLength} characters, or null when absent. */
  String text(String name, int maxLength) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    if (value.isEmpty()) {
      throw ApiException.validation(name, name + " must not be empty.");
    }
    if (value.codePointCount(0, value.length()) > maxLength) {
      throw ApiException.validation(name, name + " is longer than " + maxLength + " characters.");
    }
    if (value.indexOf('\0') >= 0) {
      throw ApiException.validation(name, name + " must not contain NUL characters.");
    }
    return value;
  }

  /** An integer in [min, max], or {@code fallback} when absent. */
  int integer(String name, int min, int max, int fallback) {
    String value = params.get(name);
    if (value == null) {
      return fallback;
    }
    if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ApiException.validation(name, name + " must be an integer between " + min + " and " + max + ", got '"
        + abbreviate(value) + "'.");
    }
    long n = Long.parseLong(value);
    if (n < min || n > max) {
      throw ApiException.validation(name, name + " must be between " + min + " and " + max + ", got " + n + ".");
    }
    return (int) n;
  }

  /** An id (a positive integer up to 2^63-1, as ids in paths), or null when absent. */
  Long id(String name) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    Long id = Guard.parseId(value);
    if (id == null) {
      throw ApiException.validation(name, name + " must be a positive integer, got '" + abbreviate(value) + "'.");
    }
    return id;
  }

  /** {@code limit}: 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. */
  int limit() {
    return integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
  }

  /** {@code true} or {@code false}, or null when absent. */
  Boolean bool(String name) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw ApiException.validation(name, name + " must be true or false, got '" + abbreviate(value)
        + "'.");
    };
  }

  /** A comma-separated list of values from {@code allowed} (duplicates ignored), or null when absent. */
  String[] oneOrMore(String name, Set<String> allowed) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    List<String> values = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      if (!allowed.contains(part)) {
        throw ApiException.validation(name, name + " must be one or more of " + String.join(", ",
          new TreeSet<>(allowed)) + " (comma-separated), got '" + abbreviate(part) + "'.");
      }
      if (!values.contains(part)) {
        values.add(part);
      }
    }
    return values.toArray(String[]::new);
  }

  /** An ISO-8601 date ({@code 2026-11-25}, midnight UTC) or time with an offset, or null when absent. */
  OffsetDateTime time(String name) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    try {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay().atOffset(ZoneOffset.UTC);
      }
      return OffsetDateTime.parse(value).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw ApiException.validation(name, name + " must be an ISO-8601 date (2026-11-25) or time with an offset "
        + "(2026-11-25T10:00:00Z), got '" + abbreviate(value) + "'.");
    }
  }

  /** The key of {@code cursor}, or null for the first page. */
  List<Object> cursor(Cursor.Part... shape) {
    return Cursor.decode(params.get(Cursor.PARAM), shape);
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
