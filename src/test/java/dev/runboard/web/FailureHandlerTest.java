package dev.runboard.web;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The failure handler tells a database that cannot be reached (503) from a fault (500)")
class FailureHandlerTest {

  private static PgException pg(String sqlState) {
    return new PgException("message", "FATAL", sqlState, null);
  }

  @Test
  @DisplayName("refused and closed connections, SQLSTATE class 08 and 57P01/57P02/57P03 mean unavailable")
  void unavailable() {
    assertThat(FailureHandler.databaseUnavailable(new ConnectException("Connection refused"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(ClosedConnectionException.INSTANCE)).isTrue();
    assertThat(FailureHandler.databaseUnavailable(pg("08006"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(pg("08001"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(pg("57P01"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(pg("57P02"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(pg("57P03"))).isTrue();
    assertThat(FailureHandler.databaseUnavailable(new CompletionException(new ConnectException("refused"))))
      .as("as a cause").isTrue();
  }

  @Test
  @DisplayName("other database errors and other exceptions stay faults")
  void faults() {
    assertThat(FailureHandler.databaseUnavailable(pg("23505"))).isFalse();
    assertThat(FailureHandler.databaseUnavailable(pg("28P01"))).as("wrong password: a configuration fault").isFalse();
    assertThat(FailureHandler.databaseUnavailable(pg("57014"))).as("query cancelled").isFalse();
    assertThat(FailureHandler.databaseUnavailable(new IllegalStateException("bug"))).isFalse();
    assertThat(FailureHandler.databaseUnavailable(null)).isFalse();
  }
}
