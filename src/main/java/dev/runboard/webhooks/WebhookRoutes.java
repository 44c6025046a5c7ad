package dev.runboard.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.auth.Principal;
import dev.runboard.auth.Secrets;
import dev.runboard.config.AppConfig;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The administrators' API of a project's webhooks under {@code /api/projects/{projectId}/webhooks}: list, create
 * (the secret is answered once, generated when not given), read, change, delete, send a test, and read the
 * delivery log. Every route needs the administrator role (webhook URLs, e.g. Slack's, are secrets themselves).
 * Reads {@code webhooks.*} (URL checks, the test delivery's timeouts) and {@code http.publicUrl}.
 */
public final class WebhookRoutes {

  private static final Logger logger = LoggerFactory.getLogger(WebhookRoutes.class);
  static final long BODY_LIMIT = 64 * 1024;
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  static final String SECRET_PREFIX = "whsec_";

  private final WebhookStore store;
  private final Deliverer deliverer;
  private final AppConfig config;

  private WebhookRoutes(WebhookStore store, Deliverer deliverer, AppConfig config) {
    this.store = store;
    this.deliverer = deliverer;
    this.config = config;
  }

  public static Future<WebhookRoutes> create(Vertx vertx, Pool pool, AppConfig config) {
    return WebhookStore.load(vertx, pool).map(store -> new WebhookRoutes(store,
      new Deliverer(store, new Sender(vertx, config), config), config));
  }

  public void mount(Router router, Guard guard) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
    String base = "/api/projects/:projectId/webhooks";
    // Webhooks
    guard.protect(router.get(base), Access.ADMINISTRATOR).handler(this::listWebhooks);
    guard.protect(router.post(base), Access.ADMINISTRATOR).handler(body).handler(this::createWebhook);
    guard.protect(router.get(base + "/:webhookId"), Access.ADMINISTRATOR).handler(this::getWebhook);
    guard.protect(router.patch(base + "/:webhookId"), Access.ADMINISTRATOR).handler(body)
      .handler(this::updateWebhook);
    guard.protect(router.delete(base + "/:webhookId"), Access.ADMINISTRATOR).handler(this::deleteWebhook);
    // Deliveries
    guard.protect(router.post(base + "/:webhookId/test"), Access.ADMINISTRATOR).handler(this::sendTest);
    guard.protect(router.get(base + "/:webhookId/deliveries"), Access.ADMINISTRATOR).handler(this::listDeliveries);
  }

  void listWebhooks(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    onlyParams(ctx);
    store.projectName(projectId).compose(name -> store.list(projectId))
      .onSuccess(webhooks -> Responses.sendJson(ctx, 200, new JsonObject().put("projectId", projectId)
        .put("events", new JsonArray(WebhookEvent.SUBSCRIBABLE)).put("formats", new JsonArray(formats()))
        .put("webhooks", new JsonArray(webhooks.stream().map(Webhook::toJson).toList()))))
      .onFailure(ctx::fail);
  }

  /** 201 with the webhook and its {@code secret}, the only time the secret is shown. */
  void createWebhook(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    onlyParams(ctx);
    Principal principal = Guard.principal(ctx);
    store.projectName(projectId).compose(name -> {
      WebhookInput.Create input = WebhookInput.create(body(ctx), config.webhooksAllowPrivate());
      String secret = input.secret() != null ? input.secret() : Secrets.newSecret(SECRET_PREFIX);
      return store.insert(projectId, input, secret, dashboardOrigin(ctx))
        .map(webhook -> webhook.toJson().put("secret", secret));
    }).onSuccess(created -> {
      logger.info("User {} created webhook {} of project {} ({})", principal.username(), created.getLong("id"),
        projectId, created.getString("format"));
      Responses.sendJson(ctx, 201, created);
    }).onFailure(ctx::fail);
  }

  void getWebhook(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    long webhookId = id(ctx, "webhookId");
    onlyParams(ctx);
    store.projectName(projectId).compose(name -> store.find(projectId, webhookId))
      .onSuccess(webhook -> Responses.sendJson(ctx, 200, webhook.toJson()))
      .onFailure(ctx::fail);
  }

  /** Changes the given fields; with {@code rotateSecret} the answer carries the new {@code secret}, once. */
  void updateWebhook(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    long webhookId = id(ctx, "webhookId");
    onlyParams(ctx);
    Principal principal = Guard.principal(ctx);
    store.projectName(projectId).compose(name -> store.find(projectId, webhookId)).compose(existing -> {
      WebhookInput.Update input = WebhookInput.update(body(ctx), config.webhooksAllowPrivate());
      String secret = input.rotateSecret() ? Secrets.newSecret(SECRET_PREFIX) : input.secret();
      return store.update(projectId, webhookId, input, secret, dashboardOrigin(ctx)).map(webhook -> {
        JsonObject json = webhook.toJson();
        return input.rotateSecret() ? json.put("secret", secret) : json;
      });
    }).onSuccess(updated -> {
      logger.info("User {} changed webhook {} of project {}", principal.username(), webhookId, projectId);
      Responses.sendJson(ctx, 200, updated);
    }).onFailure(ctx::fail);
  }

  void deleteWebhook(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    long webhookId = id(ctx, "webhookId");
    onlyParams(ctx);
    Principal principal = Guard.principal(ctx);
    store.projectName(projectId).compose(name -> store.delete(projectId, webhookId)).onSuccess(v -> {
      logger.info("User {} deleted webhook {} of project {}", principal.username(), webhookId, projectId);
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  /**
   * Sends a {@code webhook.test} delivery now (also for a disabled webhook), once, and answers 200 with its log
   * entry: {@code delivered}, or {@code failed} with the response code or error. Any request body is ignored.
   */
  void sendTest(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    long webhookId = id(ctx, "webhookId");
    onlyParams(ctx);
    store.projectName(projectId).compose(name -> store.find(projectId, webhookId))
      .compose(webhook -> store.insertTest(webhook.id(), WebhookVerticle.leaseMs(config)))
      .compose(claim -> deliverer.deliver(claim).compose(v -> store.delivery(claim.deliveryId())))
      .onSuccess(delivery -> Responses.sendJson(ctx, 200, delivery))
      .onFailure(ctx::fail);
  }

  /**
   * The webhook's deliveries, newest first: {@code limit} (1–200, default 50), {@code cursor} from the previous
   * page's {@code nextCursor}.
   */
  void listDeliveries(RoutingContext ctx) {
    long projectId = id(ctx, "projectId");
    long webhookId = id(ctx, "webhookId");
    MultiMap params = onlyParams(ctx, "limit", "cursor");
    int limit = limit(params.get("limit"));
    Long before = cursor(params.get("cursor"));
    store.projectName(projectId).compose(name -> store.find(projectId, webhookId))
      .compose(webhook -> store.deliveries(webhookId, before, limit + 1))
      .onSuccess(rows -> {
        String next = null;
        if (rows.size() > limit) {
          rows.remove(limit);
          next = String.valueOf(rows.getJsonObject(limit - 1).getLong("id"));
        }
        Responses.sendJson(ctx, 200, new JsonObject().put("webhookId", webhookId).put("deliveries", rows)
          .put("nextCursor", next));
      })
      .onFailure(ctx::fail);
  }

  // ----- input ------------------------------------------------------------------------------------------------

  private static long id(RoutingContext ctx, String name) {
    return Long.parseLong(ctx.pathParam(name));
  }

  private static ObjectNode body(RoutingContext ctx) {
    return JsonInput.body(ctx);
  }

  /** Refuses query parameters other than {@code allowed}, and repeated ones. */
  private static MultiMap onlyParams(RoutingContext ctx, String... allowed) {
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
    return params;
  }

  private static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    if (!text.matches("[0-9]{1,4}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MAX_LIMIT) {
      throw ApiException.validation("limit", "limit must be an integer between 1 and " + MAX_LIMIT + ", got '"
        + abbreviate(text) + "'.");
    }
    return Integer.parseInt(text);
  }

  private static Long cursor(String text) {
    if (text == null) {
      return null;
    }
    Long id = Guard.parseId(text);
    if (id == null) {
      throw ApiException.validation("cursor", "cursor must be a nextCursor this route answered, got '"
        + abbreviate(text) + "'.");
    }
    return id;
  }

  /**
   * The dashboard's origin as this request sees it (its {@code Origin} header, else its scheme and {@code Host}),
   * kept with the webhook for links when {@code http.publicUrl} is not set; null when neither is usable.
   */
  static String dashboardOrigin(RoutingContext ctx) {
    String origin = origin(ctx.request().getHeader("Origin"));
    if (origin != null) {
      return origin;
    }
    HostAndPort authority = ctx.request().authority();
    return authority == null ? null : origin(ctx.request().scheme() + "://" + authority);
  }

  private static String origin(String text) {
    if (text == null || text.length() > 300) {
      return null;
    }
    try {
      URI uri = new URI(text.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
        return null;
      }
      return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }

  private static List<String> formats() {
    return WebhookInput.FORMATS.stream().sorted().toList();
  }
}
