package dev.runboard.auth;

/**
 * The access rule of a route, recorded on the route itself (metadata {@link #METADATA}) so that the access
 * matrix test can check every route the routers declare, including ones added later.
 */
public enum Access {
  /** Anyone: health, login, first-run setup. */
  PUBLIC,
  /** At least the viewer role (or anyone, when {@code auth.anonymousRead} is on). */
  VIEWER,
  /** At least the reporter role: ingest. */
  REPORTER,
  /** Administrators only. */
  ADMINISTRATOR,
  /** Any signed-in account, whatever its role (its own profile, its own API keys, logout). */
  SIGNED_IN,
  /** The run's stream token (header {@code X-Stream-Token} or body field {@code streamToken}). */
  STREAM_TOKEN,
  /**
   * At least the reporter role when credentials are presented; without them the route's handler requires the
   * named run's stream token (the {@code upload} alias of attach mode, whose run is named in its body).
   */
  REPORTER_OR_STREAM_TOKEN;

  public static final String METADATA = "runboard.access";
}
