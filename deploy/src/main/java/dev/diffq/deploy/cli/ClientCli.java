package dev.diffq.deploy.cli;

import com.google.protobuf.Struct;
import dev.diffq.contract.JobJson;
import dev.diffq.contract.Limits;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.SpecValidator;
import dev.diffq.contract.Violation;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.Progress;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The client half of {@code bin/diffq}: train, sample, inpaint, img2img, anagram, hybrid, jobs, show, watch,
 * cancel, fetch, upload, help. Talks to the coordinator's HTTP API (docs/API.md); prints text for people or,
 * with {@code --json}, one JSON object per line for programs. Exit status: 0 ok, 1 failed or rejected,
 * 2 bad command line, 3 coordinator unreachable.
 */
public final class ClientCli {

    public static final String DEFAULT_URL = "http://127.0.0.1:8080";
    static final int MAX_RECONNECTS = 30;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final boolean tty;
    private final ZoneId zone;
    long reconnectDelayMillis = 1000;

    public ClientCli(PrintStream out, PrintStream err, Map<String, String> env, boolean tty) {
        this(out, err, env, tty, ZoneId.systemDefault());
    }

    ClientCli(PrintStream out, PrintStream err, Map<String, String> env, boolean tty, ZoneId zone) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.tty = tty;
        this.zone = zone;
    }

    public static void main(String[] args) {
        String ttyProperty = System.getProperty("diffq.tty");
        boolean tty = ttyProperty != null ? Boolean.parseBoolean(ttyProperty) : System.console() != null;
        int code = new ClientCli(System.out, System.err, System.getenv(), tty).run(args);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit status; errors are printed, never thrown. */
    public int run(String... args) {
        boolean json = Arrays.asList(args).contains("--json");
        try {
            return dispatch(List.of(args));
        } catch (ApiException e) {
            if (json) {
                out.println(errorJson(e));
            }
            err.println("diffq: " + e.getMessage());
            return e.exitCode();
        } catch (CliException e) {
            err.println("diffq: " + e.getMessage());
            return e.exitCode();
        }
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            if (args.size() > 1 && !args.get(1).startsWith("-")) {
                Commands.Command c = command(args.get(1));
                out.print(Commands.help(c));
            } else {
                out.print(Commands.overview());
            }
            return 0;
        }
        Commands.Command command = command(args.get(0));
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(Commands.help(command));
            return 0;
        }
        CliArgs a = CliArgs.parse(command, rest);
        return switch (command.name()) {
            case "train", "sample", "inpaint", "img2img", "anagram", "hybrid" -> submit(a);
            case "jobs" -> jobs(a);
            case "show" -> show(a);
            case "watch" -> watchCommand(a);
            case "cancel" -> cancel(a);
            case "fetch" -> fetchCommand(a);
            case "upload" -> upload(a);
            default -> throw new IllegalStateException("no handler for " + command.name());
        };
    }

    private static Commands.Command command(String name) {
        if (List.of("up", "demo", "engine", "build").contains(name)) {
            throw CliException.usage("'" + name + "' is run by bin/diffq itself: bin/diffq " + name);
        }
        return Commands.get(name).orElseThrow(() -> CliException.usage("unknown command '" + name + "' (see bin/diffq help)"));
    }

    CoordinatorClient client(CliArgs a) {
        String url = a.value("url").orElseGet(() -> env.getOrDefault("DIFFQ_URL", ""));
        String token = a.value("token").orElseGet(() -> env.getOrDefault("DIFFQ_TOKEN", ""));
        return new CoordinatorClient(url.isBlank() ? DEFAULT_URL : url, token);
    }

    // ---------- submitting ----------

    private int submit(CliArgs a) {
        boolean json = a.flag("json");
        SpecArgs.Plan plan = SpecArgs.plan(a);
        JobSpec spec = plan.spec();
        if (plan.dryRun()) {
            return dryRun(plan);
        }
        CoordinatorClient c = client(a);
        for (SpecArgs.PendingUpload u : plan.uploads()) {
            CoordinatorClient.UploadedImage image = c.uploadImage(u.file());
            spec = SpecArgs.withUpload(spec, u.field(), image.id());
            if (!json) {
                out.println("uploaded " + u.file() + " as " + image.id() + " (" + image.width() + "x" + image.height() + ")");
            }
        }
        if (plan.allClasses()) {
            spec = spec.toBuilder().setSample(spec.getSample().toBuilder().clearClasses()
                    .addAllClasses(allClasses(c, spec.getSample().getCheckpointJob()))).build();
        }
        JobRecord record = c.submit(spec, plan.jobId(), plan.idempotencyKey());
        if (json) {
            out.println(JobJson.print(record));
        } else {
            out.println("submitted job " + record.getId() + ": " + describe(record.getSpec().getKindCase() == JobSpec.KindCase.KIND_NOT_SET ? spec : record.getSpec())
                    + " (" + stateName(record.getState()) + ")");
            if (!plan.waitForEnd()) {
                out.println("  follow it:  bin/diffq watch " + record.getId());
            }
        }
        if (!plan.waitForEnd()) {
            return 0;
        }
        JobRecord last = watch(c, record.getId(), json);
        return finish(c, last, plan.out(), json);
    }

    private int dryRun(SpecArgs.Plan plan) {
        out.println(JobJson.pretty(plan.spec()));
        for (SpecArgs.PendingUpload u : plan.uploads()) {
            err.println("dry run: " + u.file() + " would be uploaded for " + u.field());
        }
        if (plan.allClasses()) {
            err.println("dry run: --classes all would become every class of job " + plan.spec().getSample().getCheckpointJob());
        }
        List<Violation> violations = SpecValidator.validate(SpecDefaults.normalize(plan.spec()), Limits.defaults());
        if (!violations.isEmpty()) {
            throw CliException.usage("the spec breaks these rules (checked locally, without the coordinator):\n  "
                    + violations.stream().map(Violation::message).collect(Collectors.joining("\n  ")));
        }
        return 0;
    }

    private List<Integer> allClasses(CoordinatorClient c, String checkpointJob) {
        JobRecord trained = c.job(checkpointJob);
        if (!trained.getSpec().hasTrain()) {
            throw CliException.usage("--classes all: job '" + checkpointJob + "' is not a training job");
        }
        int n = SpecDefaults.normalize(trained.getSpec().getTrain()).getModel().getNumClasses();
        if (n <= 0) {
            throw CliException.usage("--classes all: job '" + checkpointJob + "' trained an unconditional model; leave --classes out");
        }
        return IntStream.range(0, n).boxed().toList();
    }

    /** After a watched job ends: fetch on success when asked, report, and turn the end state into the exit status. */
    private int finish(CoordinatorClient c, JobRecord last, Optional<Path> outDir, boolean json) {
        if (json) {
            out.println(JobJson.print(last));
        }
        if (last.getState() != JobState.SUCCEEDED) {
            err.println("diffq: job " + last.getId() + " " + stateName(last.getState())
                    + (last.getError().isEmpty() ? "" : ": " + last.getError()));
            return CliException.FAILED;
        }
        if (!json) {
            out.println("job " + last.getId() + " SUCCEEDED" + took(last));
        }
        if (outDir.isPresent()) {
            fetch(c, last.getId(), outDir.get(), Set.of(), json);
        } else if (!json) {
            out.println("  download:  bin/diffq fetch " + last.getId());
        }
        return 0;
    }

    // ---------- watching ----------

    private int watchCommand(CliArgs a) {
        CoordinatorClient c = client(a);
        String id = a.positional(0).orElseThrow();
        JobRecord last = watch(c, id, a.flag("json"));
        return finish(c, last, a.value("out").map(Path::of), a.flag("json"));
    }

    /** Follows the job's event stream until it ends, reconnecting when the stream drops; returns the final record. */
    JobRecord watch(CoordinatorClient c, String id, boolean json) {
        WatchView view = new WatchView(json);
        int reconnects = 0;
        while (true) {
            boolean ended = c.events(id, view::onEvent);
            if (ended) {
                break;
            }
            JobRecord now = c.job(id);
            if (terminal(now.getState())) {
                break;
            }
            if (++reconnects > MAX_RECONNECTS) {
                view.clearBar();
                throw new CliException("lost the event stream of job " + id + " " + MAX_RECONNECTS + " times; it is "
                        + stateName(now.getState()) + ": run bin/diffq watch " + id + " again", CliException.FAILED);
            }
            sleep(reconnectDelayMillis);
        }
        view.clearBar();
        return c.job(id);
    }

    /** Renders events: a redrawn bar on a terminal, a line per 10% otherwise, JSON lines with --json. */
    final class WatchView {
        private final boolean json;
        private String lastState = "";
        private String barLine = "";
        private int lastDecile = -1;
        private String lastPhase = "";

        WatchView(boolean json) {
            this.json = json;
        }

        void onEvent(SseParser.Event e) {
            if (json) {
                String data = Json.object(e.data()).map(Json::print).orElseGet(() -> Json.quote(e.data()));
                out.println("{\"event\":" + Json.quote(e.name()) + ",\"data\":" + data + "}");
                return;
            }
            Struct data = Json.object(e.data()).orElse(Struct.getDefaultInstance());
            switch (e.name()) {
                case "state" -> {
                    String state = Json.string(data, "state");
                    if (!state.isEmpty() && !state.equals(lastState)) {
                        lastState = state;
                        String worker = Json.string(data, "worker_id");
                        printLine("state " + state + (worker.isEmpty() ? "" : " on " + worker));
                    }
                }
                case "progress" -> progress(Json.message(Json.object(data, "progress").orElse(data), Progress.newBuilder()).build());
                case "artifact" -> {
                    Artifact artifact = Json.message(Json.object(data, "artifact").orElse(data), Artifact.newBuilder()).build();
                    printLine("+ " + artifact.getName() + (artifact.getSize() > 0 ? " (" + ProgressView.bytes(artifact.getSize()) + ")" : ""));
                }
                default -> { } // end, and kinds this client does not know
            }
        }

        private void progress(Progress p) {
            String line = ProgressView.line(p);
            if (tty) {
                barLine = line;
                out.print("\r\033[2K" + line);
                out.flush();
                return;
            }
            int decile = p.getTotal() > 0 ? (int) Math.min(10, 10 * p.getStep() / p.getTotal()) : -1;
            if (decile != lastDecile || !p.getPhase().equals(lastPhase)) {
                lastDecile = decile;
                lastPhase = p.getPhase();
                out.println(line);
            }
        }

        private void printLine(String line) {
            if (tty && !barLine.isEmpty()) {
                out.print("\r\033[2K");
                out.println(line);
                out.print(barLine);
                out.flush();
            } else {
                out.println(line);
            }
        }

        void clearBar() {
            if (tty && !barLine.isEmpty()) {
                out.println();
                barLine = "";
            }
        }
    }

    // ---------- jobs, show, cancel ----------

    private int jobs(CliArgs a) {
        CoordinatorClient c = client(a);
        Optional<String> cursor = a.value("cursor");
        Optional<String> kind = a.value("kind");
        if (kind.isPresent() && !List.of("train", "sample").contains(kind.get())) {
            throw CliException.usage("--kind: one of train, sample, got '" + kind.get() + "'");
        }
        List<JobRecord> all = new ArrayList<>();
        Optional<String> next;
        do {
            CoordinatorClient.JobPage page = c.jobs(a.value("state"), kind, a.intValue("limit"), cursor);
            all.addAll(page.jobs());
            next = page.nextCursor();
            cursor = next;
        } while (a.flag("all") && next.isPresent());
        if (a.flag("json")) {
            out.println("{\"jobs\":" + Json.array(all.stream().map(JobJson::print).toList())
                    + (next.isPresent() ? ",\"next_cursor\":" + Json.quote(next.get()) : "") + "}");
            return 0;
        }
        if (all.isEmpty()) {
            out.println("no jobs" + (a.has("state") || a.has("kind") ? " match" : " yet: submit one with bin/diffq train"));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "STATE", "KIND", "PROGRESS", "CREATED", "NAME"});
        for (JobRecord r : all) {
            rows.add(new String[] {r.getId(), stateName(r.getState()), kind(r.getSpec()), progressShort(r), time(r.getCreatedMs()), r.getSpec().getName()});
        }
        printTable(rows);
        next.ifPresent(n -> out.println("more: bin/diffq jobs --cursor " + n + "   (or --all)"));
        return 0;
    }

    private int show(CliArgs a) {
        JobRecord r = client(a).job(a.positional(0).orElseThrow());
        if (a.flag("json")) {
            out.println(JobJson.print(r));
            return 0;
        }
        row("job", r.getId() + (r.getSpec().getName().isEmpty() ? "" : "  \"" + r.getSpec().getName() + "\""));
        row("what", describe(r.getSpec()));
        String attempts = r.getAttempts() > 0 ? "attempt " + r.getAttempts()
                + (r.getSpec().hasMaxAttempts() ? " of " + r.getSpec().getMaxAttempts() : "") : "";
        row("state", stateName(r.getState()) + (attempts.isEmpty() ? "" : "  (" + attempts + ")")
                + (r.getWorkerId().isEmpty() ? "" : "  worker " + r.getWorkerId()));
        if (r.hasProgress() && !terminal(r.getState())) {
            row("progress", ProgressView.line(r.getProgress()));
        }
        if (r.getShardsTotal() > 1) {
            row("shards", r.getShardsDone() + " of " + r.getShardsTotal() + " done");
        }
        row("created", time(r.getCreatedMs()));
        if (r.getStartedMs() > 0) row("started", time(r.getStartedMs()));
        if (r.getFinishedMs() > 0) row("finished", time(r.getFinishedMs()) + took(r));
        if (!r.getError().isEmpty()) row("error", r.getError());
        if (r.getSpec().hasSeed()) row("seed", Long.toString(r.getSpec().getSeed()));
        if (r.getArtifactsCount() > 0) {
            out.println("artifacts");
            for (Artifact art : r.getArtifactsList()) {
                out.printf(Locale.ROOT, "  %-40s %10s  %s%n", art.getName(), ProgressView.bytes(art.getSize()), art.getKind());
            }
        }
        row("spec", JobJson.print(r.getSpec()));
        return 0;
    }

    private int cancel(CliArgs a) {
        String id = a.positional(0).orElseThrow();
        JobRecord r = client(a).cancel(id);
        if (a.flag("json")) {
            out.println(JobJson.print(r));
        } else if (r.getState() == JobState.CANCELLED) {
            out.println("job " + id + " CANCELLED");
        } else {
            out.println("cancel requested for job " + id + " (" + stateName(r.getState()) + "): the worker stops at its next step");
        }
        return 0;
    }

    // ---------- fetch, upload ----------

    private int fetchCommand(CliArgs a) {
        String id = a.positional(0).orElseThrow();
        Optional<Path> dir = a.positional(1).map(Path::of);
        if (a.has("checkpoint")) {
            if (a.has("kind")) {
                throw CliException.usage("--checkpoint fetches the files of one checkpoint: leave --kind out");
            }
            OptionalLong step = checkpointStep(a.value("checkpoint").orElseThrow());
            fetchCheckpoint(client(a), id, step, dir, a.flag("json"));
            return 0;
        }
        Set<String> kinds = a.value("kind").map(k -> Arrays.stream(k.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet())).orElse(Set.of());
        fetch(client(a), id, dir.orElse(Path.of("diffq-out", id)), kinds, a.flag("json"));
        return 0;
    }

    /** {@code --checkpoint latest|N}: empty for latest. */
    private static OptionalLong checkpointStep(String value) {
        if (value.equals("latest")) {
            return OptionalLong.empty();
        }
        try {
            long step = Long.parseLong(value.trim());
            if (step >= 0) {
                return OptionalLong.of(step);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw CliException.usage("--checkpoint: latest or a step number (0 or more), got '" + value + "'");
    }

    void fetch(CoordinatorClient c, String id, Path dir, Set<String> kinds, boolean json) {
        List<CoordinatorClient.ArtifactLink> links = c.artifacts(id).stream()
                .filter(l -> kinds.isEmpty() || kinds.contains(l.kind())).toList();
        if (links.isEmpty()) {
            throw new CliException("job " + id + " has no artifacts" + (kinds.isEmpty() ? " yet" : " of kind " + String.join(",", kinds)),
                    CliException.FAILED);
        }
        Fetched f = download(c, id, links, dir, json);
        if (json) {
            out.println("{\"dir\":" + Json.quote(f.dir().toString()) + ",\"files\":" + Json.array(f.files()) + "}");
        } else {
            out.println("fetched " + files(f.files().size()) + " (" + ProgressView.bytes(f.bytes()) + ") into " + f.dir());
        }
    }

    /**
     * Downloads the files of one checkpoint (the coordinator lists them one by one as checkpoints/step-N/FILE) into
     * DIR itself, so DIR is a checkpoint folder that bin/diffq engine sample --checkpoint takes.
     */
    void fetchCheckpoint(CoordinatorClient c, String id, OptionalLong wanted, Optional<Path> dir, boolean json) {
        TreeMap<Long, List<CoordinatorClient.ArtifactLink>> bySteps = new TreeMap<>();
        for (CoordinatorClient.ArtifactLink l : c.artifacts(id)) {
            Matcher m = ObjectKeys.CHECKPOINT_FILE.matcher(l.name());
            if (l.kind().equals("checkpoint") && m.matches()) {
                // named relative to the step folder: the download lands in DIR, not DIR/checkpoints/step-N
                bySteps.computeIfAbsent(Long.parseLong(m.group(1)), k -> new ArrayList<>())
                        .add(new CoordinatorClient.ArtifactLink(m.group(2), l.size(), l.contentType(), l.kind(), l.url()));
            }
        }
        if (bySteps.isEmpty()) {
            throw new CliException("--checkpoint: job " + id + " has no checkpoint (only a training job has them, "
                    + "from its first saved step on)", CliException.FAILED);
        }
        long step = wanted.orElse(bySteps.lastKey());
        List<CoordinatorClient.ArtifactLink> links = bySteps.get(step);
        if (links == null) {
            throw new CliException("--checkpoint " + step + ": job " + id + " has no checkpoint at step " + step
                    + "; its checkpoints are at steps " + bySteps.keySet().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                    CliException.FAILED);
        }
        Fetched f = download(c, id, links, dir.orElse(Path.of("diffq-out", id, "checkpoint-" + step)), json);
        if (json) {
            out.println("{\"step\":" + step + ",\"dir\":" + Json.quote(f.dir().toString()) + ",\"files\":" + Json.array(f.files()) + "}");
        } else {
            out.println("fetched checkpoint step " + step + " of job " + id + ": " + files(f.files().size()) + " ("
                    + ProgressView.bytes(f.bytes()) + ") into " + f.dir());
            out.println("  sample from it:  bin/diffq engine sample --checkpoint " + f.dir() + " --out OUT");
        }
    }

    /** What {@link #download} wrote: the folder, a JSON object per file, the bytes in all. */
    private record Fetched(Path dir, List<String> files, long bytes) {}

    /** Downloads each link to DIR/its name, refusing names that would leave DIR; prints a line per file unless json. */
    private Fetched download(CoordinatorClient c, String id, List<CoordinatorClient.ArtifactLink> links, Path dir, boolean json) {
        Path root = dir.toAbsolutePath().normalize();
        long total = 0;
        List<String> fetched = new ArrayList<>();
        for (CoordinatorClient.ArtifactLink link : links) {
            Path target = root.resolve(link.name()).normalize();
            if (link.name().isBlank() || !target.startsWith(root) || target.equals(root)) {
                throw new CliException("refusing artifact name '" + link.name() + "': it would be written outside " + root, CliException.FAILED);
            }
            if (link.url().isBlank()) {
                throw new CliException("artifact " + link.name() + " of job " + id + " has no download URL", CliException.FAILED);
            }
            long size = c.download(link.url(), target);
            total += size;
            fetched.add("{\"name\":" + Json.quote(link.name()) + ",\"path\":" + Json.quote(target.toString()) + ",\"size\":" + size + "}");
            if (!json) {
                out.printf(Locale.ROOT, "  %-40s %10s%n", link.name(), ProgressView.bytes(size));
            }
        }
        return new Fetched(root, fetched, total);
    }

    private static String files(int n) {
        return n + " file" + (n == 1 ? "" : "s");
    }

    private int upload(CliArgs a) {
        Path file = Path.of(a.positional(0).orElseThrow());
        CoordinatorClient c = client(a);
        boolean json = a.flag("json");
        String fileName = file.getFileName().toString();
        if (fileName.toLowerCase(Locale.ROOT).endsWith(".zip")) {
            String name = a.value("name").orElse(fileName.substring(0, fileName.length() - 4).toLowerCase(Locale.ROOT));
            if (!SpecValidator.DATASET_NAME.matcher(name).matches()) {
                throw CliException.usage("dataset name '" + name + "' must be 1 to 63 of a-z, 0-9, '.', '_', '-' starting with a letter or digit: choose one with --name");
            }
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw CliException.usage("no such file: " + file);
            }
            CoordinatorClient.UploadedDataset d = c.uploadDataset(name, file);
            if (json) {
                out.println("{\"name\":" + Json.quote(d.name()) + ",\"images\":" + d.images() + ",\"classes\":"
                        + Json.array(d.classes().stream().map(Json::quote).toList()) + "}");
            } else {
                out.println("uploaded dataset " + d.name() + ": " + d.images() + " images in " + d.classes().size() + " classes ("
                        + String.join(", ", d.classes()) + ")");
                out.println("  train on it:  bin/diffq train --dataset upload:" + d.name());
            }
            return 0;
        }
        if (a.has("name")) {
            throw CliException.usage("--name is for dataset uploads (.zip); an image upload gets an id");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw CliException.usage("no such file: " + file);
        }
        CoordinatorClient.UploadedImage u = c.uploadImage(file);
        if (json) {
            out.println("{\"id\":" + Json.quote(u.id()) + ",\"width\":" + u.width() + ",\"height\":" + u.height()
                    + ",\"channels\":" + u.channels() + ",\"size\":" + u.size() + "}");
        } else {
            out.println(u.id() + "  (" + u.width() + "x" + u.height() + ", " + u.channels() + " channel" + (u.channels() == 1 ? "" : "s")
                    + ", " + ProgressView.bytes(u.size()) + ")   use it as --image " + u.id() + " or --mask " + u.id());
        }
        return 0;
    }

    // ---------- formatting ----------

    static boolean terminal(JobState s) {
        return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED;
    }

    static String stateName(JobState s) {
        return s == JobState.UNRECOGNIZED ? "UNKNOWN" : s.name();
    }

    static String kind(JobSpec spec) {
        return switch (spec.getKindCase()) {
            case TRAIN -> "train";
            case SAMPLE -> spec.getSample().getModeCase() == SampleSpec.ModeCase.MODE_NOT_SET
                    || spec.getSample().getModeCase() == SampleSpec.ModeCase.GENERATE
                    ? "sample" : spec.getSample().getModeCase().name().toLowerCase(Locale.ROOT);
            case KIND_NOT_SET -> "?";
        };
    }

    /** One line saying what a job does: "train mnist-small on mnist, 2000 steps". */
    static String describe(JobSpec spec) {
        if (spec.hasTrain()) {
            TrainSpec t = spec.getTrain();
            String preset = t.getModel().getPreset().isEmpty() ? "mnist-small" : t.getModel().getPreset();
            List<String> limits = new ArrayList<>();
            if (t.hasSteps()) limits.add(t.getSteps() + " steps");
            if (t.hasMaxMinutes()) limits.add(Json.number(t.getMaxMinutes()) + " min");
            return "train " + preset + " on " + t.getDataset() + (limits.isEmpty() ? "" : ", " + String.join(" or ", limits));
        }
        if (spec.hasSample()) {
            SampleSpec s = spec.getSample();
            String what = switch (s.getModeCase()) {
                case ANAGRAM -> "anagram " + s.getAnagram().getClassA() + "/" + s.getAnagram().getClassB();
                case HYBRID -> "hybrid " + s.getHybrid().getClassA() + "+" + s.getHybrid().getClassB();
                case INPAINT -> "inpaint";
                case IMG2IMG -> "img2img";
                default -> "sample";
            };
            String classes = s.getClassesCount() == 0 ? "" : " classes " + s.getClassesList().stream().map(String::valueOf).collect(Collectors.joining(","));
            return what + classes + " from " + s.getCheckpointJob();
        }
        return "(no kind)";
    }

    private static String progressShort(JobRecord r) {
        if (r.getState() == JobState.SUCCEEDED) return "done";
        if (!r.hasProgress() || r.getProgress().getTotal() <= 0) return r.getShardsTotal() > 1 ? r.getShardsDone() + "/" + r.getShardsTotal() + " shards" : "";
        Progress p = r.getProgress();
        return (100 * p.getStep() / p.getTotal()) + "% " + p.getStep() + "/" + p.getTotal();
    }

    private String time(long ms) {
        return ms <= 0 ? "" : TIME.format(Instant.ofEpochMilli(ms).atZone(zone));
    }

    private static String took(JobRecord r) {
        long start = r.getStartedMs() > 0 ? r.getStartedMs() : r.getCreatedMs();
        return r.getFinishedMs() > 0 && start > 0 && r.getFinishedMs() >= start
                ? " in " + ProgressView.duration((r.getFinishedMs() - start) / 1000.0) : "";
    }

    private void row(String label, String value) {
        out.printf(Locale.ROOT, "%-10s%s%n", label, value);
    }

    private void printTable(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                b.append(i == cols - 1 ? r[i] : String.format(Locale.ROOT, "%-" + (width[i] + 2) + "s", r[i]));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static String errorJson(ApiException e) {
        return "{\"status\":" + e.status() + ",\"error\":" + Json.quote(e.error()) + ",\"message\":" + Json.quote(e.serverMessage())
                + ",\"violations\":" + Json.array(e.violations().stream()
                .map(v -> "{\"field\":" + Json.quote(v.field()) + ",\"rule\":" + Json.quote(v.rule()) + "}").toList()) + "}";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", CliException.FAILED);
        }
    }
}
