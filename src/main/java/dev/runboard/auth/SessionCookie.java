package dev.runboard.auth;

import dev.runboard.config.AppConfig;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;

import java.util.Locale;

/**
 * The session cookie {@code runboard_session}: its attributes (HttpOnly, SameSite=Strict, Path=/, Secure when
 * configured or when {@code http.publicUrl} is https) and how a request's {@code Cookie} header is read.
 */
final class SessionCookie {

  static final String NAME = "runboard_session";

  private SessionCookie() {
  }

  /** What the Cookie header carries, as far as authentication is concerned. */
  sealed interface Presented {
  }

  /** No cookie, or only cookies that are not credentials (analytics, other apps on the same host). */
  record Nothing() implements Presented {
  }

  record Session(String token) implements Presented {
  }

  /** A credential in a form Runboard does not accept, e.g. an API key as a bare cookie value. */
  record Foreign() implements Presented {
  }

  static Presented read(HttpServerRequest request) {
    Presented result = new Nothing();
    for (String header : request.headers().getAll("Cookie")) {
      for (String part : header.split(";")) {
        String pair = part.trim();
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq < 0) {
          return new Foreign();
        }
        String name = pair.substring(0, eq).trim();
        String value = pair.substring(eq + 1).trim();
        if (name.equals(NAME)) {
          if (result instanceof Session || value.isEmpty()) {
            return new Foreign();
          }
          result = new Session(value);
        } else if (looksLikeCredential(name, value)) {
          return new Foreign();
        }
      }
    }
    return result;
  }

  /** A nameless value, one of our secrets, or a cookie named like a credential. */
  private static boolean looksLikeCredential(String name, String value) {
    String lower = name.toLowerCase(Locale.ROOT);
    return name.isEmpty() || value.startsWith("rb_") || value.startsWith("pd_") || lower.contains("key")
      || lower.contains("token") || lower.contains("auth") || lower.contains("session") || lower.contains("bearer");
  }

  static Cookie create(String token, AppConfig config) {
    return attributes(Cookie.cookie(NAME, token), config).setMaxAge(config.sessionMaxAgeMs() / 1000);
  }

  static Cookie cleared(AppConfig config) {
    return attributes(Cookie.cookie(NAME, ""), config).setMaxAge(0);
  }

  private static Cookie attributes(Cookie cookie, AppConfig config) {
    return cookie.setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setSecure(config.secureCookie());
  }
}
