package dev.diffq.runtime.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.diffq.contract.Topics;
import dev.diffq.proto.JobEvent;
import dev.diffq.runtime.job.Delivery;
import dev.diffq.runtime.job.EventSink;

/**
 * Job events to diffq.events (keyed by job id, so one job's events stay in order) and dead letters to
 * diffq.requests.dlq. An idempotent producer with acks=all retries transient broker errors by itself,
 * for up to delivery.timeout.ms.
 */
public final class EventPublisher implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    /** Extra DLQ headers beside Topics.HEADER_REASON / HEADER_ATTEMPTS: where the request came from. */
    public static final String HEADER_SOURCE = "diffq-source";
    public static final String HEADER_WORKER = "diffq-worker";
    private static final long WAIT_SECONDS = 150; // a little over the default delivery.timeout.ms (120 s)

    private final KafkaProducer<String, byte[]> producer;
    private final String workerId;

    public EventPublisher(String bootstrap, String workerId, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "diffq-worker-" + workerId + "-events");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.workerId = workerId;
    }

    @Override
    public void send(JobEvent event) {
        producer.send(new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray()), (md, e) -> {
            if (e != null) {
                log.warn("event {} of job {} not delivered: {}", event.getKindCase(), event.getJobId(), e.toString());
            }
        });
    }

    @Override
    public void sendAndWait(JobEvent event) throws IOException {
        var sent = producer.send(new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray()));
        producer.flush(); // the caller waits anyway: do not let linger.ms delay Started / Succeeded
        await(sent, "event " + event.getKindCase() + " of job " + event.getJobId());
    }

    @Override
    public void deadLetter(Delivery delivery, String reason, int attempts) throws IOException {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.DLQ, delivery.key(), delivery.value());
        record.headers().add(Topics.HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_ATTEMPTS, Integer.toString(attempts).getBytes(StandardCharsets.UTF_8));
        record.headers().add(HEADER_SOURCE, delivery.where().getBytes(StandardCharsets.UTF_8));
        record.headers().add(HEADER_WORKER, workerId.getBytes(StandardCharsets.UTF_8));
        await(producer.send(record), "dead letter of " + delivery.where());
        log.warn("dead-lettered {} (key {}): {}", delivery.where(), delivery.key(), reason);
    }

    private static void await(java.util.concurrent.Future<?> f, String what) throws IOException {
        try {
            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted while waiting for the broker", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(what + ": not delivered: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
