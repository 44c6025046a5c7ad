package dev.runboard.health;

import dev.runboard.store.Schema;
import dev.runboard.web.Responses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * {@code GET /health/live} (the process answers) and {@code GET /health/ready} (the database answers and its
 * schema is at the version this node migrated it to): 200 {@code {"status":"UP"}} or 503 {@code DOWN}.
 * Both are open to anyone, like every load balancer and orchestrator expects; they reveal no data.
 */
public final class HealthRoutes {

  private static final long CHECK_TIMEOUT_MS = 2_000;

  private HealthRoutes() {
  }

  public static Router router(Vertx vertx, Schema schema) {
    HealthChecks ready = HealthChecks.create(vertx).register("database", CHECK_TIMEOUT_MS, promise ->
      schema.checkReady()
        .onSuccess(version -> promise.complete(Status.OK(new JsonObject().put("schemaVersion", version))))
        .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("reason", e.getMessage())))));
    Router router = Router.router(vertx);
    router.get("/live").handler(ctx -> Responses.sendJson(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    return router;
  }
}
