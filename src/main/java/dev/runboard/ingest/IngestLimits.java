package dev.runboard.ingest;

import dev.runboard.config.AppConfig;

/** Body limits of the ingest routes, enforced while the body is read (413 before it is read whole). */
record IngestLimits(long startBytes, long eventsBytes, long submitBytes) {

  static IngestLimits from(AppConfig config) {
    return new IngestLimits(config.maxStartBytes(), config.maxEventsBytes(), config.maxSubmitBytes());
  }
}
