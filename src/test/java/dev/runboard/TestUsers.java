package dev.runboard;

import dev.runboard.auth.Secrets;
import dev.runboard.config.DatabaseUrl;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/** Accounts made straight in the database, for tests of areas other than accounts themselves. */
public final class TestUsers {

  private static final AtomicInteger users = new AtomicInteger();

  private TestUsers() {
  }

  /** Creates a user with {@code role} and an API key for it; returns the key. */
  public static String apiKey(DatabaseUrl url, String role) {
    String key = Secrets.newSecret("rb_");
    try (Connection c = TestDatabase.jdbc(url);
         PreparedStatement user = c.prepareStatement(
           "INSERT INTO users (username, password_hash, role) VALUES (?, 'not-a-hash', ?) RETURNING id");
         PreparedStatement apiKey = c.prepareStatement(
           "INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES (?, 'test', ?, ?)")) {
      user.setString(1, role + "-" + users.incrementAndGet() + "-" + System.nanoTime());
      user.setString(2, role);
      long userId;
      try (ResultSet rs = user.executeQuery()) {
        rs.next();
        userId = rs.getLong(1);
      }
      apiKey.setLong(1, userId);
      apiKey.setString(2, key.substring(0, 10));
      apiKey.setBytes(3, Secrets.hash(key));
      apiKey.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return key;
  }
}
