package dev.runboard.api;

import dev.runboard.auth.FileCapabilities;
import dev.runboard.config.AppConfig;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RunFile;
import dev.runboard.store.FileStorage;
import dev.runboard.web.RequestHost;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Where a file is served: an absolute URL on the files origin with a signed, expiring capability,
 * {@code <files origin>/c/<capability>/<id>/} for an extracted report (its {@code index.html} by default; its relative
 * links stay under the capability) and {@code <files origin>/c/<capability>/<id>/<name>} for a single file.
 *
 * <p>The files origin is {@code files.publicUrl}; when that is empty, the dashboard's host on the files port: the
 * host of {@code http.publicUrl}, else the host the client's request named (see {@link #forClient}), else (no
 * request: upload answers) {@code http.host} unless it is a wildcard address, else {@code localhost}.
 */
public final class FileUrls implements FileLinks {

  static final String PREFIX = "/api/files/";
  static final String CAPABILITY_PREFIX = "/c/";
  static final String VIEWER_PREFIX = "/v/";

  private final FileCapabilities capabilities;
  private final String configuredOrigin;
  private final String dashboardScheme;
  private final String dashboardHost;
  private final String fallbackHost;
  private volatile int filesPort;

  public FileUrls(AppConfig config, FileCapabilities capabilities) {
    this.capabilities = capabilities;
    this.configuredOrigin = config.filesPublicUrl().isEmpty() ? null : config.filesPublicUrl();
    URI dashboard = config.publicUrl().isEmpty() ? null : URI.create(config.publicUrl());
    this.dashboardScheme = dashboard == null ? null : dashboard.getScheme().toLowerCase(Locale.ROOT);
    this.dashboardHost = dashboard == null ? null : dashboard.getHost().toLowerCase(Locale.ROOT);
    String bound = config.httpHost();
    this.fallbackHost = bound.equals("0.0.0.0") || bound.equals("::") || bound.equals("[::]") ? "localhost"
      : bound.contains(":") && !bound.startsWith("[") ? "[" + bound + "]" : bound;
    this.filesPort = config.filesPort();
  }

  /** The files listener's actual port, once it listens (when {@code files.port} is 0). */
  public void listening(int port) {
    this.filesPort = port;
  }

  @Override
  public RunFile link(RunFile file) {
    return link(file, origin(null, null));
  }

  @Override
  public FileLinks forClient(String scheme, String host) {
    return new ForOrigin(this, origin(scheme, host));
  }

  @Override
  public Link traceViewer(long viewerId) {
    return traceViewer(viewerId, origin(null, null));
  }

  private Link traceViewer(long viewerId, String origin) {
    FileCapabilities.Capability capability = capabilities.signTraceViewer(viewerId);
    return new Link(origin + VIEWER_PREFIX + capability.token() + "/" + viewerId + "/",
      capability.expiresAt().toString());
  }

  /** Links on one files origin; equal when the origin is. */
  private record ForOrigin(FileUrls urls, String origin) implements FileLinks {

    @Override
    public RunFile link(RunFile file) {
      return urls.link(file, origin);
    }

    @Override
    public FileLinks forClient(String scheme, String host) {
      return urls.forClient(scheme, host);
    }

    @Override
    public Link traceViewer(long viewerId) {
      return urls.traceViewer(viewerId, origin);
    }
  }

  private RunFile link(RunFile file, String origin) {
    FileCapabilities.Capability capability = capabilities.sign(file.id());
    String name = file.archive() ? "" : encode(FileStorage.safeName(file.name()));
    return file.withUrl(base(origin, capability, file.id()) + name, capability.expiresAt().toString());
  }

  /** A signed URL and when it expires. */
  record Signed(String url, String expiresAt) {
  }

  /**
   * The signed URL of an entry of a file for a client ({@code scheme} and {@code Host} of its request):
   * {@code rawPath} is the entry's path as it came in a URL (percent-encoded), or empty for the file itself.
   */
  Signed entry(long artifactId, String rawPath, String scheme, String host) {
    FileCapabilities.Capability capability = capabilities.sign(artifactId);
    return new Signed(base(origin(scheme, host), capability, artifactId) + rawPath,
      capability.expiresAt().toString());
  }

  private static String base(String origin, FileCapabilities.Capability capability, long id) {
    return origin + CAPABILITY_PREFIX + capability.token() + "/" + id + "/";
  }

  /** The files origin for a client that used {@code scheme} and {@code host} (either may be null). */
  String origin(String scheme, String host) {
    if (configuredOrigin != null) {
      return configuredOrigin;
    }
    if (dashboardHost != null) {
      return RequestHost.origin(dashboardScheme, dashboardHost, filesPort);
    }
    String hostname = RequestHost.hostname(host);
    return RequestHost.origin(scheme == null ? "http" : scheme, hostname == null ? fallbackHost : hostname, filesPort);
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
