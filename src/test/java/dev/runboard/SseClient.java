package dev.runboard;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client for tests that parses the stream as the HTML spec says (fields per line, events
 * dispatched on a blank line, comments, CRLF or LF), so tests assert on events, not on body text.
 */
public final class SseClient implements AutoCloseable {

  /** One dispatched event; {@code id} is null when the event carried none. */
  public record Event(String id, String type, String data) {

    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final List<String> comments = new ArrayList<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final StringBuilder pending = new StringBuilder();
  private int scanned;
  private HttpClientResponse response;
  private String id;
  private String type;
  private StringBuilder data;
  private Integer retry;
  private long received;

  private SseClient() {
  }

  /** Connects and returns once the response headers arrived (any status). */
  public static SseClient connect(HttpClient http, int port, String path, MultiMap headers) {
    try {
      return connectOrTimeout(http, port, path, headers);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no SSE response headers within 10 s: " + path, e);
    }
  }

  private static SseClient connectOrTimeout(HttpClient http, int port, String path, MultiMap headers)
    throws java.util.concurrent.TimeoutException {
    SseClient client = new SseClient();
    client.response = http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI(path).setHeaders(headers))
      .compose(request -> {
        // The handlers are attached before the request is sent, so they are set as the response arrives, on its
        // event loop, before any of its body is handled (a callback attached after send() may run later than
        // the first chunks, on this thread, and they would be lost).
        Future<HttpClientResponse> response = request.response().andThen(done -> {
          if (done.succeeded()) {
            done.result().handler(client::onData);
            done.result().endHandler(v -> client.ended.complete(null));
            done.result().exceptionHandler(client.ended::completeExceptionally);
          }
        });
        request.end();
        return response;
      })
      .await(10, TimeUnit.SECONDS);
    return client;
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  public Integer retry() {
    return retry;
  }

  public synchronized List<String> comments() {
    return List.copyOf(comments);
  }

  /** The next event, waiting up to 30 s (the machine may be loaded); fails the test when none comes. */
  public Event next() throws InterruptedException {
    Event event = events.poll(30, TimeUnit.SECONDS);
    if (event == null) {
      throw new AssertionError(describe("no SSE event within 30 s"));
    }
    return event;
  }

  private synchronized String describe(String what) {
    return what + " (status " + response.statusCode() + ", " + received + " bytes received, " + comments.size()
      + " comments, ended: " + ended.isDone() + ")";
  }

  /** The next event if one comes within {@code millis}, else null. */
  public Event poll(long millis) throws InterruptedException {
    return events.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Whether the server ended the response within {@code millis}. */
  public boolean endsWithin(long millis) {
    try {
      ended.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return ended.isDone();
    }
  }

  private synchronized void onData(Buffer chunk) {
    received += chunk.length();
    pending.append(chunk.toString(StandardCharsets.UTF_8));
    int newline;
    while ((newline = indexOfLineEnd()) >= 0) {
      String line = pending.substring(0, newline);
      int skip = pending.charAt(newline) == '\r' && newline + 1 < pending.length()
        && pending.charAt(newline + 1) == '\n' ? 2 : 1;
      pending.delete(0, newline + skip);
      scanned = 0;
      onLine(line);
    }
  }

  /** The first line end in {@code pending}, searched from where the last search stopped (long lines come in parts). */
  private int indexOfLineEnd() {
    for (int i = scanned; i < pending.length(); i++) {
      char c = pending.charAt(i);
      if (c == '\n' || (c == '\r' && i + 1 < pending.length())) {
        return i;
      }
    }
    scanned = Math.max(0, pending.length() - 1);
    return -1;
  }

  private void onLine(String line) {
    if (line.isEmpty()) {
      if (data != null) {
        events.add(new Event(id, type == null ? "message" : type, data.toString()));
      }
      type = null;
      data = null;
      id = null;
      return;
    }
    if (line.startsWith(":")) {
      comments.add(line.substring(1).trim());
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> type = value;
      case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      case "id" -> id = value;
      case "retry" -> retry = Integer.parseInt(value);
      default -> {
      }
    }
  }

  @Override
  public void close() {
    if (response != null && !ended.isDone()) {
      response.request().connection().close();
    }
  }

  public Future<Void> closeAsync() {
    return response.request().connection().close();
  }
}
