package dev.diffq.coordinator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import dev.diffq.contract.Limits;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.coordinator.kafka.TransactionalSender;
import dev.diffq.coordinator.kafka.UnavailableException;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.coordinator.uploads.DatasetUnpacker;
import dev.diffq.coordinator.uploads.ImageUploads;
import dev.diffq.contract.JobJson;
import dev.diffq.deploy.EmbeddedS3;

/** Kafka unreachable: a submission fails with UnavailableException (503) and leaves nothing behind. */
class KafkaDownTest {
    @Test
    void aSubmissionLeavesNoRecordAndNoSpecBehind() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (EmbeddedS3 s3 = EmbeddedS3.startTemporary();
                ObjectStore store = new ObjectStore(s3.endpoint(), s3.endpoint(), s3.accessKey(), s3.secretKey(),
                        "us-east-1", "diffq", 60);
                TransactionalSender sender = new TransactionalSender("127.0.0.1:" + deadPort, "test-tx", 500)) {
            store.ensureBucket();
            JobTable table = new JobTable();
            JobService jobs = new JobService(table, sender, store, new ImageUploads(store),
                    new DatasetUnpacker(store, 1 << 20), Limits.defaults(), System::currentTimeMillis);
            var spec = JobJson.parseSpec("{\"train\":{\"dataset\":\"mnist\",\"steps\":10}}");
            assertThrows(UnavailableException.class, () -> jobs.put("kafka-down", spec));
            assertEquals(0, table.size());
            assertFalse(store.exists(ObjectKeys.spec("kafka-down")), "nothing is written for a job that was not accepted");
        }
    }
}
