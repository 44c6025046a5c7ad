package dev.runboard.ingest;

import dev.runboard.auth.Secrets;
import dev.runboard.store.LockedRun;
import dev.runboard.web.ApiException;

/**
 * The checks of stream-token routes ({@code events}, files, {@code finish}), in the protocol's order: the run
 * (404), then the token (both forms and different → 400; none → 401; not the run's, or one of its shards',
 * current token → 403; its credentials revoked → 403), then the state (409: results and {@code finish} while the
 * run runs, files also for a while after it ended).
 */
final class StreamTokens {

  static final String HEADER = "X-Stream-Token";
  static final String FIELD = "streamToken";

  private StreamTokens() {
  }

  /**
   * Checks the token of a request naming run {@code runId}; returns the shard it is a token of (null for an
   * unsharded run, or for a {@code credentialed} request without a token, which reporter-role credentials
   * authorise).
   */
  static Integer check(long runId, LockedRun run, String header, String field, boolean credentialed) {
    if (run == null) {
      throw ApiException.notFound("No run " + runId + ".");
    }
    if (header != null && field != null && !header.equals(field)) {
      throw ApiException.validation(FIELD, "The X-Stream-Token header and the streamToken field differ.");
    }
    String token = header != null ? header : field;
    if ((token == null || token.isEmpty()) && credentialed) {
      return null;
    }
    if (token == null || token.isEmpty()) {
      throw ApiException.unauthorized("This run's stream token is required (X-Stream-Token or streamToken).");
    }
    if (run.sharded()) {
      for (LockedRun.ShardState shard : run.shards()) {
        if (Secrets.matches(token, shard.streamTokenHash())) {
          requireAuthority(run, shard.authorityHolds());
          return shard.current();
        }
      }
      throw ApiException.forbidden("This is not the current stream token of a shard of run " + run.id() + ".");
    }
    if (!Secrets.matches(token, run.streamTokenHash())) {
      throw ApiException.forbidden("This is not the current stream token of run " + run.id() + ".");
    }
    requireAuthority(run, run.authorityHolds());
    return null;
  }

  /** 409 unless the run, and the shard the token is of, take results. */
  static void requireRunning(LockedRun run, Integer shard) {
    if (!run.running()) {
      throw ApiException.conflict("Run " + run.id() + " has finished (" + run.status() + "); it takes no more "
        + "results.");
    }
    if (shard != null && !shardRunning(run, shard)) {
      throw ApiException.conflict("Shard " + shard + " of run " + run.id() + " has finished; it takes no more "
        + "results.");
    }
  }

  /**
   * 409 unless the run takes files: while it runs (also from the token of a shard that has finished), and for
   * {@code graceMs} after the server recorded the end of a streamed run, so that files whose answers were lost can
   * follow its {@code finish} (the reporter always finishes; {@code flush} sends them later).
   */
  static void requireTakesFiles(LockedRun run, long graceMs) {
    if (run.running() || (run.finishedMsAgo() != null && run.finishedMsAgo() <= graceMs)) {
      return;
    }
    throw ApiException.conflict("Run " + run.id() + " has finished (" + run.status() + ")"
      + (run.finishedMsAgo() == null ? "" : " more than " + duration(graceMs) + " ago (runs.filesGrace)")
      + "; it takes no more files.");
  }

  private static String duration(long ms) {
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + " h";
    }
    return ms % 60_000 == 0 ? ms / 60_000 + " min" : ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  static boolean shardRunning(LockedRun run, int shard) {
    return run.shards().stream().anyMatch(s -> s.current() == shard && s.status().running());
  }

  /** A stream token derives from the credentials that started its run (or shard): it ends when they are revoked. */
  private static void requireAuthority(LockedRun run, boolean holds) {
    if (!holds) {
      throw ApiException.forbidden("The account or API key that started run " + run.id() + " was revoked, "
        + "deleted or lost the reporter role: its stream tokens no longer work.");
    }
  }
}
