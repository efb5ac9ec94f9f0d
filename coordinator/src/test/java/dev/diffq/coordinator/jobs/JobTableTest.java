package dev.diffq.coordinator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

class JobTableTest {
    static JobRecord job(String id, long created, long updated, JobState state) {
        return JobRecord.newBuilder().setId(id).setCreatedMs(created).setUpdatedMs(updated).setState(state)
                .setSpec(JobSpec.newBuilder().setTrain(TrainSpec.newBuilder().setDataset("mnist"))).build();
    }

    @Test
    void anOlderEchoOfAnOwnWriteDoesNotUndoANewerOne() {
        JobTable t = new JobTable();
        assertTrue(t.apply(job("a", 1, 1, JobState.QUEUED)));
        assertTrue(t.apply(job("a", 1, 5, JobState.RUNNING)));
        assertFalse(t.apply(job("a", 1, 1, JobState.QUEUED)), "the topic's copy of the first write arrives late");
        assertEquals(JobState.RUNNING, t.get("a").orElseThrow().getState());
    }

    @Test
    void aFinishedJobNeverGoesBack() {
        JobTable t = new JobTable();
        t.apply(job("a", 1, 1, JobState.QUEUED));
        t.apply(job("a", 1, 2, JobState.CANCELLED));
        assertFalse(t.apply(job("a", 1, 3, JobState.RUNNING)));
        assertEquals(JobState.CANCELLED, t.get("a").orElseThrow().getState());
    }

    @Test
    void listenersHearEveryChangeInOrderWithTheRecordBefore() {
        JobTable t = new JobTable();
        List<String> heard = new ArrayList<>();
        t.addListener((before, after) -> heard.add((before == null ? "-" : before.getState().name()) + ">" + after.getState()));
        t.apply(job("a", 1, 1, JobState.QUEUED));
        t.apply(job("a", 1, 2, JobState.RUNNING));
        t.apply(job("a", 1, 2, JobState.RUNNING)); // the same again: no change
        assertEquals(List.of("->QUEUED", "QUEUED>RUNNING"), heard);
    }

    @Test
    void pagesAreNewestFirstAndFilterByStateAndKind() {
        JobTable t = new JobTable();
        for (int i = 0; i < 7; i++) {
            t.apply(job("t" + i, 100 + i, 100 + i, i % 2 == 0 ? JobState.QUEUED : JobState.FAILED));
        }
        t.apply(JobRecord.newBuilder().setId("s").setCreatedMs(200).setUpdatedMs(200).setState(JobState.QUEUED)
                .setSpec(JobSpec.newBuilder().setSample(SampleSpec.newBuilder().setCheckpointJob("t0"))).build());
        JobTable.Page p1 = t.list(JobState.QUEUED, JobKind.TRAIN, 2, null);
        assertEquals(List.of("t6", "t4"), p1.jobs().stream().map(JobRecord::getId).toList());
        JobTable.Page p2 = t.list(JobState.QUEUED, JobKind.TRAIN, 2, p1.nextCursor());
        assertEquals(List.of("t2", "t0"), p2.jobs().stream().map(JobRecord::getId).toList());
        assertNull(p2.nextCursor(), "no cursor after the last page");
        assertEquals(List.of("s"), t.list(null, JobKind.SAMPLE, 10, null).jobs().stream().map(JobRecord::getId).toList());
        assertEquals(8, t.list(null, null, 100, null).jobs().size());
        assertThrows(IllegalArgumentException.class, () -> t.list(null, null, 2, "garbage"));
    }

    @Test
    void idempotencyKeysFindTheirJob() {
        JobTable t = new JobTable();
        t.apply(job("a", 1, 1, JobState.QUEUED).toBuilder().setIdempotencyKey("k1").build());
        assertEquals("a", t.byIdempotencyKey("k1").orElseThrow().getId());
        assertTrue(t.byIdempotencyKey("k2").isEmpty());
        t.remove("a");
        assertTrue(t.byIdempotencyKey("k1").isEmpty());
    }
}
