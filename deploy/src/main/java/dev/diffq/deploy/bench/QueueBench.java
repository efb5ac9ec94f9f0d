package dev.diffq.deploy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;

import dev.diffq.contract.JobJson;
import dev.diffq.deploy.DeleteTree;
import dev.diffq.deploy.EmbeddedS3;
import dev.diffq.deploy.LocalStack;
import dev.diffq.proto.GenerateMode;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

/**
 * {@code bin/diffq bench queue}: how fast the job system moves work, measured on a stack of its own (embedded
 * Kafka and S3, the coordinator and workers as child processes, all on loopback, in a temporary data directory
 * that is deleted at the end). Phases, in this order:
 * <ol>
 * <li>setup: upload a tiny dataset, train a tiny model through the API (its checkpoint is what the sampling
 *     jobs below use);</li>
 * <li>latency: with one idle worker, jobs one at a time, from just before the POST to the moment the worker's
 *     Started event is seen on {@code diffq.events} by a plain Kafka consumer of this process;</li>
 * <li>end-to-end: for each worker count, M tiny sampling jobs submitted at once, from the first POST until the
 *     job table ({@code diffq.jobs}) shows the last one SUCCEEDED: jobs/s and images/s;</li>
 * <li>submissions: with every worker stopped (nothing runs the queued work; the data directory is thrown away
 *     afterwards), N POST /v1/jobs from C concurrent HTTP clients: accepted (201) per second and POST latency.</li>
 * </ol>
 */
public final class QueueBench {

    static final String USAGE = """
            usage: bin/diffq bench queue [options]
              --workers-list 1,2      worker counts for the end-to-end phase (default 1,2)
              --submissions N         POSTs in the submission phase (default 5000)
              --concurrency C         concurrent HTTP clients in the submission phase (default 64)
              --latency-jobs L        jobs of the latency phase, one at a time (default 50)
              --e2e-jobs M            jobs per worker count in the end-to-end phase (default 40)
              --per-class K           images per class of each sampling job, 2 classes (default 2: 4 images)
              --sample-steps S        DDIM steps of each sampling job (default 10)
              --repo DIR              the diffq checkout with built jars (DIFFQ_HOME, default .)
              --keep-data             keep the temporary data directory (logs) instead of deleting it
              --json                  print one JSON object instead of the table (progress goes to stderr)
            The coordinator and workers are started as by bin/diffq up and read the same environment, e.g.
            DIFFQ_KAFKA_PROPS=fetch.max.wait.ms=20 for the workers' consumers.
            """;

    private static final String DATASET = "qbench";
    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration GROUP_TIMEOUT = Duration.ofMinutes(2);

    /** What to run; {@link #parse} reads it from the command line. */
    public record Options(List<Integer> workersList, int submissions, int concurrency, int latencyJobs, int e2eJobs,
            int perClass, int sampleSteps, Path repoDir, boolean keepData, boolean json) {

        public Options {
            workersList = List.copyOf(workersList);
            if (workersList.isEmpty()) {
                throw new IllegalArgumentException("--workers-list: must name at least one worker count");
            }
            for (int w : workersList) {
                if (w < 1 || w > 16) {
                    throw new IllegalArgumentException("--workers-list: each worker count must be between 1 and 16, got " + w);
                }
            }
            positive("--submissions", submissions, 1_000_000);
            positive("--concurrency", concurrency, 512);
            positive("--latency-jobs", latencyJobs, 100_000);
            positive("--e2e-jobs", e2eJobs, 100_000);
            positive("--per-class", perClass, 64);
            positive("--sample-steps", sampleSteps, 50); // the tiny model has 50 timesteps
        }

        public static Options defaults() {
            return new Options(List.of(1, 2), 5000, 64, 50, 40, 2, 10, Path.of(".").toAbsolutePath(), false, false);
        }

        public int imagesPerJob() {
            return 2 * perClass;
        }

        /** @throws IllegalArgumentException naming the option and the rule */
        public static Options parse(String[] args, Map<String, String> env) {
            Options d = defaults();
            List<Integer> workers = d.workersList();
            int submissions = d.submissions();
            int concurrency = d.concurrency();
            int latencyJobs = d.latencyJobs();
            int e2eJobs = d.e2eJobs();
            int perClass = d.perClass();
            int steps = d.sampleSteps();
            String home = env.get("DIFFQ_HOME");
            Path repo = home == null || home.isBlank() ? d.repoDir() : Path.of(home).toAbsolutePath();
            boolean keep = false;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                switch (name) {
                    case "--json" -> json = flag(name, value);
                    case "--keep-data" -> keep = flag(name, value);
                    case "--workers-list", "--submissions", "--concurrency", "--latency-jobs", "--e2e-jobs",
                            "--per-class", "--sample-steps", "--repo" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(name + ": needs a value");
                            }
                            value = args[++i];
                        }
                        switch (name) {
                            case "--workers-list" -> workers = intList(name, value);
                            case "--submissions" -> submissions = integer(name, value);
                            case "--concurrency" -> concurrency = integer(name, value);
                            case "--latency-jobs" -> latencyJobs = integer(name, value);
                            case "--e2e-jobs" -> e2eJobs = integer(name, value);
                            case "--per-class" -> perClass = integer(name, value);
                            case "--sample-steps" -> steps = integer(name, value);
                            default -> repo = Path.of(value).toAbsolutePath();
                        }
                    }
                    default -> throw new IllegalArgumentException(a.startsWith("--")
                            ? "unknown option " + name : "unexpected argument '" + a + "'");
                }
            }
            return new Options(workers, submissions, concurrency, latencyJobs, e2eJobs, perClass, steps, repo, keep, json);
        }

        private static boolean flag(String name, String value) {
            if (value != null) {
                throw new IllegalArgumentException(name + ": takes no value");
            }
            return true;
        }

        private static int integer(String name, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": must be a whole number, got '" + value + "'");
            }
        }

        private static List<Integer> intList(String name, String value) {
            List<Integer> out = new ArrayList<>();
            for (String part : value.split(",")) {
                if (part.isBlank()) {
                    throw new IllegalArgumentException(name + ": must be a comma-separated list of whole numbers, got '"
                            + value + "'");
                }
                out.add(integer(name, part));
            }
            return out;
        }

        private static void positive(String name, int v, int max) {
            if (v < 1 || v > max) {
                throw new IllegalArgumentException(name + ": must be between 1 and " + max + ", got " + v);
            }
        }
    }

    /**
     * Submit-to-Started with an idle worker, and where that time goes, from record timestamps (wall clock, ms
     * resolution, one machine): until the coordinator's producer wrote the request, from there until the worker's
     * producer wrote Started, and from there until this process read it.
     */
    public record Latency(int jobs, String observedVia, Stats submitToStarted, Stats post, Stats submitToRequestRecord,
            Stats requestRecordToStartedEvent, Stats startedEventToSeen) {}

    /** One worker count of the end-to-end phase. */
    public record EndToEnd(int workers, int jobs, int imagesPerJob, double seconds, double jobsPerSecond,
            double imagesPerSecond, Stats submitToSucceeded, Map<String, Integer> jobsPerWorker, String loadAverage) {}

    /** The submission phase. */
    public record Submissions(int requested, int concurrency, int warmup, int accepted,
            Map<Integer, Integer> rejectedByStatus, int errors, double seconds, double acceptedPerSecond, Stats post,
            String loadAverage) {}

    public record Result(Options options, int cores, String loadAverageStart, String loadAverageEnd,
            double stackStartSeconds, double trainSeconds, Latency latency, List<EndToEnd> endToEnd,
            Submissions submissions, double totalSeconds) {}

    private QueueBench() {}

    public static void main(String[] args) {
        // the in-process broker and S3 server log every step at INFO: keep stderr for the benchmark's own lines
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            return;
        }
        Options options;
        try {
            options = Options.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("diffq bench queue: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        PrintStream stdout = System.out;
        try {
            System.setOut(System.err); // the broker's storage format prints to stdout: keep stdout for the report
            Result r = run(options);
            System.setOut(stdout);
            stdout.println(options.json() ? Report.json(r) : Report.table(r));
            stdout.flush();
            System.exit(0);
        } catch (Exception e) {
            System.err.println("diffq bench queue: " + e.getMessage());
            if (!(e instanceof BenchException)) {
                e.printStackTrace();
            }
            System.exit(1);
        }
    }

    /** A phase that could not run as planned (a job failed, a worker did not join, ...). */
    static final class BenchException extends RuntimeException {
        BenchException(String message) {
            super(message);
        }
    }

    public static Result run(Options o) throws Exception {
        long t0 = System.nanoTime();
        String loadStart = loadAverage();
        Path data = Files.createTempDirectory("diffq-qbench");
        LocalStack stack = new LocalStack(new LocalStack.Options(data, o.repoDir(), 0, 0, 0, 1, "", "",
                EmbeddedS3.DEFAULT_ACCESS_KEY, EmbeddedS3.DEFAULT_SECRET_KEY, "cpu"));
        Thread hook = new Thread(stack::stop, "diffq-qbench-shutdown"); // Ctrl-C: no orphan child processes
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            progress("starting the stack in " + data + " (logs under " + data.resolve("logs") + ")");
            stack.start(false);
            double startSeconds = seconds(System.nanoTime() - t0);
            try (EventWatch watch = new EventWatch(stack.kafkaBootstrap()); Admin admin = admin(stack.kafkaBootstrap())) {
                Api api = new Api(stack.apiUrl());
                awaitSampleWorkers(admin, 1);

                progress("uploading a tiny dataset and training a tiny model");
                long trainStart = System.nanoTime();
                Api.Response up = api.post("/v1/datasets/" + DATASET, "application/zip", TinyDataset.zip(8, 8, 7));
                if (up.status() != 201) {
                    throw new BenchException("dataset upload answered " + up.status() + ": " + up.body());
                }
                String trainId = api.submit(trainSpec()).getId();
                awaitSucceeded(watch, api, trainId, TRAIN_TIMEOUT);
                double trainSeconds = seconds(System.nanoTime() - trainStart);
                String sampleJson = JobJson.print(sampleSpec(trainId, o));

                progress("latency: " + o.latencyJobs() + " jobs one at a time, 1 idle worker");
                Latency latency = latency(api, watch, sampleJson, o.latencyJobs());

                List<EndToEnd> e2e = new ArrayList<>();
                for (int w : o.workersList()) {
                    progress("end-to-end: " + o.e2eJobs() + " jobs, " + w + " worker(s)");
                    e2e.add(endToEnd(stack, admin, api, watch, sampleJson, w, o));
                }

                progress("submissions: stopping every worker, then " + o.submissions() + " POSTs from "
                        + o.concurrency() + " clients");
                stack.stopWorkers();
                // the watch is for the phases above; reading every job record and request of the burst would
                // take CPU from the coordinator and broker being measured
                watch.close();
                Submissions submissions = submissions(stack.apiUrl(), sampleJson, o.submissions(), o.concurrency());
                return new Result(o, Runtime.getRuntime().availableProcessors(), loadStart, loadAverage(),
                        startSeconds, trainSeconds, latency, e2e, submissions, seconds(System.nanoTime() - t0));
            }
        } finally {
            progress("stopping the stack");
            stack.stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            if (o.keepData()) {
                progress("data kept in " + data);
            } else {
                DeleteTree.quietly(data);
            }
        }
    }

    // ---------- phases ----------

    private static Latency latency(Api api, EventWatch watch, String sampleJson, int jobs) throws Exception {
        // warm-up, not counted: the first jobs load the checkpoint into the worker and warm both JVMs
        for (int i = 0; i < 3; i++) {
            String id = api.submit(sampleJson).getId();
            awaitSucceeded(watch, api, id, JOB_TIMEOUT);
        }
        Random pause = new Random(42);
        long[] toStarted = new long[jobs];
        long[] post = new long[jobs];
        long[] toRequest = new long[jobs];
        long[] requestToStarted = new long[jobs];
        long[] startedToSeen = new long[jobs];
        for (int i = 0; i < jobs; i++) {
            // a random pause so submissions fall anywhere in the idle worker's poll cycle, not in lock-step with it
            Thread.sleep(pause.nextInt(200));
            long wallBefore = System.currentTimeMillis();
            long before = System.nanoTime();
            Api.Response r = api.postJob(sampleJson);
            post[i] = System.nanoTime() - before;
            String id = api.created(r).getId();
            EventWatch.Started s = await(watch.started(id), JOB_TIMEOUT, "job " + id + " to start");
            toStarted[i] = s.seenNanos() - before;
            long requestMs = await(watch.requested(id), JOB_TIMEOUT, "the request of job " + id);
            toRequest[i] = millisToNanos(requestMs - wallBefore);
            requestToStarted[i] = millisToNanos(s.eventTimeMs() - requestMs);
            startedToSeen[i] = millisToNanos(s.seenWallMs() - s.eventTimeMs());
            awaitSucceeded(watch, api, id, JOB_TIMEOUT); // the worker is idle again before the next job
        }
        return new Latency(jobs, "a Kafka consumer of diffq.events in this process (no group, reading from the end):"
                + " the time the Started record was received", Stats.ofNanos(toStarted), Stats.ofNanos(post),
                Stats.ofNanos(toRequest), Stats.ofNanos(requestToStarted), Stats.ofNanos(startedToSeen));
    }

    private static long millisToNanos(long ms) {
        return Math.max(0, ms) * 1_000_000L; // clamp: wall-clock readings of different processes may be 1 ms apart
    }

    private static EndToEnd endToEnd(LocalStack stack, Admin admin, Api api, EventWatch watch, String sampleJson,
            int workers, Options o) throws Exception {
        if (stack.workerCount() != workers) {
            stack.stopWorkers();
            stack.startWorkers(workers);
        }
        awaitSampleWorkers(admin, workers);
        // warm-up, not counted: until every worker has run a job (loaded the checkpoint, warmed its JVM)
        Set<String> warmed = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 5 && warmed.size() < workers; round++) {
            List<String> ids = submitAll(api, sampleJson, 2 * workers, Math.min(8, 2 * workers), null);
            for (String id : ids) {
                awaitSucceeded(watch, api, id, JOB_TIMEOUT);
                warmed.add(watch.started(id).get().workerId());
            }
        }
        if (warmed.size() < workers) {
            progress("warning: only " + warmed.size() + " of " + workers + " workers ran a warm-up job");
        }
        String load = loadAverage();
        Map<String, Long> submittedAt = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        List<String> ids = submitAll(api, sampleJson, o.e2eJobs(), Math.min(8, o.e2eJobs()), submittedAt);
        long end = start;
        long[] perJob = new long[ids.size()];
        Map<String, Integer> perWorker = new TreeMap<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            EventWatch.Finished f = awaitSucceeded(watch, api, id, JOB_TIMEOUT.multipliedBy(Math.max(1, o.e2eJobs() / 10)));
            end = Math.max(end, f.seenNanos());
            perJob[i] = f.seenNanos() - submittedAt.get(id);
            perWorker.merge(watch.started(id).get().workerId(), 1, Integer::sum);
        }
        double secs = seconds(end - start);
        return new EndToEnd(workers, ids.size(), o.imagesPerJob(), secs, ids.size() / secs,
                (double) ids.size() * o.imagesPerJob() / secs, Stats.ofNanos(perJob), perWorker, load);
    }

    private static Submissions submissions(String apiUrl, String sampleJson, int n, int concurrency) throws Exception {
        // warm-up, not counted: connections opened, the coordinator's submit path compiled
        int warmup = Math.min(200, Math.max(concurrency, n / 10));
        postMany(apiUrl, sampleJson, warmup, concurrency);
        String load = loadAverage();
        SubmitRun run = postMany(apiUrl, sampleJson, n, concurrency);
        double secs = seconds(run.wallNanos());
        return new Submissions(n, concurrency, warmup, run.accepted(), run.rejectedByStatus(), run.errors(), secs,
                run.accepted() / secs, Stats.ofNanos(run.latencies()), load);
    }

    private record SubmitRun(int accepted, Map<Integer, Integer> rejectedByStatus, int errors, long wallNanos,
            long[] latencies) {}

    /**
     * {@code n} POST /v1/jobs from {@code clients} threads, each with its own kept-alive connection
     * ({@link KeepAlivePoster}: the load generator shares the cores with what it measures, so it must be light).
     */
    private static SubmitRun postMany(String apiUrl, String body, int n, int clients) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        Map<Integer, Integer> rejected = new ConcurrentHashMap<>();
        long[] latencies = new long[n];
        AtomicLong firstError = new AtomicLong(-1);
        StringBuffer errorText = new StringBuffer();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    try (KeepAlivePoster poster = new KeepAlivePoster(URI.create(apiUrl), "/v1/jobs",
                            "application/json", bytes, 60_000)) {
                        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                            long before = System.nanoTime();
                            try {
                                KeepAlivePoster.Response r = poster.post();
                                latencies[i] = System.nanoTime() - before;
                                if (r.status() == 201) {
                                    accepted.incrementAndGet();
                                } else {
                                    rejected.merge(r.status(), 1, Integer::sum);
                                    if (firstError.compareAndSet(-1, i)) {
                                        errorText.append(r.status()).append(' ').append(r.body());
                                    }
                                }
                            } catch (IOException e) {
                                latencies[i] = System.nanoTime() - before;
                                errors.incrementAndGet();
                                if (firstError.compareAndSet(-1, i)) {
                                    errorText.append(e);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long wall = System.nanoTime() - start;
        if (errorText.length() > 0) {
            progress("first failed submission: " + errorText);
        }
        return new SubmitRun(accepted.get(), new TreeMap<>(rejected), errors.get(), wall, latencies);
    }

    /** Submits {@code n} jobs from {@code threads} threads; returns their ids in submission order. */
    private static List<String> submitAll(Api api, String body, int n, int threads, Map<String, Long> submittedAt)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    long before = System.nanoTime();
                    String id = api.submit(body).getId();
                    if (submittedAt != null) {
                        submittedAt.put(id, before);
                    }
                    return id;
                }));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> f : futures) {
                try {
                    ids.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : e;
                }
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------- helpers ----------

    static JobSpec trainSpec() {
        // the brief's tiny model: 8x8, C 8, mults [1,2], 1 block, no attention, 2 classes, T 50, batch 4, 4 steps
        return JobSpec.newBuilder().setName("qbench-train").setTrain(TrainSpec.newBuilder()
                .setModel(ModelConfig.newBuilder().setPreset("custom").setImageSize(8).setInChannels(1)
                        .setBaseChannels(8).addChannelMults(1).addChannelMults(2).setBlocksPerLevel(1).setNumClasses(2))
                .setDataset("upload:" + DATASET).setTimesteps(50).setBatchSize(4).setSteps(4)).build();
    }

    static JobSpec sampleSpec(String trainId, Options o) {
        return JobSpec.newBuilder().setName("qbench-sample").setSample(SampleSpec.newBuilder().setCheckpointJob(trainId)
                .setSampler("ddim").setSteps(o.sampleSteps()).addClasses(0).addClasses(1).setPerClass(o.perClass())
                .setGenerate(GenerateMode.getDefaultInstance())).build();
    }

    private static EventWatch.Finished awaitSucceeded(EventWatch watch, Api api, String id, Duration timeout)
            throws Exception {
        EventWatch.Finished f = await(watch.finished(id), timeout, "job " + id + " to finish");
        if (f.state() != JobState.SUCCEEDED) {
            throw new BenchException("job " + id + " ended " + f.state() + ": " + f.error());
        }
        return f;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, Duration timeout, String what)
            throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new BenchException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                    + " (see the logs of the stack; --keep-data keeps them)");
        }
    }

    /** Waits until the sample workers' group has {@code n} members, each with partitions assigned. */
    private static void awaitSampleWorkers(Admin admin, int n) throws Exception {
        String group = "diffq-workers-sample";
        long deadline = System.nanoTime() + GROUP_TIMEOUT.toNanos();
        String last = "no description";
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                        .get(10, TimeUnit.SECONDS).get(group);
                int withPartitions = 0;
                for (MemberDescription m : d.members()) {
                    if (!m.assignment().topicPartitions().isEmpty()) {
                        withPartitions++;
                    }
                }
                if (d.members().size() == n && withPartitions == n) {
                    return;
                }
                last = d.members().size() + " members, " + withPartitions + " with partitions";
            } catch (ExecutionException e) {
                last = e.getCause().toString();
            }
            Thread.sleep(250);
        }
        throw new BenchException("the sample workers' group did not reach " + n + " members with partitions within "
                + GROUP_TIMEOUT.toSeconds() + " s (" + last + ")");
    }

    private static Admin admin(String bootstrap) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    /** The 1, 5 and 15 minute load averages ("5.17 7.99 9.12"), from /proc/loadavg where there is one. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return one < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", one);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void progress(String line) {
        System.err.println("[bench queue] " + line);
    }

    /** The coordinator's API over java.net.http, HTTP/1.1 (no h2c upgrade attempt on each new connection). */
    static final class Api {
        record Response(int status, String body) {}

        private final HttpClient http;
        private final String base;

        Api(String base) {
            this.base = base;
            this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        }

        Response post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("content-type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body());
        }

        Response postJob(String specJson) throws IOException, InterruptedException {
            return post("/v1/jobs", "application/json", specJson.getBytes(StandardCharsets.UTF_8));
        }

        JobRecord submit(String specJson) throws IOException, InterruptedException {
            return created(postJob(specJson));
        }

        JobRecord submit(JobSpec spec) throws IOException, InterruptedException {
            return submit(JobJson.print(spec));
        }

        JobRecord created(Response r) {
            if (r.status() != 201) {
                throw new BenchException("POST /v1/jobs answered " + r.status() + ": " + r.body());
            }
            try {
                return JobJson.mergeLenient(r.body(), JobRecord.newBuilder()).build();
            } catch (JobJson.InvalidJsonException e) {
                throw new BenchException("POST /v1/jobs answered 201 with a body that is not a job: " + r.body());
            }
        }
    }
}
