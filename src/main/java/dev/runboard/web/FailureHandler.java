package dev.runboard.web;

import dev.runboard.store.StorageUnavailableException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;

/**
 * The one failure handler of every router: renders any failure as the protocol's JSON error body.
 * A client's mistake keeps its 4xx; a database that cannot be reached (down, restarting, shutting down), or a file
 * store that cannot be reached, is a 503 {@code unavailable} with {@code Retry-After}; anything unexpected is logged with the request line and answered
 * with a plain 500 {@code internal}, never with a stack trace. {@link #malformedTarget} answers the requests the
 * router cannot even match (a path or query that is not validly percent-encoded).
 */
public final class FailureHandler implements Handler<RoutingContext> {

  private static final Logger logger = LoggerFactory.getLogger(FailureHandler.class);
  private static final String RETRY_AFTER_SECONDS = "5";

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    Throwable failure = ctx.failure();
    ApiException error;
    if (failure instanceof ApiException api) {
      error = api;
    } else if (failure instanceof HttpException http && http.getStatusCode() == 400
      && http.getCause() instanceof IllegalArgumentException) {
      error = malformedQuery(ctx.request().query());
    } else if (failure instanceof HttpException http && http.getStatusCode() < 500) {
      error = fromStatus(http.getStatusCode());
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      error = fromStatus(ctx.statusCode());
    } else if (failure instanceof StorageUnavailableException storage) {
      logger.warn("{} {}: {}", ctx.request().method(), ctx.request().path(), storage.getMessage());
      ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
      error = new ApiException(503, "unavailable", "The file storage is unavailable; try again shortly.", null);
    } else if (databaseUnavailable(failure)) {
      logger.debug("{} {}: database unavailable: {}", ctx.request().method(), ctx.request().path(),
        failure.toString());
      ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
      error = new ApiException(503, "unavailable", "The database is unavailable; try again shortly.", null);
    } else {
      logger.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      error = new ApiException(500, "internal", "The server failed to handle this request.", null);
    }
    Responses.sendError(ctx, error);
  }

  /**
   * Whether {@code failure} (or a cause) says the database cannot be reached now, rather than that the request or
   * the code is wrong: no connection (refused, reset, closed), SQLSTATE class 08 (connection exception),
   * 57P01/57P02 (the server is shutting down) and 57P03 (cannot connect now: starting up, recovering).
   */
  static boolean databaseUnavailable(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SocketException || t instanceof ClosedChannelException
        || t instanceof ClosedConnectionException) {
        return true;
      }
      if (t instanceof DatabaseException db && db.getSqlState() != null) {
        String state = db.getSqlState();
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
      }
    }
    return false;
  }

  static ApiException fromStatus(int status) {
    return switch (status) {
      case 400 -> ApiException.validation(null, "The request is malformed.");
      case 401 -> ApiException.unauthorized("Credentials are missing or invalid.");
      case 403 -> ApiException.forbidden("You may not do this.");
      case 404 -> ApiException.notFound("No such resource.");
      case 405 -> new ApiException(405, "method_not_allowed", "This method is not allowed here.", null);
      case 409 -> ApiException.conflict("The resource is in a state that does not allow this.");
      case 413 -> ApiException.tooLarge("The request body is too large.");
      case 415 -> new ApiException(415, "unsupported_media_type", "This content type is not accepted here.", null);
      default -> new ApiException(status, "bad_request", "The request was refused.", null);
    };
  }

  /**
   * The router's 400 error handler: Vert.x Web calls it when it cannot match a request because its path does not
   * decode ({@code /api/%zz}). Logged in one line at debug level: it is the client's mistake, not the server's.
   */
  public static void malformedTarget(RoutingContext ctx) {
    logger.debug("Refused {} {}: not validly percent-encoded", ctx.request().method(), abbreviate(ctx.request().uri()));
    if (!ctx.response().headWritten()) {
      Responses.sendError(ctx, badPercent(ctx.request().path()) ? ApiException.validation(null,
        "The request path is not validly percent-encoded: '%' must be followed by two hex digits.")
        : malformedQuery(ctx.request().query()));
    }
  }

  /** Query decoding failed: name the first parameter whose value is badly percent-encoded, if its name is fine. */
  static ApiException malformedQuery(String query) {
    String field = null;
    for (String pair : query == null ? new String[0] : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (badPercent(name)) {
        break;
      }
      if (eq >= 0 && badPercent(pair.substring(eq + 1))) {
        field = abbreviate(URLDecoder.decode(name, StandardCharsets.UTF_8));
        break;
      }
    }
    return ApiException.validation(field, "The query string is not validly percent-encoded: '%' must be followed "
      + "by two hex digits" + (field == null ? "." : " (in " + field + ")."));
  }

  private static boolean badPercent(String text) {
    for (int i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
      if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
        || Character.digit(text.charAt(i + 2), 16) < 0) {
        return true;
      }
    }
    return false;
  }

  private static String abbreviate(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "…" : text;
  }
}
