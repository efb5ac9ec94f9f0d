package dev.diffq.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.diffq.contract.Topics;
import dev.diffq.proto.JobEvent.KindCase;
import dev.diffq.proto.Priority;

/**
 * The coordinator writes a job's record and its request in one Kafka transaction and answers 503 when it aborts:
 * a request of an aborted transaction must never run.
 */
class AbortedRequestTest {
    private static RuntimeHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new RuntimeHarness();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    @Test
    void aRequestFromAnAbortedTransactionIsNeverRun() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(2, 20, false));
        h.start(h.config("w-aborted"), Map.of(JobKind.TRAIN, exec));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-coordinator");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.TRAIN, "job-aborted", RuntimeHarness.request("job-aborted",
                    RuntimeHarness.trainSpec(2, 0, Priority.PRIORITY_NORMAL)).toByteArray())).get();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.TRAIN, "job-committed", RuntimeHarness.request("job-committed",
                    RuntimeHarness.trainSpec(2, 0, Priority.PRIORITY_NORMAL)).toByteArray())).get();
            producer.commitTransaction();
        }
        h.awaitEvents("job-committed", RuntimeHarness.has(KindCase.SUCCEEDED), Duration.ofSeconds(30));
        // the aborted record sits before the committed one in the partition: had it been read, it would have run first
        assertEquals(1, exec.callsOf("job-committed").size());
        assertTrue(exec.callsOf("job-aborted").isEmpty(), "the aborted request ran");
        assertTrue(h.events("job-aborted").isEmpty(), "events of the aborted request: " + h.events("job-aborted"));
    }
}
