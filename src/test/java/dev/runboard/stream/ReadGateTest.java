package dev.runboard.stream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("The read gate of live streams")
class ReadGateTest {

  @Test
  @DisplayName("holds reads beyond its permits in order, and lets a stream's first read go before waiting pages")
  void order(Vertx vertx, VertxTestContext test) {
    List<String> started = new CopyOnWriteArrayList<>();
    Promise<String> blocking = Promise.promise();
    vertx.runOnContext(v -> {
      ReadGate gate = ReadGate.of(vertx, 1);
      Future<String> running = gate.read(() -> {
        started.add("running");
        return blocking.future();
      });
      Future<String> page1 = gate.read(() -> read(started, "page 1"));
      Future<String> page2 = gate.read(() -> read(started, "page 2"));
      Future<String> head = gate.readFirst(() -> read(started, "head"));
      vertx.setTimer(100, t -> {
        test.verify(() -> assertThat(started).as("one permit: the others wait").containsExactly("running"));
        blocking.complete("done");
      });
      Future.all(running, page1, page2, head).onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(started).containsExactly("running", "head", "page 1", "page 2");
        assertThat(head.result()).isEqualTo("head");
        test.completeNow();
      })));
    });
  }

  private static Future<String> read(List<String> started, String name) {
    started.add(name);
    return Future.succeededFuture(name);
  }
}
