package dev.diffq.coordinator.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Writes a group of records atomically (one Kafka transaction), so a job record on diffq.jobs and its
 * requests appear together or not at all. One transaction at a time per producer, hence the lock.
 * After any failure the transaction is aborted, the producer closed and a fresh one (same transactional id,
 * which fences the old one) made on next use: a producer whose transaction timed out may be stuck.
 */
public final class TransactionalSender implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TransactionalSender.class);

    private final Properties props;
    private final int timeoutMs;
    private KafkaProducer<String, byte[]> producer;

    public TransactionalSender(String bootstrap, String transactionalId, int timeoutMs) {
        this.props = KafkaProps.transactionalProducer(bootstrap, transactionalId, timeoutMs);
        this.timeoutMs = timeoutMs;
    }

    public synchronized void send(List<ProducerRecord<String, byte[]>> records) {
        send(records, null, null);
    }

    /** Sends {@code records} and, when given, commits the consumer {@code offsets} in the same transaction. */
    public synchronized void send(List<ProducerRecord<String, byte[]>> records,
            Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        KafkaProducer<String, byte[]> p = producer();
        try {
            p.beginTransaction();
            var acks = records.stream().map(p::send).toList();
            if (offsets != null && !offsets.isEmpty()) {
                p.sendOffsetsToTransaction(offsets, group);
            }
            for (var ack : acks) {
                ack.get(timeoutMs * 2L, TimeUnit.MILLISECONDS);
            }
            p.commitTransaction();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            abortQuietly(p);
            reset();
            throw new UnavailableException("Kafka did not accept the write: " + e, e);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            KafkaProducer<String, byte[]> p = new KafkaProducer<>(props);
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(java.time.Duration.ZERO);
                throw new UnavailableException("Kafka is unreachable: " + e.getMessage(), e);
            }
            producer = p;
        }
        return producer;
    }

    /** Aborts so read_committed readers are not held back; a re-made producer with this id fences it anyway. */
    private static void abortQuietly(KafkaProducer<String, byte[]> p) {
        try {
            p.abortTransaction();
        } catch (RuntimeException e) {
            LOG.debug("abort after a failed transaction", e);
        }
    }

    private void reset() {
        if (producer != null) {
            try {
                producer.close(java.time.Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing a failed producer", e);
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(2));
            producer = null;
        }
    }
}
