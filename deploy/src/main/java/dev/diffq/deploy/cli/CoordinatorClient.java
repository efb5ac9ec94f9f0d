package dev.diffq.deploy.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.diffq.contract.JobJson;
import dev.diffq.contract.Violation;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The coordinator's HTTP API (docs/API.md) for the command line, over java.net.http. */
final class CoordinatorClient {

    record JobPage(List<JobRecord> jobs, Optional<String> nextCursor) {}

    record ArtifactLink(String name, long size, String contentType, String kind, String url) {}

    record UploadedImage(String id, int width, int height, int channels, long size) {}

    record UploadedDataset(String name, long images, List<String> classes) {}

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(10);

    private final URI base;
    private final String token;
    private final HttpClient http;

    CoordinatorClient(String baseUrl, String token) {
        this.base = baseUri(baseUrl);
        this.token = token == null ? "" : token.trim();
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    static URI baseUri(String url) {
        String u = url.trim();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            URI uri = URI.create(u);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--url: expected http://HOST:PORT, got '" + url + "'");
        }
    }

    String baseUrl() {
        return base.toString();
    }

    // ---------- jobs ----------

    /** POST /v1/jobs, or PUT /v1/jobs/{id} when the caller chose the id. */
    JobRecord submit(JobSpec spec, Optional<String> jobId, Optional<String> idempotencyKey) {
        HttpRequest.Builder r = request(jobId.map(id -> "/v1/jobs/" + encode(id)).orElse("/v1/jobs"), CALL_TIMEOUT)
                .header("Content-Type", "application/json");
        idempotencyKey.ifPresent(k -> r.header("Idempotency-Key", k));
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString(JobJson.print(spec));
        r.method(jobId.isPresent() ? "PUT" : "POST", body);
        return record(send(r.build(), "submit the job"));
    }

    JobRecord job(String id) {
        return record(send(request("/v1/jobs/" + encode(id), CALL_TIMEOUT).GET().build(), "read job '" + id + "'"));
    }

    JobPage jobs(Optional<String> state, Optional<String> kind, Optional<Integer> limit, Optional<String> cursor) {
        List<String> query = new ArrayList<>();
        state.ifPresent(s -> query.add("state=" + encode(s.toUpperCase(Locale.ROOT))));
        kind.ifPresent(k -> query.add("kind=" + encode(k)));
        limit.ifPresent(l -> query.add("limit=" + l));
        cursor.ifPresent(c -> query.add("cursor=" + encode(c)));
        String path = "/v1/jobs" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        Struct page = object(send(request(path, CALL_TIMEOUT).GET().build(), "list jobs"), "a job list");
        List<JobRecord> jobs = new ArrayList<>();
        for (Value v : Json.list(page, "jobs")) {
            if (v.hasStructValue()) {
                jobs.add(Json.message(v.getStructValue(), JobRecord.newBuilder()).build());
            }
        }
        String next = Json.string(page, "next_cursor");
        if (next.isEmpty()) {
            next = Json.string(page, "nextCursor");
        }
        return new JobPage(jobs, next.isEmpty() ? Optional.empty() : Optional.of(next));
    }

    JobRecord cancel(String id) {
        return record(send(request("/v1/jobs/" + encode(id) + "/cancel", CALL_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), "cancel job '" + id + "'"));
    }

    List<ArtifactLink> artifacts(String id) {
        Struct body = object(send(request("/v1/jobs/" + encode(id) + "/artifacts", CALL_TIMEOUT).GET().build(),
                "list the artifacts of job '" + id + "'"), "an artifact list");
        List<ArtifactLink> out = new ArrayList<>();
        for (Value v : Json.list(body, "artifacts")) {
            if (!v.hasStructValue()) {
                continue;
            }
            Struct a = v.getStructValue();
            String contentType = Json.string(a, "content_type");
            out.add(new ArtifactLink(Json.string(a, "name"), Json.number(a, "size").orElse(0d).longValue(),
                    contentType.isEmpty() ? Json.string(a, "contentType") : contentType, Json.string(a, "kind"), Json.string(a, "url")));
        }
        return out;
    }

    /**
     * GET /v1/jobs/{id}/events: calls {@code onEvent} for each event until the server closes the stream.
     * Returns whether an {@code end} event arrived (a stream that closes without one was interrupted).
     */
    boolean events(String id, Consumer<SseParser.Event> onEvent) {
        HttpRequest r = request("/v1/jobs/" + encode(id) + "/events", null).header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(r, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw transportError(e, "follow job '" + id + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.FAILED);
        }
        if (response.statusCode() >= 300) {
            String body;
            try (Stream<String> lines = response.body()) {
                body = String.join("\n", lines.toList());
            }
            throw apiError(response.statusCode(), body, "follow job '" + id + "'");
        }
        SseParser parser = new SseParser();
        boolean[] ended = {false};
        try (Stream<String> lines = response.body()) {
            var it = lines.iterator();
            while (it.hasNext() && !ended[0]) {
                parser.line(it.next()).ifPresent(e -> {
                    onEvent.accept(e);
                    if (e.name().equals("end")) {
                        ended[0] = true;
                    }
                });
            }
        } catch (UncheckedIOException e) {
            return ended[0]; // the connection dropped: the caller decides whether to reconnect
        }
        return ended[0];
    }

    // ---------- uploads ----------

    UploadedImage uploadImage(Path file) {
        String type = imageType(file).orElseThrow(() -> CliException.usage(
                file + ": not a PNG or JPEG image (an image upload must be .png, .jpg or .jpeg; a dataset .zip)"));
        HttpRequest r = request("/v1/uploads", UPLOAD_TIMEOUT).header("Content-Type", type).POST(filePublisher(file)).build();
        Struct body = object(send(r, "upload " + file), "an upload answer");
        return new UploadedImage(Json.string(body, "id"), Json.number(body, "width").orElse(0d).intValue(),
                Json.number(body, "height").orElse(0d).intValue(), Json.number(body, "channels").orElse(0d).intValue(),
                Json.number(body, "size").orElse(0d).longValue());
    }

    UploadedDataset uploadDataset(String name, Path zip) {
        HttpRequest r = request("/v1/datasets/" + encode(name), UPLOAD_TIMEOUT).header("Content-Type", "application/zip")
                .POST(filePublisher(zip)).build();
        Struct body = object(send(r, "upload dataset '" + name + "'"), "a dataset answer");
        List<String> classes = Json.list(body, "classes").stream().map(Value::getStringValue).toList();
        String stored = Json.string(body, "name");
        return new UploadedDataset(stored.isEmpty() ? name : stored, Json.number(body, "images").orElse(0d).longValue(), classes);
    }

    static Optional<String> imageType(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".png")) return Optional.of("image/png");
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) return Optional.of("image/jpeg");
        return Optional.empty();
    }

    // ---------- downloads ----------

    /**
     * Downloads a presigned URL to {@code target} (through a temporary file, so an interrupted download never
     * leaves a partial file under the final name). The bearer token is not sent: the URL carries its own signature.
     */
    long download(String url, Path target) {
        URI uri = url.startsWith("/") ? base.resolve(url) : URI.create(url);
        HttpRequest r = HttpRequest.newBuilder(uri).timeout(UPLOAD_TIMEOUT).GET().build();
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            HttpResponse<Path> response = http.send(r, HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() != 200) {
                String head = Files.readString(tmp, StandardCharsets.UTF_8);
                Files.deleteIfExists(tmp);
                throw new CliException("download of " + target.getFileName() + " failed: HTTP " + response.statusCode()
                        + (head.isBlank() ? "" : ": " + abbreviate(head, 200)), CliException.FAILED);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            return Files.size(target);
        } catch (IOException e) {
            throw new CliException("download of " + target.getFileName() + " from " + uri.getHost() + ":" + uri.getPort()
                    + " failed: " + describe(e), CliException.FAILED, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.FAILED);
        }
    }

    // ---------- plumbing ----------

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "application/json");
        if (timeout != null) {
            b.timeout(timeout);
        }
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static HttpRequest.BodyPublisher filePublisher(Path file) {
        if (!Files.isRegularFile(file)) {
            throw CliException.usage("no such file: " + file);
        }
        try {
            return HttpRequest.BodyPublishers.ofFile(file);
        } catch (IOException e) {
            throw CliException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    private String send(HttpRequest r, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw transportError(e, what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.FAILED);
        }
        if (response.statusCode() >= 300) {
            throw apiError(response.statusCode(), response.body(), what);
        }
        return response.body();
    }

    private CliException transportError(IOException e, String what) {
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException || e.getCause() instanceof UnresolvedAddressException) {
            return new CliException("cannot reach the coordinator at " + base + " (" + describe(e) + ").\n"
                    + "Start the local stack with `bin/diffq up`, or point --url / DIFFQ_URL at a running coordinator.",
                    CliException.UNREACHABLE, e);
        }
        if (e instanceof HttpTimeoutException) {
            return new CliException("the coordinator at " + base + " did not answer in time (" + what + ")", CliException.FAILED, e);
        }
        return new CliException("cannot " + what + ": connection to " + base + " failed (" + describe(e) + ")", CliException.UNREACHABLE, e);
    }

    private static String describe(Throwable e) {
        if (e instanceof ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "connection refused";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e.getCause() instanceof UnresolvedAddressException) {
            return "unknown host";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** An error answer (docs/API.md, "Errors") as a message a person can act on. */
    ApiException apiError(int status, String body, String what) {
        Optional<Struct> parsed = Json.object(body);
        String error = parsed.map(s -> Json.string(s, "error")).orElse("");
        String message = parsed.map(s -> Json.string(s, "message")).orElse("");
        List<Violation> violations = new ArrayList<>();
        parsed.ifPresent(s -> {
            for (Value v : Json.list(s, "violations")) {
                if (v.hasStructValue()) {
                    violations.add(new Violation(Json.string(v.getStructValue(), "field"), Json.string(v.getStructValue(), "rule"),
                            status == 413));
                }
            }
        });
        if (parsed.isEmpty() && !body.isBlank()) {
            message = abbreviate(body.strip(), 300);
        }
        StringBuilder text = new StringBuilder();
        switch (status) {
            case 400, 413 -> text.append("the coordinator rejected the request to ").append(what);
            case 401, 403 -> text.append("the coordinator refused the credentials to ").append(what)
                    .append(token.isEmpty() ? " (no token given: set --token or DIFFQ_TOKEN)" : " (check --token / DIFFQ_TOKEN)");
            case 404 -> text.append("cannot ").append(what).append(": not found at ").append(base);
            case 409 -> text.append("cannot ").append(what).append(": conflict");
            case 503 -> text.append("the coordinator is unavailable (Kafka or S3 unreachable); nothing was recorded");
            default -> text.append("cannot ").append(what);
        }
        text.append(" (HTTP ").append(status).append(error.isEmpty() ? "" : " " + error).append(")");
        if (violations.isEmpty()) {
            if (!message.isEmpty()) {
                text.append(": ").append(message);
            }
        } else {
            text.append(":");
            for (Violation v : violations) {
                text.append("\n  ").append(v.message());
            }
        }
        return new ApiException(text.toString(), status, error, message, violations);
    }

    private static JobRecord record(String body) {
        try {
            return JobJson.mergeLenient(body, JobRecord.newBuilder()).build();
        } catch (JobJson.InvalidJsonException e) {
            throw new CliException("the coordinator answered something that is not a job: " + e.violation().rule(), CliException.FAILED, e);
        }
    }

    private static Struct object(String body, String what) {
        return Json.object(body).orElseThrow(() -> new CliException(
                "the coordinator answered something that is not " + what + ": " + abbreviate(body, 200), CliException.FAILED));
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
