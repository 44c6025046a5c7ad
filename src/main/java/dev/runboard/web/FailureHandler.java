package dev.runboard.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of every router: renders any failure as the protocol's JSON error body.
 * A client's mistake keeps its 4xx; anything unexpected is logged with the request line and answered with a
 * plain 500 {@code internal}, never with a stack trace.
 */
public final class FailureHandler implements Handler<RoutingContext> {

  private static final Logger logger = LoggerFactory.getLogger(FailureHandler.class);

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
    } else {
      logger.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      error = new ApiException(500, "internal", "The server failed to handle this request.", null);
    }
    Responses.sendError(ctx, error);
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
