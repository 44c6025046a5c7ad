package dev.runboard.webhooks;

import dev.runboard.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Posts one delivery, guarding against server-side request forgery: the URL's host is resolved here and every
 * address it resolves to is checked ({@link AddressPolicy}, unless {@code webhooks.allowPrivate}); the request then
 * goes to the checked address itself (no second lookup that could answer differently), with the host name kept for
 * {@code Host}, TLS server name and certificate check. Redirects are not followed. {@code webhooks.connectTimeout}
 * bounds the connection and {@code webhooks.timeout} the whole attempt, name lookup included. Only the status is
 * read: the response body is dropped with the connection.
 */
final class Sender {

  /** What became of one attempt. */
  sealed interface Result {
  }

  /** The receiver answered; 2xx counts as delivered. */
  record Answered(int status, String location) implements Result {
    boolean success() {
      return status >= 200 && status < 300;
    }
  }

  /** Not sent: the address is forbidden. Never retried. */
  record Refused(String reason) implements Result {
  }

  /** The request failed: name lookup, connection, TLS, timeout. */
  record Failed(String reason) implements Result {
  }

  private static final int MAX_REASON = 500;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final boolean allowPrivate;
  private final long connectTimeoutMs;
  private final long timeoutMs;

  Sender(Vertx vertx, AppConfig config) {
    this.vertx = vertx;
    this.allowPrivate = config.webhooksAllowPrivate();
    this.connectTimeoutMs = config.webhookConnectTimeoutMs();
    this.timeoutMs = config.webhookTimeoutMs();
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setVerifyHost(true)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeoutMs)), new PoolOptions().setHttp1MaxSize(4));
  }

  Future<Result> post(String url, Buffer body, Map<String, String> headers) {
    WebhookUrl target;
    try {
      target = WebhookUrl.parse(url);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new Refused("the URL " + e.getMessage()));
    }
    Promise<Result> result = Promise.promise();
    AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (result.tryComplete(new Failed("no answer within " + timeoutMs + " ms (webhooks.timeout)"))) {
        HttpClientRequest request = inFlight.get();
        if (request != null) {
          request.reset(0, new TimeoutException());
        }
      }
    });
    resolve(target.host()).compose(addresses -> {
      if (!allowPrivate) {
        for (InetAddress address : addresses) {
          String why = AddressPolicy.forbidden(address);
          if (why != null) {
            String what = address.getHostAddress().equals(target.host()) ? target.host() + " is "
              : target.host() + " resolves to " + address.getHostAddress() + ", ";
            return Future.succeededFuture(new Refused("refused: " + what + why + " (webhooks.allowPrivate is off)"));
          }
        }
      }
      return request(target, addresses[0], body, headers, inFlight);
    }).onComplete(done -> {
      vertx.cancelTimer(timer);
      result.tryComplete(done.succeeded() ? done.result() : new Failed(reason(done.cause(), target)));
    });
    return result.future();
  }

  private Future<InetAddress[]> resolve(String host) {
    return vertx.executeBlocking(() -> InetAddress.getAllByName(host), false);
  }

  private Future<Result> request(WebhookUrl target, InetAddress address, Buffer body, Map<String, String> headers,
                                 AtomicReference<HttpClientRequest> inFlight) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
      .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, target.port())))
      .setHost(target.host()).setPort(target.port()).setSsl(target.https()).setURI(target.target())
      .setFollowRedirects(false).setConnectTimeout(connectTimeoutMs).setIdleTimeout(timeoutMs);
    headers.forEach(options::putHeader);
    return client.request(options).compose(request -> {
      inFlight.set(request);
      return request.send(body);
    }).map(response -> {
      Result answered = new Answered(response.statusCode(), response.getHeader("Location"));
      // Nothing of the body is needed: closing the connection drops it, however large or slow it is.
      response.exceptionHandler(ignored -> {
      });
      response.request().reset();
      return answered;
    });
  }

  private static String reason(Throwable failure, WebhookUrl target) {
    String text;
    if (failure instanceof UnknownHostException) {
      text = "the host " + target.host() + " could not be resolved";
    } else if (failure instanceof ConnectException || failure.getClass().getSimpleName().contains("Connect")) {
      text = "could not connect to " + target.host() + ":" + target.port() + ": " + failure.getMessage();
    } else if (failure instanceof TimeoutException) {
      text = "timed out: " + failure.getMessage();
    } else {
      text = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }
    return text.length() > MAX_REASON ? text.substring(0, MAX_REASON - 1) + "…" : text;
  }

  Future<Void> close() {
    return client.close();
  }
}
