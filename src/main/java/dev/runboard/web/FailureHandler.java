package dev.runboard.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

/**
 * The one failure handler of every router: renders any failure as the protocol's JSON error body.
 * A client's mistake keeps its 4xx; a database that cannot be reached (down, restarting, shutting down) is a 503
 * {@code unavailable} with {@code Retry-After}; anything unexpected is logged with the request line and answered
 * with a plain 500 {@code internal}, never with a stack trace.
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
    } else if (failure instanceof HttpException http && http.getStatusCode() < 500) {
      error = fromStatus(http.getStatusCode());
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      error = fromStatus(ctx.statusCode());
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
}
