package dev.runboard.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runboard.auth.Access;
import dev.runboard.auth.Guard;
import dev.runboard.auth.Secrets;
import dev.runboard.bus.EventPublisher;
import dev.runboard.config.AppConfig;
import dev.runboard.model.FileLinks;
import dev.runboard.model.RunEvent.RunUpdate;
import dev.runboard.model.RunSummary;
import dev.runboard.store.FileStorage;
import dev.runboard.store.LockedRun;
import dev.runboard.store.NewArtifact;
import dev.runboard.store.NewAttempt;
import dev.runboard.store.RunConflictException;
import dev.runboard.store.RunStore;
import dev.runboard.store.Starter;
import dev.runboard.store.StoredArtifact;
import dev.runboard.store.TestKey;
import dev.runboard.web.ApiException;
import dev.runboard.web.JsonInput;
import dev.runboard.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.MimeMapping;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * File uploads: the one-shot {@code upload} of Playwright-dashboard reporters (a finished run with its reports and
 * traces, like {@code submit}) and attach mode ({@code POST /api/test-runs/{runId}/files} with the stream token, or
 * {@code upload} with a {@code testRunId} field), which adds reports and attempt files to a running run (or to a
 * streamed run that ended less than {@code runs.filesGrace} ago) and publishes {@code run-files} after commit.
 *
 * <p>Uploads are idempotent by content: each file part's SHA-256 is computed while it streams to disk, and a file the
 * run already has (same kind, attempt, name and content), or a report of a type the run has with the same content, is
 * answered with the stored file and not stored again; a resend that brings nothing new publishes nothing.
 *
 * <p>Bodies are read by {@link MultipartReader} into {@code <data.dir>/uploads-tmp} (limit
 * {@code ingest.maxUploadBytes}); report archives are extracted by {@link Archives} on a worker thread next to
 * them (limits {@code ingest.maxArchiveEntries}, {@code ingest.maxArchiveEntryBytes}); files are handed to the
 * {@link FileStorage} inside the transaction that records them. A refused upload leaves no row and no file;
 * temporary files are removed on every outcome, before the answer is sent.
 */
public final class UploadRoutes {

  private static final Logger logger = LoggerFactory.getLogger(UploadRoutes.class);
  private static final Pattern REPORT_TYPE = Pattern.compile("[a-z0-9_-]{1,32}");
  private static final Pattern TRACE = Pattern.compile("trace_(\\d{1,9})");
  private static final Pattern ATTACHMENT = Pattern.compile("attachment_\\d{1,9}");
  private static final Pattern CONTENT_TYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]{1,60}/[A-Za-z0-9!#$&^_.+-]{1,60}");
  private static final int MAX_ATTACHMENTS = 10_000;
  /** Form fields that may also come as file parts ({@code curl -F testRun=@testRun.json}): read as text. */
  private static final Set<String> TEXT_PARTS = Set.of("projectName", "testRun", "testCases", "attachments",
    "testRunId", IngestRoutes.TOKEN_FIELD);

  private final Vertx vertx;
  private final RunStore store;
  private final FileStorage files;
  private final EventPublisher events;
  private final FileLinks links;
  private final long maxUploadBytes;
  private final int maxFieldBytes;
  private final Archives.Limits archiveLimits;
  private final Path tempRoot;
  private final long filesGraceMs;

  public UploadRoutes(Vertx vertx, RunStore store, FileStorage files, EventPublisher events, FileLinks links,
                      AppConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.files = files;
    this.events = events;
    this.links = links;
    this.maxUploadBytes = config.maxUploadBytes();
    this.maxFieldBytes = (int) Math.min(Integer.MAX_VALUE - 8, config.maxSubmitBytes());
    this.archiveLimits = new Archives.Limits(config.maxArchiveEntries(), config.maxArchiveEntryBytes(),
      config.maxUploadBytes());
    this.tempRoot = config.dataDir().resolve("uploads-tmp").toAbsolutePath().normalize();
    this.filesGraceMs = config.filesGraceMs();
  }

  public void mount(Router router, Guard guard) {
    // Uploads
    guard.protect(router.post("/api/test-runs/upload"), Access.REPORTER_OR_STREAM_TOKEN).handler(this::upload);
    guard.protect(router.post("/api/test-runs/:runId/files"), Access.STREAM_TOKEN).handler(this::attach);
  }

  // ----- handlers ---------------------------------------------------------------------------------------------

  /** The answer, sent once the temporary files are gone. */
  private record Reply(int status, JsonObject body) {
  }

  /**
   * One-shot upload (reporter-role credentials), or with a {@code testRunId} field the alias of attach mode,
   * authorised by that run's stream token or by reporter-role credentials alone.
   */
  private void upload(RoutingContext ctx) {
    boolean credentials = Guard.principal(ctx) != null;
    if (!credentials && !isMultipart(ctx)) {
      // Nothing could name a run's stream token: refuse before reading the body.
      throw ApiException.unauthorized("Credentials are required (or, with testRunId, the run's stream token).");
    }
    Upload upload = new Upload();
    Future<Reply> reply = MultipartReader.read(vertx, ctx.request(), upload.temp, maxUploadBytes, maxFieldBytes, TEXT_PARTS)
      .compose(form -> {
        String runIdText = form.fields().get("testRunId");
        if (runIdText == null) {
          if (!credentials) {
            throw ApiException.unauthorized("A one-shot upload needs reporter-role credentials: an API key or a "
              + "session.");
          }
          return submitUpload(upload, form, IngestRoutes.starter(ctx));
        }
        if (form.fields().containsKey("testRun") || form.fields().containsKey("testCases")) {
          throw ApiException.validation("testRunId", "testRunId attaches files to a running run: send it without "
            + "testRun and testCases.");
        }
        Long runId = Guard.parseId(runIdText.trim());
        if (runId == null) {
          throw ApiException.validation("testRunId", "testRunId must be a positive integer.");
        }
        return attachFiles(ctx, upload, runId, form, credentials);
      });
    finish(ctx, upload, reply);
  }

  private static boolean isMultipart(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/");
  }

  private void attach(RoutingContext ctx) {
    long runId = Long.parseLong(ctx.pathParam("runId"));
    String header = ctx.request().getHeader(IngestRoutes.TOKEN_HEADER);
    Upload upload = new Upload();
    // The run and a header token are checked before the body is read: a stranger's body is not stored at all.
    ctx.request().pause();
    Future<Reply> reply = store.peekRun(runId).compose(run -> {
      if (run == null || header != null || !isMultipart(ctx)) {
        // Without a form there is no streamToken field: a missing token is reported before the media type.
        StreamTokens.check(runId, run, header, null, false);
        StreamTokens.requireTakesFiles(run, filesGraceMs);
      }
      return MultipartReader.read(vertx, ctx.request(), upload.temp, maxUploadBytes, maxFieldBytes, TEXT_PARTS);
    }).compose(form -> attachFiles(ctx, upload, runId, form, false));
    finish(ctx, upload, reply);
  }

  private void finish(RoutingContext ctx, Upload upload, Future<Reply> reply) {
    reply.transform(done -> upload.cleanUp(done.succeeded()).compose(v -> done.succeeded()
      ? Future.succeededFuture(done.result()) : Future.<Reply>failedFuture(done.cause())))
      .onSuccess(answer -> Responses.sendJson(ctx, answer.status(), answer.body()))
      .onFailure(e -> {
        // A body refused before it was read whole: let the rest of it drain so the answer reaches the client.
        ctx.request().resume();
        ctx.fail(e instanceof RunConflictException ? ApiException.conflict(e.getMessage()) : e);
      });
  }

  // ----- one-shot upload --------------------------------------------------------------------------------------

  private Future<Reply> submitUpload(Upload upload, MultipartReader.Form form, Starter starter) {
    Map<String, String> fields = form.fields();
    String projectName = text(fields, "projectName", true, 100);
    JsonNode testRun = json(fields, "testRun");
    if (!testRun.isObject()) {
      throw ApiException.validation("testRun", "testRun must be a JSON object, got " + JsonInput.kind(testRun)
        + ".");
    }
    IngestValidator.Submit submit = IngestValidator.submit(projectName, (ObjectNode) testRun, "testRun",
      json(fields, "testCases"), "testCases");
    List<Incoming> incoming = new ArrayList<>(reports(form));
    incoming.addAll(traces(form, submit.entries()));
    requireKnownParts(form, incoming);
    return prepare(upload, incoming).compose(prepared ->
      store.submitUpload(submit.run(), submit.finish(), submit.reportedCounts(), submit.entries(),
        prepared.stream().map(Prepared::artifact).toList(), starter, stored -> place(upload, prepared, stored)))
      .map(uploaded -> {
        RunSummary run = uploaded.run();
        events.publish(RunUpdate.of(RunUpdate.SUBMITTED, run));
        List<StoredArtifact> reports = uploaded.artifacts().stream().filter(a -> "report".equals(a.kind())).toList();
        String reportPath = reports.stream().filter(a -> "html".equals(a.reportType())).findFirst()
          .or(() -> reports.stream().findFirst()).map(this::url).orElse(null);
        return new Reply(201, new JsonObject().put("success", true).put("testRunId", run.id())
          .put("projectId", run.projectId()).put("reportPath", reportPath).put("reports", reportList(reports))
          .put("files", fileList(uploaded.artifacts())));
      });
  }

  /** {@code trace_<n>}: the trace of entry n of {@code testCases}. */
  private static List<Incoming> traces(MultipartReader.Form form, List<NewAttempt> entries) {
    List<Incoming> traces = new ArrayList<>();
    form.files().forEach((field, part) -> {
      Matcher m = TRACE.matcher(field);
      if (!m.matches()) {
        return;
      }
      int entry = Integer.parseInt(m.group(1));
      if (entry >= entries.size()) {
        throw ApiException.validation(field, field + " names entry " + entry + " of testCases, which has "
          + entries.size() + " entries.");
      }
      String name = displayName(part.fileName(), "trace.zip");
      traces.add(new Incoming(field, "trace", null, null, null, entry, entries.get(entry).retry(), name,
        contentType(null, part.contentType(), name), part));
    });
    return traces;
  }

  // ----- attach mode ------------------------------------------------------------------------------------------

  /**
   * @param credentialed whether reporter-role credentials authorise the request without a token (the upload
   *                     alias); a token that is present must be the run's all the same
   */
  private Future<Reply> attachFiles(RoutingContext ctx, Upload upload, long runId, MultipartReader.Form form,
                                    boolean credentialed) {
    String header = ctx.request().getHeader(IngestRoutes.TOKEN_HEADER);
    String field = form.fields().get(IngestRoutes.TOKEN_FIELD);
    return store.peekRun(runId).compose(run -> {
      Integer shard = StreamTokens.check(runId, run, header, field, credentialed);
      StreamTokens.requireTakesFiles(run, filesGraceMs);
      List<Incoming> incoming = new ArrayList<>(shard == null ? reports(form)
        : reports(form).stream().map(report -> report.ofShard(shard, run.shardTotal())).toList());
      incoming.addAll(attachments(form));
      requireKnownParts(form, incoming);
      if (incoming.isEmpty()) {
        throw ApiException.validation(null, "Send at least one report_<type> or attachment_<n> file.");
      }
      return prepare(upload, incoming);
    }).compose(prepared -> store.attachFiles(runId, locked -> {
      StreamTokens.check(runId, locked, header, field, credentialed);
      StreamTokens.requireTakesFiles(locked, filesGraceMs);
    }, prepared.stream().map(Prepared::artifact).toList(), stored -> place(upload, prepared, stored)))
      .map(attached -> {
        // A repeat of files the run has stores nothing and publishes nothing; it is answered with the stored files.
        if (attached.event() != null) {
          events.publish(runId, List.of(attached.event()));
        }
        List<StoredArtifact> reports = attached.artifacts().stream().filter(a -> "report".equals(a.kind()))
          .toList();
        return new Reply(200, new JsonObject().put("success", true).put("testRunId", runId)
          .put("seq", attached.event() == null ? null : attached.event().seq())
          .put("stored", attached.stored()).put("duplicates", attached.duplicates())
          .put("files", fileList(attached.artifacts())).put("reports", reportList(reports)));
      });
  }

  /** {@code attachment_<n>} parts, each described by an item of the {@code attachments} JSON text. */
  private static List<Incoming> attachments(MultipartReader.Form form) {
    Set<String> parts = new HashSet<>();
    form.files().keySet().stream().filter(f -> ATTACHMENT.matcher(f).matches()).forEach(parts::add);
    if (!form.fields().containsKey("attachments")) {
      if (!parts.isEmpty()) {
        throw ApiException.validation("attachments", "attachments is required to describe "
          + parts.iterator().next() + ".");
      }
      return List.of();
    }
    JsonNode items = json(form.fields(), "attachments");
    if (!items.isArray()) {
      throw ApiException.validation("attachments", "attachments must be a JSON array, got " + JsonInput.kind(items)
        + ".");
    }
    if (items.size() > MAX_ATTACHMENTS) {
      throw ApiException.validation("attachments", "attachments has more than " + MAX_ATTACHMENTS + " items.");
    }
    List<Incoming> out = new ArrayList<>();
    Set<String> described = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String base = "attachments[" + i + "]";
      ObjectNode item = JsonInput.objectItem(items.get(i), base);
      String partName = JsonInput.string(item, "part", base + ".part", true, 100);
      MultipartReader.FilePart part = form.files().get(partName);
      if (!ATTACHMENT.matcher(partName).matches() || part == null) {
        throw ApiException.validation(base + ".part", base + ".part must name an attachment_<n> file part of "
          + "this upload, got '" + partName + "'.");
      }
      if (!described.add(partName)) {
        throw ApiException.validation(base + ".part", partName + " is described twice.");
      }
      List<String> titlePath = JsonInput.strings(item, "titlePath", base + ".titlePath", 100, 1_000);
      String file = JsonInput.string(item, "file", base + ".file", false, 4_096);
      String project = JsonInput.string(item, "playwrightProject", base + ".playwrightProject", false, 200);
      Long retry = JsonInput.integer(item, "retry", base + ".retry", false, 0, 1_000);
      TestKey test = null;
      if (titlePath != null || file != null) {
        if (titlePath == null || titlePath.isEmpty() || file == null || file.isEmpty()) {
          throw ApiException.validation(titlePath == null || titlePath.isEmpty() ? base + ".titlePath"
            : base + ".file", base + " names an attempt: it needs both titlePath and file.");
        }
        test = new TestKey(file.replace('\\', '/'), titlePath, project == null ? "" : project, 0);
      }
      String name = JsonInput.string(item, "name", base + ".name", false, 200);
      String type = JsonInput.string(item, "contentType", base + ".contentType", false, 200);
      if (type != null && !CONTENT_TYPE.matcher(type.split(";")[0].trim()).matches()) {
        throw ApiException.validation(base + ".contentType", base + ".contentType must be a media type such as "
          + "image/png.");
      }
      String shown = name != null && !name.isEmpty() ? name : displayName(part.fileName(), partName);
      String contentType = contentType(type, part.contentType(), displayName(part.fileName(), shown));
      out.add(new Incoming(partName, kind(shown, contentType, part.fileName()), null, null, test, null,
        test == null ? null : (int) (retry == null ? 0 : retry), shown, contentType, part));
    }
    for (String partName : parts) {
      if (!described.contains(partName)) {
        throw ApiException.validation(partName, partName + " is not described in attachments.");
      }
    }
    return out;
  }

  private static String kind(String name, String contentType, String fileName) {
    String lower = name.toLowerCase(Locale.ROOT);
    String file = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
    if (lower.equals("trace") || lower.endsWith("trace.zip") || file.endsWith("trace.zip")) {
      return "trace";
    }
    if (contentType.startsWith("image/")) {
      return "screenshot";
    }
    return contentType.startsWith("video/") ? "video" : "other";
  }

  // ----- parts shared by both modes ---------------------------------------------------------------------------

  /** A file part, validated, with what it will be stored as. */
  private record Incoming(String field, String kind, String reportType, String label, TestKey test, Integer entry,
                          Integer retry, String name, String contentType, MultipartReader.FilePart part) {

    /**
     * A report of one shard of a sharded run: each shard's Playwright writes its own, so each is kept, as the
     * type {@code <type>-shard-<n>} labelled with its shard.
     */
    Incoming ofShard(int shard, int total) {
      return new Incoming(field, kind, reportType + "-shard-" + shard, label + " (shard " + shard + "/" + total + ")",
        test, entry, retry, name, contentType, part);
    }
  }

  /** {@code report_<type>} (and legacy {@code htmlReport} = {@code report_html}) with their labels. */
  private static List<Incoming> reports(MultipartReader.Form form) {
    List<Incoming> reports = new ArrayList<>();
    Map<String, String> typeFields = new java.util.HashMap<>();
    form.fields().keySet().stream().filter(f -> f.startsWith("report_") && !f.startsWith("report_label_"))
      .findFirst().ifPresent(f -> {
        throw ApiException.validation(f, f + " must be a file part.");
      });
    form.files().forEach((field, part) -> {
      String type;
      if (field.equals("htmlReport")) {
        type = "html";
      } else if (field.startsWith("report_")) {
        type = field.substring("report_".length());
        if (!REPORT_TYPE.matcher(type).matches()) {
          throw ApiException.validation(field, "A report part is named report_<type> with a type of 1 to 32 "
            + "characters a-z, 0-9, _ or -, got '" + field + "'.");
        }
      } else {
        return;
      }
      String other = typeFields.putIfAbsent(type, field);
      if (other != null) {
        throw ApiException.validation(field, field + " and " + other + " are both the " + type + " report.");
      }
      String label = text(form.fields(), "report_label_" + type, false, 100);
      String name = displayName(part.fileName(), type);
      String contentType = Archives.isArchive(part.fileName()) ? "text/html"
        : contentType(null, part.contentType(), name);
      reports.add(new Incoming(field, "report", type, label == null || label.isEmpty() ? type : label, null, null,
        null, name, contentType, part));
    });
    return reports;
  }

  private static void requireKnownParts(MultipartReader.Form form, List<Incoming> incoming) {
    Set<String> known = new HashSet<>();
    incoming.forEach(i -> known.add(i.field()));
    for (String field : form.files().keySet()) {
      if (!known.contains(field)) {
        throw ApiException.validation(field, "Unexpected file part " + field + ": files are report_<type>, "
          + "trace_<n> (with testCases) or attachment_<n> (with attachments).");
      }
    }
  }

  // ----- files on disk ----------------------------------------------------------------------------------------

  /** An incoming file ready to be stored: {@code source} is the part's file, or the folder it was extracted to. */
  private record Prepared(Incoming incoming, Path source, NewArtifact artifact) {
  }

  /** Extracts the report archives (on a worker thread); single files stay where the reader put them. */
  private Future<List<Prepared>> prepare(Upload upload, List<Incoming> incoming) {
    return vertx.executeBlocking(() -> {
      Archives.Budget budget = new Archives.Budget();
      List<Prepared> prepared = new ArrayList<>();
      for (Incoming in : incoming) {
        MultipartReader.FilePart part = in.part();
        Path source = part.path();
        long size = part.size();
        Integer entries = null;
        if ("report".equals(in.kind()) && Archives.isArchive(part.fileName())) {
          source = upload.staging.resolve(Integer.toString(prepared.size()));
          long before = budget.bytes();
          entries = Archives.extract(part.path(), part.fileName(), source, in.field(), archiveLimits, budget);
          size = budget.bytes() - before;
        }
        prepared.add(new Prepared(in, source, new NewArtifact(in.kind(), in.reportType(), in.label(), in.test(),
          in.entry(), in.retry(), in.name(), FileStorage.safeName(in.name()), in.contentType(), size, entries,
          part.sha256())));
      }
      return prepared;
    }, false);
  }

  /**
   * Hands every new file to the storage (inside the transaction that records it); undoes itself on failure.
   * {@code stored} has one entry per prepared file: null for a file that was stored before (its temporary copy is
   * removed with the upload's temporary folder).
   */
  private Future<Void> place(Upload upload, List<Prepared> prepared, List<StoredArtifact> stored) {
    Future<Void> placed = Future.succeededFuture();
    for (int i = 0; i < stored.size(); i++) {
      StoredArtifact artifact = stored.get(i);
      if (artifact == null) {
        continue;
      }
      Path source = prepared.get(i).source();
      placed = placed.compose(v -> {
        upload.placed.add(artifact);
        return files.put(artifact, source);
      });
    }
    return placed.recover(e -> upload.removePlaced().transform(v -> Future.<Void>failedFuture(e)));
  }

  /** The temporary places of one request, and the files it stored (removed again if it fails). */
  private final class Upload {

    private final String id = UUID.randomUUID().toString();
    private final Path temp = tempRoot.resolve(id);
    private final Path staging = tempRoot.resolve(id + ".extracted");
    private final List<StoredArtifact> placed = new CopyOnWriteArrayList<>();

    Future<Void> cleanUp(boolean stored) {
      Future<Void> removed = stored ? Future.succeededFuture() : removePlaced();
      return removed.transform(v -> vertx.<Void>executeBlocking(() -> {
        deleteTree(temp);
        deleteTree(staging);
        return null;
      }, false)).onFailure(e -> logger.warn("Could not remove the temporary files of upload {}: {}", id,
        e.toString())).otherwiseEmpty();
    }

    Future<Void> removePlaced() {
      List<Future<Void>> removals = placed.stream().map(files::remove).toList();
      placed.clear();
      return Future.join(removals).mapEmpty();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  // ----- small helpers ----------------------------------------------------------------------------------------

  private static String text(Map<String, String> fields, String field, boolean required, int maxLength) {
    String value = fields.get(field);
    if (value == null || (required && value.isEmpty())) {
      if (required) {
        throw ApiException.validation(field, field + " is required.");
      }
      return null;
    }
    if (value.codePointCount(0, value.length()) > maxLength || value.indexOf('\0') >= 0) {
      throw ApiException.validation(field, field + " must be at most " + maxLength + " characters without NUL.");
    }
    return value;
  }

  private static JsonNode json(Map<String, String> fields, String field) {
    String value = fields.get(field);
    if (value == null) {
      throw ApiException.validation(field, field + " is required.");
    }
    JsonNode node = JsonInput.parseText(value, field);
    if (node == null || node.isMissingNode()) {
      throw ApiException.validation(field, field + " is not valid JSON.");
    }
    return node;
  }

  /** The name a file is shown with: the uploaded name without folders, at most 200 characters. */
  private static String displayName(String fileName, String fallback) {
    String name = fileName == null ? "" : fileName.strip();
    name = name.chars().anyMatch(c -> c < 0x20 || c == 0x7f) ? name.replaceAll("\\p{Cntrl}", "_") : name;
    if (name.isEmpty()) {
      return fallback;
    }
    return name.length() > 200 ? name.substring(name.length() - 200) : name;
  }

  /** The declared type if it is a plain media type, else the part's, else by the file name's extension. */
  private static String contentType(String declared, String partType, String fileName) {
    for (String candidate : new String[] {declared, partType}) {
      if (candidate != null && CONTENT_TYPE.matcher(candidate.split(";")[0].trim()).matches()
        && !candidate.startsWith("application/octet-stream")) {
        return candidate.split(";")[0].trim().toLowerCase(Locale.ROOT);
      }
    }
    String byName = MimeMapping.mimeTypeForFilename(fileName);
    return byName != null ? byName : "application/octet-stream";
  }

  private JsonArray fileList(List<StoredArtifact> artifacts) {
    return new JsonArray(artifacts.stream().map(a -> JsonObject.mapFrom(links.link(a.toFile()))).toList());
  }

  private JsonArray reportList(List<StoredArtifact> reports) {
    return new JsonArray(reports.stream().map(a -> new JsonObject().put("type", a.reportType())
      .put("label", a.label()).put("path", url(a))).toList());
  }

  private String url(StoredArtifact artifact) {
    return links.link(artifact.toFile()).url();
  }
}
