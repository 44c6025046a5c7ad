package dev.runboard.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;

/** Plain JDBC to the node's embedded PostgreSQL, for setup, checks and the raw loader (never timed). */
final class Db {

  final int port;
  /** The superuser's password, from {@code <data dir>/postgres/superuser.password}. */
  final String password;

  Db(int port, String password) {
    this.port = port;
    this.password = password;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/runboard", "postgres", password);
  }

  long scalar(String sql, Object... params) throws SQLException {
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      bind(c, s, params);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  String text(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  void exec(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static void bind(Connection c, PreparedStatement s, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof long[] longs) {
        Long[] boxed = new Long[longs.length];
        for (int j = 0; j < longs.length; j++) {
          boxed[j] = longs[j];
        }
        s.setArray(i + 1, c.createArrayOf("bigint", boxed));
      } else {
        s.setObject(i + 1, p);
      }
    }
  }

  /** A user with {@code role} and an API key for it, made straight in the database (as the tests do). */
  String apiKey(String role) throws SQLException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String key = "rb_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try (Connection c = connect();
         PreparedStatement user = c.prepareStatement(
           "INSERT INTO users (username, password_hash, role) VALUES (?, 'not-a-hash', ?) RETURNING id");
         PreparedStatement apiKey = c.prepareStatement(
           "INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES (?, 'bench', ?, ?)")) {
      user.setString(1, "bench-" + role + "-" + System.nanoTime());
      user.setString(2, role);
      long userId;
      try (ResultSet rs = user.executeQuery()) {
        rs.next();
        userId = rs.getLong(1);
      }
      apiKey.setLong(1, userId);
      apiKey.setString(2, key.substring(0, 10));
      apiKey.setBytes(3, sha256(key));
      apiKey.executeUpdate();
    }
    return key;
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
