package dev.runboard.api;

import dev.runboard.model.FileLinks;
import dev.runboard.model.RunFile;
import dev.runboard.store.FileStorage;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where {@link FileRoutes} serves a file: {@code /api/files/<id>/} for an extracted report (its {@code index.html}
 * by default, relative links under the folder) and {@code /api/files/<id>/<name>} for a single file.
 */
public final class FileUrls implements FileLinks {

  static final String PREFIX = "/api/files/";

  @Override
  public RunFile link(RunFile file) {
    return file.withUrl(PREFIX + file.id() + "/" + (file.archive() ? ""
      : URLEncoder.encode(FileStorage.safeName(file.name()), StandardCharsets.UTF_8).replace("+", "%20")));
  }
}
