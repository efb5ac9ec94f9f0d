package dev.diffq.runtime;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * How a worker is started. Every option has an environment variable; the command line wins.
 *
 * @param kafkaProperties   extra consumer settings (e.g. max.poll.interval.ms, session.timeout.ms, security);
 *                          the settings delivery rests on (max.poll.records, auto commit, group, assignor)
 *                          cannot be overridden
 * @param retryBackoff      delay before a failed job's second attempt, doubled per further attempt
 * @param releaseTimeout    how long a job may take to stop and checkpoint when its worker lets go of it
 * @param leaveGroupOnClose leave the consumer group on shutdown (partitions move at once) instead of
 *                          relying on static membership to keep them for a quick restart
 */
public record WorkerConfig(
        String bootstrap,
        String s3Endpoint,
        String s3AccessKey,
        String s3SecretKey,
        String bucket,
        Set<JobKind> serve,
        String workerId,
        String device,
        Path workDir,
        int maxAttempts,
        int checkpointCacheSize,
        Map<String, String> kafkaProperties,
        Duration retryBackoff,
        Duration maxRetryBackoff,
        Duration releaseTimeout,
        boolean leaveGroupOnClose,
        long partSizeBytes) {

    private static final Pattern DEVICE = Pattern.compile("cpu|gpu:\\d{1,2}");
    private static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public static final String USAGE = """
            usage: diffq worker [options]          (each option also reads the environment variable shown)
              --bootstrap HOST:PORT        Kafka bootstrap servers                     DIFFQ_KAFKA (required)
              --s3-endpoint URL            S3/MinIO endpoint                           DIFFQ_S3_ENDPOINT (required)
              --s3-access-key KEY                                                      DIFFQ_S3_ACCESS_KEY (required)
              --s3-secret-key SECRET                                                   DIFFQ_S3_SECRET_KEY (required)
              --bucket NAME                default diffq                               DIFFQ_BUCKET
              --serve train,sample         job kinds to take, one or both (default both) DIFFQ_SERVE
              --worker-id ID               stable id, the static group.instance.id (default host name)  DIFFQ_WORKER_ID
              --device cpu|gpu:N           default cpu                                 DIFFQ_DEVICE
              --work-dir DIR               local scratch and checkpoint cache          DIFFQ_WORK_DIR
              --max-attempts N             attempts per job unless its spec says (default 3)  DIFFQ_MAX_ATTEMPTS
              --checkpoint-cache N         checkpoints kept for sampling (default 4)   DIFFQ_CHECKPOINT_CACHE
              --kafka-prop KEY=VALUE       extra consumer setting, repeatable          DIFFQ_KAFKA_PROPS (k=v,k=v)
              --retry-backoff-ms MS        first retry delay of a failed job (default 2000)  DIFFQ_RETRY_BACKOFF_MS
              --release-timeout-s S        time a job gets to checkpoint when let go (default 120)  DIFFQ_RELEASE_TIMEOUT_S
              --leave-group-on-close BOOL  default true                                DIFFQ_LEAVE_GROUP_ON_CLOSE
              --part-size-mb MB            multipart upload part size (default 16, min 5)  DIFFQ_PART_SIZE_MB
            """;

    public WorkerConfig {
        require(bootstrap, "--bootstrap");
        require(s3Endpoint, "--s3-endpoint");
        require(s3AccessKey, "--s3-access-key");
        require(s3SecretKey, "--s3-secret-key");
        require(bucket, "--bucket");
        if (serve == null || serve.isEmpty()) {
            throw new IllegalArgumentException("--serve: must name train, sample or both");
        }
        serve = Set.copyOf(serve);
        if (workerId == null || !WORKER_ID.matcher(workerId).matches()) {
            throw new IllegalArgumentException("--worker-id: must be 1-100 characters of A-Z a-z 0-9 . _ -, got '"
                    + workerId + "'");
        }
        if (device == null || !DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("--device: must be cpu or gpu:N, got '" + device + "'");
        }
        if (workDir == null) {
            throw new IllegalArgumentException("--work-dir: required");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("--max-attempts: must be >= 1, got " + maxAttempts);
        }
        if (checkpointCacheSize < 1) {
            throw new IllegalArgumentException("--checkpoint-cache: must be >= 1, got " + checkpointCacheSize);
        }
        kafkaProperties = Map.copyOf(kafkaProperties);
        if (retryBackoff.isNegative() || maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("--retry-backoff-ms: must be >= 0 and <= the maximum backoff");
        }
        if (releaseTimeout.isNegative() || releaseTimeout.isZero()) {
            throw new IllegalArgumentException("--release-timeout-s: must be > 0");
        }
        if (partSizeBytes < 5L * 1024 * 1024) {
            throw new IllegalArgumentException("--part-size-mb: must be >= 5 (the S3 minimum part size)");
        }
    }

    /** A config with every default, for the given Kafka and S3. */
    public static WorkerConfig defaults(String bootstrap, String s3Endpoint, String accessKey, String secretKey) {
        String id = defaultWorkerId();
        return new WorkerConfig(bootstrap, s3Endpoint, accessKey, secretKey, ObjectKeys.DEFAULT_BUCKET,
                EnumSet.allOf(JobKind.class), id, "cpu",
                Path.of(System.getProperty("java.io.tmpdir"), "diffq-worker-" + id), 3, 4, Map.of(),
                Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(2), true,
                ObjectStore.DEFAULT_PART_SIZE);
    }

    public WorkerConfig withServe(Set<JobKind> kinds) {
        return new WorkerConfig(bootstrap, s3Endpoint, s3AccessKey, s3SecretKey, bucket, kinds, workerId, device,
                workDir, maxAttempts, checkpointCacheSize, kafkaProperties, retryBackoff, maxRetryBackoff,
                releaseTimeout, leaveGroupOnClose, partSizeBytes);
    }

    public WorkerConfig withWorker(String id, Path dir) {
        return new WorkerConfig(bootstrap, s3Endpoint, s3AccessKey, s3SecretKey, bucket, serve, id, device,
                dir, maxAttempts, checkpointCacheSize, kafkaProperties, retryBackoff, maxRetryBackoff,
                releaseTimeout, leaveGroupOnClose, partSizeBytes);
    }

    public WorkerConfig withBucket(String name) {
        return new WorkerConfig(bootstrap, s3Endpoint, s3AccessKey, s3SecretKey, name, serve, workerId, device,
                workDir, maxAttempts, checkpointCacheSize, kafkaProperties, retryBackoff, maxRetryBackoff,
                releaseTimeout, leaveGroupOnClose, partSizeBytes);
    }

    public WorkerConfig withAttempts(int max, Duration firstBackoff) {
        return new WorkerConfig(bootstrap, s3Endpoint, s3AccessKey, s3SecretKey, bucket, serve, workerId, device,
                workDir, max, checkpointCacheSize, kafkaProperties, firstBackoff,
                maxRetryBackoff.compareTo(firstBackoff) < 0 ? firstBackoff : maxRetryBackoff,
                releaseTimeout, leaveGroupOnClose, partSizeBytes);
    }

    public WorkerConfig withKafkaProperties(Map<String, String> props) {
        return new WorkerConfig(bootstrap, s3Endpoint, s3AccessKey, s3SecretKey, bucket, serve, workerId, device,
                workDir, maxAttempts, checkpointCacheSize, props, retryBackoff, maxRetryBackoff,
                releaseTimeout, leaveGroupOnClose, partSizeBytes);
    }

    /**
     * Reads the command line, falling back to the environment, then to defaults.
     * @throws IllegalArgumentException naming the option when a value is missing or wrong
     */
    public static WorkerConfig parse(String[] args, Map<String, String> env) {
        Map<String, List<String>> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + USAGE);
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + ": needs a value\n" + USAGE);
                }
                value = args[++i];
            }
            if (!OPTION_ENV.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "\n" + USAGE);
            }
            opts.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        java.util.function.Function<String, String> get = name -> {
            List<String> v = opts.get(name);
            if (v != null) {
                return v.get(v.size() - 1);
            }
            String e = env.get(OPTION_ENV.get(name));
            return e == null || e.isBlank() ? null : e.trim();
        };
        WorkerConfig d = defaults("-", "-", "-", "-");
        String workerId = or(get.apply("worker-id"), defaultWorkerId());
        Set<JobKind> serve = EnumSet.noneOf(JobKind.class);
        for (String k : or(get.apply("serve"), "train,sample").split(",")) {
            if (!k.isBlank()) {
                try {
                    serve.add(JobKind.parse(k));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--serve: " + e.getMessage());
                }
            }
        }
        Map<String, String> props = new LinkedHashMap<>();
        List<String> propArgs = new ArrayList<>();
        String envProps = env.get(OPTION_ENV.get("kafka-prop"));
        if (envProps != null && !envProps.isBlank()) {
            propArgs.addAll(List.of(envProps.split(",")));
        }
        propArgs.addAll(opts.getOrDefault("kafka-prop", List.of()));
        for (String kv : propArgs) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--kafka-prop: must be KEY=VALUE, got '" + kv + "'");
            }
            props.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        String workDir = get.apply("work-dir");
        return new WorkerConfig(
                get.apply("bootstrap"),
                get.apply("s3-endpoint"),
                get.apply("s3-access-key"),
                get.apply("s3-secret-key"),
                or(get.apply("bucket"), ObjectKeys.DEFAULT_BUCKET),
                serve,
                workerId,
                or(get.apply("device"), "cpu"),
                workDir != null ? Path.of(workDir)
                        : Path.of(System.getProperty("java.io.tmpdir"), "diffq-worker-" + workerId),
                intOption(get.apply("max-attempts"), d.maxAttempts(), "--max-attempts"),
                intOption(get.apply("checkpoint-cache"), d.checkpointCacheSize(), "--checkpoint-cache"),
                props,
                Duration.ofMillis(intOption(get.apply("retry-backoff-ms"), (int) d.retryBackoff().toMillis(),
                        "--retry-backoff-ms")),
                d.maxRetryBackoff(),
                Duration.ofSeconds(intOption(get.apply("release-timeout-s"), (int) d.releaseTimeout().toSeconds(),
                        "--release-timeout-s")),
                boolOption(get.apply("leave-group-on-close"), true, "--leave-group-on-close"),
                1024L * 1024 * intOption(get.apply("part-size-mb"), (int) (d.partSizeBytes() >> 20), "--part-size-mb"));
    }

    private static final Map<String, String> OPTION_ENV = Map.ofEntries(
            Map.entry("bootstrap", "DIFFQ_KAFKA"),
            Map.entry("s3-endpoint", "DIFFQ_S3_ENDPOINT"),
            Map.entry("s3-access-key", "DIFFQ_S3_ACCESS_KEY"),
            Map.entry("s3-secret-key", "DIFFQ_S3_SECRET_KEY"),
            Map.entry("bucket", "DIFFQ_BUCKET"),
            Map.entry("serve", "DIFFQ_SERVE"),
            Map.entry("worker-id", "DIFFQ_WORKER_ID"),
            Map.entry("device", "DIFFQ_DEVICE"),
            Map.entry("work-dir", "DIFFQ_WORK_DIR"),
            Map.entry("max-attempts", "DIFFQ_MAX_ATTEMPTS"),
            Map.entry("checkpoint-cache", "DIFFQ_CHECKPOINT_CACHE"),
            Map.entry("kafka-prop", "DIFFQ_KAFKA_PROPS"),
            Map.entry("retry-backoff-ms", "DIFFQ_RETRY_BACKOFF_MS"),
            Map.entry("release-timeout-s", "DIFFQ_RELEASE_TIMEOUT_S"),
            Map.entry("leave-group-on-close", "DIFFQ_LEAVE_GROUP_ON_CLOSE"),
            Map.entry("part-size-mb", "DIFFQ_PART_SIZE_MB"));

    private static String defaultWorkerId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
        }
        String id = host.replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() > 100 ? id.substring(0, 100) : id;
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option + ": required (see --help)");
        }
    }

    private static String or(String v, String fallback) {
        return v == null ? fallback : v;
    }

    private static int intOption(String v, int fallback, String option) {
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": must be a whole number, got '" + v + "'");
        }
    }

    private static boolean boolOption(String v, boolean fallback, String option) {
        if (v == null) {
            return fallback;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(option + ": must be true or false, got '" + v + "'");
        };
    }
}
