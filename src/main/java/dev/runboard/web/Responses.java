package dev.runboard.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The few ways a handler answers: JSON with a status, or the protocol's error body. */
public final class Responses {

  private Responses() {
  }

  public static Future<Void> sendJson(RoutingContext ctx, int status, Object body) {
    return ctx.response()
      .setStatusCode(status)
      .putHeader("Content-Type", "application/json; charset=utf-8")
      .putHeader("Cache-Control", "no-store")
      .end(body instanceof JsonObject json ? json.encode() : JsonObject.mapFrom(body).encode());
  }

  public static Future<Void> sendError(RoutingContext ctx, ApiException error) {
    JsonObject body = new JsonObject().put("error", error.code()).put("message", error.getMessage());
    if (error.field() != null) {
      body.put("field", error.field());
    }
    if (error.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"runboard\"");
    }
    return sendJson(ctx, error.status(), body);
  }
}
