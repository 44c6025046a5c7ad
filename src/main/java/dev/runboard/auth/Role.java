package dev.runboard.auth;

import java.util.Locale;

/** What an account may do; each role includes the ones before it. */
public enum Role {
  VIEWER, REPORTER, ADMINISTRATOR;

  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** The wire and database name: {@code viewer}, {@code reporter}, {@code administrator}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; null when it is not one. */
  public static Role fromWire(String name) {
    for (Role role : values()) {
      if (role.wireName().equals(name)) {
        return role;
      }
    }
    return null;
  }
}
