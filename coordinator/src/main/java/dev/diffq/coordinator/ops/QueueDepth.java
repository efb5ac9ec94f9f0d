package dev.diffq.coordinator.ops;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import dev.diffq.coordinator.jobs.EventFolding;
import dev.diffq.coordinator.kafka.KafkaProps;

/**
 * Requests waiting on each request topic: from the furthest offset any worker group has committed on a
 * partition (the log start where none has) to the end. The coordinator writes requests in transactions,
 * so offsets also count one commit marker per transaction: the waiting records are therefore counted by
 * reading them (committed records only), unless a topic's backlog is larger than {@link #COUNT_LIMIT}
 * offsets, where the offset difference stands in as an upper bound.
 */
final class QueueDepth implements AutoCloseable {
    static final long COUNT_LIMIT = 20_000;

    private final Admin admin;
    private final long timeoutMs;
    private final KafkaConsumer<String, byte[]> counter;

    QueueDepth(String bootstrap, Admin admin, long timeoutMs) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
        Properties p = KafkaProps.consumer(bootstrap, null);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        this.counter = new KafkaConsumer<>(p);
    }

    synchronized Map<String, Long> measure(List<String> topics) throws Exception {
        Set<TopicPartition> partitions = admin.describeTopics(topics).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                .values().stream()
                .flatMap(t -> t.partitions().stream().map(p -> new TopicPartition(t.name(), p.partition())))
                .collect(Collectors.toSet());
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> start = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (ConsumerGroupListing g : admin.listConsumerGroups().all().get(timeoutMs, TimeUnit.MILLISECONDS)) {
            if (g.groupId().equals(EventFolding.GROUP)) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(g.groupId())
                    .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
            offsets.forEach((tp, om) -> {
                if (om != null && partitions.contains(tp)) {
                    committed.merge(tp, om.offset(), Math::max);
                }
            });
        }
        Map<TopicPartition, Long> from = new HashMap<>();
        Map<String, Long> byOffsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long f = Math.max(committed.getOrDefault(tp, start.get(tp)), start.get(tp));
            from.put(tp, f);
            byOffsets.merge(tp.topic(), Math.max(0, end.get(tp) - f), Long::sum);
        }
        Map<String, Long> depth = new HashMap<>(byOffsets);
        List<TopicPartition> toCount = partitions.stream()
                .filter(tp -> byOffsets.get(tp.topic()) <= COUNT_LIMIT && end.get(tp) > from.get(tp)).toList();
        if (!toCount.isEmpty()) {
            Map<String, Long> counted = count(toCount, from, end);
            toCount.stream().map(TopicPartition::topic).distinct().forEach(t -> depth.put(t, counted.getOrDefault(t, 0L)));
        }
        return depth;
    }

    private Map<String, Long> count(List<TopicPartition> partitions, Map<TopicPartition, Long> from,
            Map<TopicPartition, Long> end) {
        counter.assign(partitions);
        partitions.forEach(tp -> counter.seek(tp, from.get(tp)));
        Map<String, Long> counted = new HashMap<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (partitions.stream().anyMatch(tp -> counter.position(tp) < end.get(tp))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("counting waiting requests took longer than " + timeoutMs + " ms");
            }
            for (ConsumerRecord<String, byte[]> r : counter.poll(Duration.ofMillis(100))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    counted.merge(r.topic(), 1L, Long::sum);
                }
            }
        }
        return counted;
    }

    private Map<TopicPartition, Long> offsets(Set<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin
                .listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> spec))).all()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        return r.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    @Override
    public synchronized void close() {
        counter.close(Duration.ofSeconds(1));
    }
}
