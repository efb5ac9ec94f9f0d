package dev.diffq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class EmbeddedServicesTest {

    @Test
    void kafkaKeepsRecordsAndCompactedTopicsAcrossARestart(@TempDir Path dir) throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, false)) {
            kafka.createTopics(Map.of("t.plain", 2, "t.table", 1), List.of("t.table"));
            try (var admin = kafka.admin()) {
                var cfg = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "t.table")))
                        .all().get().values().iterator().next();
                assertEquals("compact", cfg.get("cleanup.policy").value());
            }
            bootstrap = kafka.bootstrapServers();
            produce(bootstrap, "t.plain", "k1", "hello");
        }
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (EmbeddedKafka again = EmbeddedKafka.start(dir.resolve("kafka"), port, false)) {
            again.createTopics(Map.of("t.plain", 2), List.of()); // already there: no error
            assertEquals(List.of("k1=hello"), consumeAll(again.bootstrapServers(), "t.plain", 1));
        }
    }

    @Test
    void s3StoresObjectsOnDiskAcrossARestart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("s3");
        try (EmbeddedS3 s3 = EmbeddedS3.start(data, 0, false); S3Client client = client(s3)) {
            client.createBucket(b -> b.bucket("diffq"));
            client.putObject(b -> b.bucket("diffq").key("jobs/a/spec.json"), RequestBody.fromString("{\"x\":1}"));
            assertEquals("{\"x\":1}", client.getObjectAsBytes(b -> b.bucket("diffq").key("jobs/a/spec.json")).asUtf8String());
        }
        try (EmbeddedS3 s3 = EmbeddedS3.start(data, 0, false); S3Client client = client(s3)) {
            assertEquals("{\"x\":1}", client.getObjectAsBytes(b -> b.bucket("diffq").key("jobs/a/spec.json")).asUtf8String());
        }
        assertTrue(Files.exists(data));
    }

    @Test
    void temporaryServicesCleanUpAfterThemselves() {
        Path s3dir;
        try (EmbeddedS3 s3 = EmbeddedS3.startTemporary()) {
            s3dir = s3.dataDir();
            assertTrue(Files.isDirectory(s3dir));
        }
        assertTrue(Files.notExists(s3dir));
    }

    private static S3Client client(EmbeddedS3 s3) {
        return S3Client.builder()
                .endpointOverride(URI.create(s3.endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                .build();
    }

    private static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (var producer = new KafkaProducer<String, String>(p)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static List<String> consumeAll(String bootstrap, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.key() + "=" + r.value()));
            }
        }
        return out;
    }
}
