package dev.diffq.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import dev.diffq.coordinator.kafka.KafkaProps;

/** Reads everything committed on a topic so far (no consumer group), for assertions. */
final class TopicReader {
    private TopicReader() {}

    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String... topics) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaProps.consumer(bootstrap, null))) {
            List<TopicPartition> parts = java.util.Arrays.stream(topics)
                    .flatMap(t -> c.partitionsFor(t, Duration.ofSeconds(10)).stream())
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("could not read " + java.util.Arrays.toString(topics) + " to the end");
                }
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }
}
