package dev.diffq.contract;

import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.Priority;
import dev.diffq.proto.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobJsonTest {

    @Test
    void acceptsSnakeCaseAndLowerCamel() throws Exception {
        JobSpec snake = JobJson.parseSpec("{\"max_attempts\":2,\"train\":{\"batch_size\":8,\"model\":{\"channel_mults\":[1,2]}}}");
        JobSpec camel = JobJson.parseSpec("{\"maxAttempts\":2,\"train\":{\"batchSize\":8,\"model\":{\"channelMults\":[1,2]}}}");
        assertEquals(snake, camel);
        assertEquals(8, snake.getTrain().getBatchSize());
        assertEquals(2, snake.getMaxAttempts());
    }

    @Test
    void enumsByNameOrNumber() throws Exception {
        assertEquals(Priority.PRIORITY_HIGH, JobJson.parseSpec("{\"priority\":\"PRIORITY_HIGH\"}").getPriority());
        assertEquals(Priority.PRIORITY_HIGH, JobJson.parseSpec("{\"priority\":1}").getPriority());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"train\":{\"batchsize\":8}}", "{\"train\":", "[1]", "{\"train\":{\"steps\":\"many\"}}", "", "   "})
    void badBodiesBecomeABodyViolation(String json) {
        JobJson.InvalidJsonException e = assertThrows(JobJson.InvalidJsonException.class, () -> JobJson.parseSpec(json));
        assertEquals("body", e.violation().field());
        assertFalse(e.violation().rule().isBlank());
        assertFalse(e.violation().tooLarge());
    }

    @Test
    void unknownFieldIsNamedInTheMessage() {
        JobJson.InvalidJsonException e = assertThrows(JobJson.InvalidJsonException.class,
                () -> JobJson.parseSpec("{\"train\":{\"batchsize\":8}}"));
        assertTrue(e.violation().rule().contains("batchsize"), e.violation().rule());
    }

    @Test
    void lenientReadIgnoresFieldsOfNewerVersions() throws Exception {
        JobRecord record = JobJson.mergeLenient("{\"id\":\"j1\",\"state\":\"RUNNING\",\"added_in_v1_5\":{\"x\":1}}",
                JobRecord.newBuilder()).build();
        assertEquals("j1", record.getId());
        assertEquals(JobState.RUNNING, record.getState());
        assertThrows(JobJson.InvalidJsonException.class,
                () -> JobJson.merge("{\"id\":\"j1\",\"added_in_v1_5\":1}", JobRecord.newBuilder()));
    }

    @Test
    void printsSnakeCaseEnumNamesOnOneLine() {
        JobRecord record = JobRecord.newBuilder()
                .setId("j1")
                .setState(JobState.SUCCEEDED)
                .setSpec(JobSpec.newBuilder().setPriority(Priority.PRIORITY_HIGH).setSeed(42))
                .setProgress(Progress.newBuilder().setImagesPerSec(2.5).setStep(3))
                .setShardsTotal(2)
                .build();
        String json = JobJson.print(record);
        assertEquals("{\"id\":\"j1\",\"spec\":{\"priority\":\"PRIORITY_HIGH\",\"seed\":\"42\"},\"state\":\"SUCCEEDED\","
                + "\"progress\":{\"step\":\"3\",\"images_per_sec\":2.5},\"shards_total\":2}", json);
        assertTrue(JobJson.pretty(record).contains("\n"));
    }

    @Test
    void roundTripsANormalizedSpec() throws Exception {
        JobSpec spec = SpecDefaults.normalize(JobJson.parseSpec(
                "{\"name\":\"d\",\"seed\":\"9\",\"sample\":{\"checkpoint_job\":\"j\",\"classes\":[0,1],\"inpaint\":{\"image\":\"a\",\"mask\":\"b\"}}}"));
        assertEquals(spec, JobJson.parseSpec(JobJson.print(spec)));
        assertEquals(spec, JobJson.parseSpec(JobJson.pretty(spec)));
        // optional fields set to their zero value survive the trip: the worker must see eta 0, not "unset"
        assertTrue(JobJson.parseSpec(JobJson.print(spec)).getSample().hasEta());
    }
}
