package dev.runboard.store;

import dev.runboard.config.AppConfig;
import io.vertx.core.Vertx;

/** Builds the node's {@link FileStorage} of the configured kind ({@code storage.kind}). */
public final class FileStorages {

  private FileStorages() {
  }

  public static FileStorage create(Vertx vertx, AppConfig config) {
    return switch (config.storageKind()) {
      case "s3" -> S3Storage.create(vertx, config);
      default -> new FilesystemStorage(vertx, config.storageDir());
    };
  }
}
