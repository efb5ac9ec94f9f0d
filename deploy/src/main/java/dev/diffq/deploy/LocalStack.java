package dev.diffq.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.diffq.contract.Topics;

/**
 * {@code bin/diffq up}: the whole of diffq on one machine, on loopback. Kafka (KRaft) and S3 (s3proxy over a
 * directory) run in this JVM; the coordinator and the workers run as child processes so they behave exactly as
 * in production. Everything lives under the data directory ({@code ./.diffq} by default), so jobs, checkpoints
 * and images survive a restart. Ctrl-C stops the children (SIGTERM: workers checkpoint and leave their group)
 * and then the services.
 */
public final class LocalStack {

    /** Settings, each from an option or an environment variable. */
    public record Options(Path dataDir, Path repoDir, int kafkaPort, int s3Port, int httpPort, int workers,
            String externalKafka, String externalS3, String s3AccessKey, String s3SecretKey, String device) {

        static Options parse(String[] args, Map<String, String> env) {
            Map<String, String> o = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument '" + a + "' (see bin/diffq up --help)");
                }
                String key = a.substring(2);
                String value;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                } else {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("option --" + key + " needs a value");
                    }
                    value = args[++i];
                }
                o.put(key, value);
            }
            for (String k : o.keySet()) {
                if (!List.of("data-dir", "repo", "kafka-port", "s3-port", "http-port", "workers", "kafka", "s3-endpoint",
                        "s3-access-key", "s3-secret-key", "device").contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + " (see bin/diffq up --help)");
                }
            }
            return new Options(
                    Path.of(pick(o, env, "data-dir", "DIFFQ_DATA_DIR", ".diffq")).toAbsolutePath(),
                    Path.of(pick(o, env, "repo", "DIFFQ_HOME", ".")).toAbsolutePath(),
                    intOpt(o, env, "kafka-port", "DIFFQ_KAFKA_PORT", 9092),
                    intOpt(o, env, "s3-port", "DIFFQ_S3_PORT", 9000),
                    intOpt(o, env, "http-port", "DIFFQ_HTTP_PORT", 8080),
                    intOpt(o, env, "workers", "DIFFQ_WORKERS", 1),
                    pick(o, env, "kafka", "DIFFQ_KAFKA", ""),
                    pick(o, env, "s3-endpoint", "DIFFQ_S3_ENDPOINT", ""),
                    pick(o, env, "s3-access-key", "DIFFQ_S3_ACCESS_KEY", EmbeddedS3.DEFAULT_ACCESS_KEY),
                    pick(o, env, "s3-secret-key", "DIFFQ_S3_SECRET_KEY", EmbeddedS3.DEFAULT_SECRET_KEY),
                    pick(o, env, "device", "DIFFQ_DEVICE", "cpu"));
        }

        private static String pick(Map<String, String> o, Map<String, String> env, String opt, String var, String def) {
            String v = o.get(opt);
            if (v == null) {
                v = env.get(var);
            }
            return v == null || v.isBlank() ? def : v;
        }

        private static int intOpt(Map<String, String> o, Map<String, String> env, String opt, String var, int def) {
            String v = pick(o, env, opt, var, Integer.toString(def));
            try {
                int n = Integer.parseInt(v);
                if (n < 0 || n > 65535) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + opt + " must be a whole number between 0 and 65535, got '" + v + "'");
            }
        }
    }

    private final Options options;
    /** Every child process (the coordinator and the workers), for {@link #awaitChildren()} and {@link #stop()}. */
    private final List<Process> children = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;
    private Map<String, String> childEnv;
    private volatile String bootstrap;
    private volatile String s3Endpoint;
    private String apiUrl;

    public LocalStack(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        // The broker and the S3 server log every rebalance at INFO: keep the console for what a person needs.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("diffq.log.level", "warn"));
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            return;
        }
        Options opts;
        try {
            opts = Options.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("diffq up: " + e.getMessage());
            System.exit(2);
            return;
        }
        LocalStack stack = new LocalStack(opts);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.stop();
            stopped.countDown();
        }, "diffq-up-shutdown"));
        try {
            stack.start();
        } catch (Exception e) {
            System.err.println("diffq up: " + e.getMessage());
            System.exit(1);
        }
        stack.awaitChildren();
        stopped.await(60, TimeUnit.SECONDS);
    }

    static final String USAGE = """
            usage: bin/diffq up [options]
              --data-dir DIR       where jobs, checkpoints, images and the broker's log live (DIFFQ_DATA_DIR, default ./.diffq)
              --http-port N        coordinator port (DIFFQ_HTTP_PORT, default 8080)
              --kafka-port N       embedded Kafka port (DIFFQ_KAFKA_PORT, default 9092)
              --s3-port N          embedded S3 port (DIFFQ_S3_PORT, default 9000)
              --workers N          CPU workers to start (DIFFQ_WORKERS, default 1; 0 for none)
              --device D           worker device: cpu or gpu:N (DIFFQ_DEVICE, default cpu)
              --kafka HOST:PORT    use an external Kafka instead of the embedded one (DIFFQ_KAFKA)
              --s3-endpoint URL    use an external MinIO/S3 instead of the embedded one (DIFFQ_S3_ENDPOINT)
              --s3-access-key K    (DIFFQ_S3_ACCESS_KEY)   --s3-secret-key S   (DIFFQ_S3_SECRET_KEY)
            """;

    public void start() throws IOException, InterruptedException {
        start(true);
    }

    /**
     * Starts the services, the coordinator and {@code options.workers()} workers and waits for the API to answer.
     * A port of 0 means a free one. {@code announce} prints the banner a person reads ({@code bin/diffq up});
     * programs (the benchmarks) pass false.
     */
    public void start(boolean announce) throws IOException, InterruptedException {
        // not synchronized as a whole: Ctrl-C (stop() on the shutdown hook) must not wait for the start-up
        Path data = options.dataDir();
        Files.createDirectories(data.resolve("logs"));
        bootstrap = options.externalKafka();
        if (bootstrap.isEmpty()) {
            kafka = EmbeddedKafka.start(data.resolve("kafka"), options.kafkaPort(), false);
            bootstrap = kafka.bootstrapServers();
            kafka.createTopics(Topics.defaults(4), Topics.compacted());
        }
        s3Endpoint = options.externalS3();
        if (s3Endpoint.isEmpty()) {
            s3 = EmbeddedS3.start(data.resolve("s3"), options.s3Port(), false);
            s3Endpoint = s3.endpoint();
        }
        int httpPort = options.httpPort() > 0 ? options.httpPort() : EmbeddedKafka.freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DIFFQ_KAFKA", bootstrap);
        env.put("DIFFQ_S3_ENDPOINT", s3Endpoint);
        env.put("DIFFQ_S3_PUBLIC_ENDPOINT", s3Endpoint);
        env.put("DIFFQ_S3_ACCESS_KEY", options.s3AccessKey());
        env.put("DIFFQ_S3_SECRET_KEY", options.s3SecretKey());
        env.put("DIFFQ_HTTP_PORT", Integer.toString(httpPort));
        env.put("DIFFQ_DEVICE", options.device());
        Path repo = options.repoDir();
        Path coordinatorJar = repo.resolve("coordinator/target/quarkus-app/quarkus-run.jar");
        requireFile(coordinatorJar);
        Process coordinator = launch("coordinator", List.of(java(), "-Xmx1g", "-jar", coordinatorJar.toString()), env);
        String api = "http://127.0.0.1:" + httpPort;
        synchronized (this) {
            children.add(coordinator);
            childEnv = env;
            apiUrl = api;
        }
        startWorkers(options.workers());
        awaitHttp(api + "/q/health", 120);
        if (announce) {
            System.out.println("""
                    diffq is up.
                      API          %s            (bin/diffq jobs, curl %s/v1/jobs)
                      OpenAPI      %s/q/openapi   Swagger UI %s/q/swagger-ui
                      S3 endpoint  %s   bucket diffq   access key %s
                      Kafka        %s
                      workers      %d (%s)
                      data         %s   logs %s
                    Press Ctrl-C to stop.""".formatted(api, api, api, api, s3Endpoint, options.s3AccessKey(), bootstrap,
                    options.workers(), options.device(), data, data.resolve("logs")));
        }
        Files.writeString(data.resolve("up.json"), "{\"api\":\"" + api + "\",\"s3\":\"" + s3Endpoint
                + "\",\"kafka\":\"" + bootstrap + "\",\"pid\":" + ProcessHandle.current().pid() + "}\n");
    }

    /**
     * Starts {@code count} more workers (ids {@code local-worker-<i>}, numbered on from the running ones). They
     * join their consumer groups on their own a few seconds later; the caller waits for that if it matters.
     */
    public synchronized void startWorkers(int count) throws IOException {
        if (childEnv == null) {
            throw new IllegalStateException("start the stack before its workers");
        }
        String workerCp = workerClasspath(options.repoDir());
        List<String> threads = torchThreads(Runtime.getRuntime().availableProcessors(), workers.size() + count);
        for (int n = 0; n < count; n++) {
            int i = workers.size();
            Map<String, String> wenv = new LinkedHashMap<>(childEnv);
            wenv.put("DIFFQ_WORKER_ID", "local-worker-" + i);
            wenv.put("DIFFQ_WORK_DIR", options.dataDir().resolve("work/worker-" + i).toString());
            List<String> command = new ArrayList<>(List.of(java(), "-Dai.djl.offline=true", "-Xss4m"));
            command.addAll(threads);
            command.addAll(List.of("-cp", workerCp, "dev.diffq.runtime.WorkerMain"));
            Process p = launch("worker-" + i, command, wenv);
            workers.add(p);
            children.add(p);
        }
    }

    /**
     * PyTorch thread settings for one of {@code workers} CPU workers on a machine of {@code cores}: none for a
     * single worker (PyTorch uses every core), else a share of the cores each. Without it several workers'
     * thread pools oversubscribe the cores and spin against each other: measured with bin/diffq bench queue on
     * 2 cores, 2 workers of 2 threads each ran tiny sampling jobs ~7x slower than 2 workers of 1 thread.
     */
    static List<String> torchThreads(int cores, int workers) {
        if (workers <= 1) {
            return List.of();
        }
        int each = Math.max(1, cores / workers);
        return List.of("-Dai.djl.pytorch.num_threads=" + each, "-Dai.djl.pytorch.num_interop_threads=1");
    }

    /** Stops every worker (SIGTERM: each finishes or checkpoints its job and leaves its group) and waits for them. */
    public synchronized void stopWorkers() {
        terminate(workers);
        children.removeAll(workers);
        workers.clear();
    }

    public synchronized int workerCount() {
        return workers.size();
    }

    /** The coordinator's base URL, e.g. {@code http://127.0.0.1:8080}; null before {@link #start}. */
    public synchronized String apiUrl() {
        return apiUrl;
    }

    /** Kafka bootstrap servers the stack uses; null before {@link #start}. */
    public String kafkaBootstrap() {
        return bootstrap;
    }

    public String s3Endpoint() {
        return s3Endpoint;
    }

    private Process launch(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        File log = options.dataDir().resolve("logs/" + name + ".log").toFile();
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        return pb.start();
    }

    private void awaitHttp(String url, int seconds) throws InterruptedException {
        var client = java.net.http.HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            List<Process> now;
            synchronized (this) {
                now = List.copyOf(children);
            }
            for (Process p : now) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a child process exited during start (code " + p.exitValue()
                            + "): see " + options.dataDir().resolve("logs"));
                }
            }
            try {
                var resp = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the coordinator did not answer " + url + " within " + seconds + " s: see "
                + options.dataDir().resolve("logs/coordinator.log"));
    }

    void awaitChildren() throws InterruptedException {
        while (true) {
            List<Process> now;
            synchronized (this) {
                now = List.copyOf(children); // stop() and stopWorkers() change the list from other threads
            }
            if (now.isEmpty() || now.stream().noneMatch(Process::isAlive)) {
                return;
            }
            Thread.sleep(500);
        }
    }

    public synchronized void stop() {
        terminate(children);
        children.clear();
        workers.clear();
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    private static void terminate(List<Process> processes) {
        for (Process p : processes) {
            p.destroy(); // SIGTERM: workers checkpoint and leave the group
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String java() {
        String home = System.getProperty("java.home");
        return Path.of(home, "bin", "java").toString();
    }

    static String workerClasspath(Path repo) throws IOException {
        Path target = repo.resolve("worker/target");
        List<String> cp = new ArrayList<>();
        try (var s = Files.list(target)) {
            s.filter(p -> p.getFileName().toString().matches("diffq-worker-.*\\.jar")).forEach(p -> cp.add(p.toString()));
        }
        if (cp.isEmpty()) {
            throw new IllegalStateException("worker jar missing under " + target + ": run mvn -q -DskipTests package");
        }
        cp.add(target.resolve("lib").toString() + File.separator + "*");
        return String.join(File.pathSeparator, cp);
    }

    private static void requireFile(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: run mvn -q -DskipTests package");
        }
    }
}
