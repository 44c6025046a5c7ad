package dev.runboard.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The browser dashboard: {@code webroot/} (ES modules, no build step), third-party browser libraries from WebJars
 * under {@code /webjars/} (classpath {@code META-INF/resources/webjars}), and the single-page fallback: any other
 * GET outside {@code /api/} whose last segment has no file extension answers {@code index.html}, so that deep
 * links load the app. Mounted last, after every API route.
 *
 * <p>Every response here carries a strict {@code Content-Security-Policy} (scripts, styles and connections from
 * this origin only, no inline code, no framing; images and media also from the files origin that this client's
 * file links name, for the screenshots and videos shown inline) and {@code X-Content-Type-Options: nosniff};
 * stored files have their own policy on the files origin.
 */
public final class Dashboard {

  /** The policy, with the files origin after {@code img-src} and {@code media-src}. */
  static String policy(String filesOrigin) {
    return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: " + filesOrigin
      + "; media-src " + filesOrigin + "; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
      + "form-action 'self'; object-src 'none'";
  }

  private static final String WEBROOT = "webroot";
  private static final String INDEX = WEBROOT + "/index.html";

  private Dashboard() {
  }

  public static void mount(Router router, FileUrls files) {
    router.route().handler(ctx -> securityHeaders(ctx, files));
    // WebJars are versioned in their paths: cached for a long time.
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars")
      .setCachingEnabled(true).setMaxAgeSeconds(365L * 24 * 3600));
    // The app's own files change with each release: browsers revalidate them.
    router.route().handler(StaticHandler.create(WEBROOT).setCachingEnabled(true).setMaxAgeSeconds(0)
      .setSendVaryHeader(false));
    router.route().handler(Dashboard::singlePage);
  }

  private static void securityHeaders(RoutingContext ctx, FileUrls files) {
    ctx.response()
      .putHeader("Content-Security-Policy",
        policy(files.origin(ctx.request().scheme(), ctx.request().getHeader("Host"))))
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Referrer-Policy", "same-origin")
      .putHeader("X-Frame-Options", "DENY");
    ctx.next();
  }

  private static void singlePage(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String path = ctx.normalizedPath();
    String last = path.substring(path.lastIndexOf('/') + 1);
    if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || path.startsWith("/webjars/") || last.contains(".")) {
      ctx.next();
      return;
    }
    ctx.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .putHeader("Cache-Control", "no-cache");
    if (method == HttpMethod.HEAD) {
      ctx.response().end();
    } else {
      ctx.response().sendFile(INDEX).onFailure(ctx::fail);
    }
  }
}
