package dev.diffq.coordinator;

import java.util.HashMap;
import java.util.Map;

import dev.diffq.deploy.EmbeddedKafka;
import dev.diffq.deploy.EmbeddedS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A real in-process Kafka broker and S3 server for the coordinator under test, handed over as config. */
public class CoordinatorServices implements QuarkusTestResourceLifecycleManager {
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;

    @Override
    public Map<String, String> start() {
        kafka = EmbeddedKafka.startTemporary();
        s3 = EmbeddedS3.startTemporary();
        Map<String, String> config = new HashMap<>();
        config.put("diffq.kafka.bootstrap", kafka.bootstrapServers());
        config.put("diffq.s3.endpoint", s3.endpoint());
        config.put("diffq.s3.public-endpoint", s3.endpoint());
        config.put("diffq.s3.access-key", s3.accessKey());
        config.put("diffq.s3.secret-key", s3.secretKey());
        config.put("diffq.kafka.request-partitions", "2");
        config.put("diffq.limits.max-images-per-job", "1000");
        config.put("diffq.limits.dataset-bytes", "1048576");
        return config;
    }

    @Override
    public void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
