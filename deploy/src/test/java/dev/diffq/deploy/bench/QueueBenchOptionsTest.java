package dev.diffq.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

import dev.diffq.proto.JobSpec;

class QueueBenchOptionsTest {

    private static QueueBench.Options parse(String... args) {
        return QueueBench.Options.parse(args, Map.of());
    }

    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
    }

    @Test
    void defaultsAreTheBriefsSizes() {
        QueueBench.Options o = parse();
        assertEquals(List.of(1, 2), o.workersList());
        assertEquals(5000, o.submissions());
        assertEquals(64, o.concurrency());
        assertEquals(50, o.latencyJobs());
        assertEquals(40, o.e2eJobs());
        assertEquals(4, o.imagesPerJob());
        assertFalse(o.json());
        assertFalse(o.keepData());
    }

    @Test
    void readsEveryOptionInBothSpellings() {
        QueueBench.Options o = parse("--workers-list", "1,2,4", "--submissions=300", "--concurrency", "8",
                "--latency-jobs", "5", "--e2e-jobs=6", "--per-class", "3", "--sample-steps", "20", "--repo", "/tmp/x",
                "--json", "--keep-data");
        assertEquals(List.of(1, 2, 4), o.workersList());
        assertEquals(300, o.submissions());
        assertEquals(8, o.concurrency());
        assertEquals(5, o.latencyJobs());
        assertEquals(6, o.e2eJobs());
        assertEquals(6, o.imagesPerJob());
        assertEquals(20, o.sampleSteps());
        assertEquals(Path.of("/tmp/x"), o.repoDir());
        assertTrue(o.json());
        assertTrue(o.keepData());
    }

    @Test
    void repoComesFromDiffqHomeUnlessGiven() {
        assertEquals(Path.of("/opt/diffq"), QueueBench.Options.parse(new String[0], Map.of("DIFFQ_HOME", "/opt/diffq")).repoDir());
        assertEquals(Path.of("/tmp/y"), QueueBench.Options.parse(new String[] {"--repo", "/tmp/y"},
                Map.of("DIFFQ_HOME", "/opt/diffq")).repoDir());
    }

    @Test
    void badValuesNameTheOptionAndTheRule() {
        assertEquals("--submissions: must be a whole number, got 'many'", error("--submissions", "many"));
        assertEquals("--concurrency: must be between 1 and 512, got 0", error("--concurrency", "0"));
        assertEquals("--workers-list: each worker count must be between 1 and 16, got 0", error("--workers-list", "1,0"));
        assertTrue(error("--workers-list", "1,,2").startsWith("--workers-list: must be a comma-separated list"));
        assertEquals("--sample-steps: must be between 1 and 50, got 51", error("--sample-steps", "51"));
        assertEquals("--e2e-jobs: needs a value", error("--e2e-jobs"));
        assertEquals("--json: takes no value", error("--json=yes"));
        assertEquals("unknown option --workers", error("--workers", "2"));
        assertEquals("unexpected argument 'queue'", error("queue"));
    }

    @Test
    void theTinyJobsAreWhatTheBriefAsksFor() {
        JobSpec train = QueueBench.trainSpec();
        var m = train.getTrain().getModel();
        assertEquals("custom", m.getPreset());
        assertEquals(8, m.getImageSize());
        assertEquals(8, m.getBaseChannels());
        assertEquals(List.of(1, 2), m.getChannelMultsList());
        assertEquals(1, m.getBlocksPerLevel());
        assertEquals(0, m.getAttentionLevelsCount());
        assertEquals(2, m.getNumClasses());
        assertEquals(50, train.getTrain().getTimesteps());
        assertEquals(4, train.getTrain().getBatchSize());
        assertEquals(4, train.getTrain().getSteps());

        JobSpec sample = QueueBench.sampleSpec("j-train", parse("--per-class", "3", "--sample-steps", "7"));
        assertEquals("j-train", sample.getSample().getCheckpointJob());
        assertEquals(List.of(0, 1), sample.getSample().getClassesList());
        assertEquals(3, sample.getSample().getPerClass());
        assertEquals(7, sample.getSample().getSteps());
    }

    @Test
    void jsonReportIsValidJsonWithTheNumbers() throws Exception {
        Stats s = Stats.ofNanos(new long[] {1_000_000, 2_000_000});
        QueueBench.Result r = new QueueBench.Result(parse(), 2, "1.00 2.00 3.00", "4.00 5.00 6.00", 10, 20,
                new QueueBench.Latency(2, "a \"quoted\" consumer", s, s, s, s, s),
                List.of(new QueueBench.EndToEnd(1, 40, 4, 8, 5, 20, s, Map.of("local-worker-0", 40), "1 1 1"),
                        new QueueBench.EndToEnd(2, 40, 4, 5, 8, 32, s, Map.of("local-worker-0", 21, "local-worker-1", 19), "2 2 2")),
                new QueueBench.Submissions(5000, 16, 200, 4990, Map.of(503, 10), 0, 4, 1247.5, s, "3 3 3"), 60);
        Struct.Builder b = Struct.newBuilder();
        JsonFormat.parser().merge(Report.json(r), b); // throws on invalid JSON
        Struct json = b.build();
        assertEquals(1247.5, json.getFieldsOrThrow("submissions").getStructValue().getFieldsOrThrow("accepted_per_second")
                .getNumberValue(), 1e-9);
        assertTrue(json.getFieldsOrThrow("submissions").getStructValue().getFieldsOrThrow("target_met").getBoolValue());
        assertEquals(10, json.getFieldsOrThrow("submissions").getStructValue().getFieldsOrThrow("rejected_by_status")
                .getStructValue().getFieldsOrThrow("503").getNumberValue(), 1e-9);
        var e2e = json.getFieldsOrThrow("end_to_end").getListValue();
        assertEquals(2, e2e.getValuesCount());
        assertEquals(19, e2e.getValues(1).getStructValue().getFieldsOrThrow("jobs_per_worker").getStructValue()
                .getFieldsOrThrow("local-worker-1").getNumberValue(), 1e-9);
        var latency = json.getFieldsOrThrow("latency").getStructValue();
        assertEquals("a \"quoted\" consumer", latency.getFieldsOrThrow("observed_via").getStringValue());
        assertEquals(2.0, latency.getFieldsOrThrow("submit_to_started_ms").getStructValue().getFieldsOrThrow("max")
                .getNumberValue(), 1e-9);
        assertTrue(latency.getFieldsOrThrow("target_met").getBoolValue());
        assertTrue(Report.table(r).contains("1248/s"));
    }
}
