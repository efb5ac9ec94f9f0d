package dev.diffq.coordinator.config;

import io.smallrye.config.ConfigMapping;

/** Everything under {@code diffq.*} in application.properties (each value overridable by an environment variable). */
@ConfigMapping(prefix = "diffq")
public interface CoordinatorConfig {
    Kafka kafka();

    S3 s3();

    Limits limits();

    interface Kafka {
        String bootstrap();

        int requestPartitions();

        int timeoutMs();

        String instance();
    }

    interface S3 {
        String endpoint();

        String publicEndpoint();

        String accessKey();

        String secretKey();

        String bucket();

        String region();

        int presignSeconds();
    }

    interface Limits {
        int maxImagesPerJob();

        long uploadBytes();

        long datasetBytes();

        long datasetUnpackedBytes();
    }
}
