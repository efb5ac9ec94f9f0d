package dev.diffq.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class WorkerConfigTest {
    private static final Map<String, String> ENV = Map.of(
            "DIFFQ_KAFKA", "kafka:9092",
            "DIFFQ_S3_ENDPOINT", "http://minio:9000",
            "DIFFQ_S3_ACCESS_KEY", "ak",
            "DIFFQ_S3_SECRET_KEY", "sk",
            "DIFFQ_SERVE", "sample",
            "DIFFQ_MAX_ATTEMPTS", "5");

    @Test
    void readsTheEnvironmentAndTheCommandLineWins() {
        WorkerConfig c = WorkerConfig.parse(new String[] {"--bootstrap", "other:9092", "--worker-id=gpu-node-1",
                "--device", "gpu:1", "--work-dir", "/var/diffq", "--checkpoint-cache", "7",
                "--kafka-prop", "session.timeout.ms=10000", "--retry-backoff-ms", "50"}, ENV);
        assertEquals("other:9092", c.bootstrap());
        assertEquals("http://minio:9000", c.s3Endpoint());
        assertEquals(Set.of(JobKind.SAMPLE), c.serve());
        assertEquals("gpu-node-1", c.workerId());
        assertEquals("gpu:1", c.device());
        assertEquals(Path.of("/var/diffq"), c.workDir());
        assertEquals(5, c.maxAttempts());
        assertEquals(7, c.checkpointCacheSize());
        assertEquals(Map.of("session.timeout.ms", "10000"), c.kafkaProperties());
        assertEquals(Duration.ofMillis(50), c.retryBackoff());
        assertEquals("diffq", c.bucket());
        assertTrue(c.leaveGroupOnClose());
    }

    @Test
    void servesBothKindsByDefault() {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.remove("DIFFQ_SERVE");
        assertEquals(Set.of(JobKind.TRAIN, JobKind.SAMPLE), WorkerConfig.parse(new String[0], env).serve());
        assertEquals(Set.of(JobKind.TRAIN, JobKind.SAMPLE),
                WorkerConfig.parse(new String[] {"--serve", "train,sample"}, env).serve());
    }

    @Test
    void badValuesNameTheOption() {
        assertMessage("--device", new String[] {"--device", "tpu"}, ENV);
        assertMessage("--serve", new String[] {"--serve", "train,paint"}, ENV);
        assertMessage("--max-attempts", new String[] {"--max-attempts", "0"}, ENV);
        assertMessage("--max-attempts", new String[] {"--max-attempts", "three"}, ENV);
        assertMessage("--worker-id", new String[] {"--worker-id", "has space"}, ENV);
        assertMessage("--kafka-prop", new String[] {"--kafka-prop", "novalue"}, ENV);
        assertMessage("--bootstrap", new String[0], Map.of("DIFFQ_S3_ENDPOINT", "x", "DIFFQ_S3_ACCESS_KEY", "a",
                "DIFFQ_S3_SECRET_KEY", "s"));
        assertMessage("unknown option --colour", new String[] {"--colour", "red"}, ENV);
    }

    private static void assertMessage(String expected, String[] args, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerConfig.parse(args, env));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
