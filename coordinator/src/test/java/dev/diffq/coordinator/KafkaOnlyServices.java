package dev.diffq.coordinator;

import java.util.Map;

import dev.diffq.deploy.EmbeddedKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Kafka up, S3 pointing at a port where nothing listens: object storage is down from the start. */
public class KafkaOnlyServices implements QuarkusTestResourceLifecycleManager {
    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        kafka = EmbeddedKafka.startTemporary();
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Map.of("diffq.kafka.bootstrap", kafka.bootstrapServers(),
                "diffq.s3.endpoint", "http://127.0.0.1:" + deadPort,
                "diffq.s3.public-endpoint", "http://127.0.0.1:" + deadPort,
                "diffq.kafka.request-partitions", "1");
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
