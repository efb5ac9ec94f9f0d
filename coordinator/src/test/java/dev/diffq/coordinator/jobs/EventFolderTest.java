package dev.diffq.coordinator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;

class EventFolderTest {
    private static JobEvent.Builder event(int shard) {
        return JobEvent.newBuilder().setJobId("j").setShardIndex(shard).setTimeMs(50).setWorkerId("w1").setAttempt(1);
    }

    @Test
    void aShardedJobCountsEachShardOnceAndIsReadyOnlyWhenAllSucceeded() {
        JobRecord r = JobTableTest.job("j", 1, 1, JobState.QUEUED).toBuilder().setShardsTotal(3).build();
        r = EventFolder.fold(r, event(1).setStarted(JobEvent.Started.getDefaultInstance()).build(), 10).record();
        assertEquals(JobState.RUNNING, r.getState());
        EventFolder.Folded f = EventFolder.fold(r, event(1).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 11);
        f = EventFolder.fold(f.record(), event(1).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 12);
        assertEquals(1, f.record().getShardsDone(), "a redelivered success counts once");
        f = EventFolder.fold(f.record(), event(0).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 13);
        assertFalse(f.allShardsSucceeded());
        f = EventFolder.fold(f.record(), event(2).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 14);
        assertTrue(f.allShardsSucceeded());
        assertEquals(JobState.RUNNING, f.record().getState(), "SUCCEEDED only after result.json is written");
    }

    @Test
    void aTrainingJobSucceedsAtOnceButASampleJobOfOneShardIsFinishedLikeASharded() {
        JobRecord train = JobTableTest.job("j", 1, 1, JobState.RUNNING).toBuilder().setShardsTotal(1).build();
        EventFolder.Folded t = EventFolder.fold(train, event(0).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 2);
        assertEquals(JobState.SUCCEEDED, t.record().getState());
        assertFalse(t.allShardsSucceeded());

        JobRecord sample = train.toBuilder().setSpec(dev.diffq.proto.JobSpec.newBuilder()
                .setSample(dev.diffq.proto.SampleSpec.newBuilder().setCheckpointJob("t"))).build();
        EventFolder.Folded s = EventFolder.fold(sample, event(0).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 2);
        assertTrue(s.allShardsSucceeded(), "its grid and index are composed before it counts as done");
        assertEquals(JobState.RUNNING, s.record().getState());
    }

    @Test
    void updatesAreStrictlyNewerEvenWithAClockThatStandsStill() {
        JobRecord r = JobTableTest.job("j", 1, 100, JobState.QUEUED);
        JobRecord next = EventFolder.fold(r, event(0).setStarted(JobEvent.Started.getDefaultInstance()).build(), 100).record();
        assertTrue(next.getUpdatedMs() > r.getUpdatedMs());
    }

    @Test
    void artifactsOfTheSameNameAreReplacedAndFinishedJobsIgnoreEvents() {
        JobRecord r = JobTableTest.job("j", 1, 1, JobState.RUNNING);
        Artifact a1 = Artifact.newBuilder().setName("samples/grid.png").setSize(1).build();
        Artifact a2 = a1.toBuilder().setSize(2).build();
        r = EventFolder.fold(r, event(0).setArtifact(a1).build(), 2).record();
        r = EventFolder.fold(r, event(0).setArtifact(a2).build(), 3).record();
        assertEquals(1, r.getArtifactsCount());
        assertEquals(2, r.getArtifacts(0).getSize());
        r = EventFolder.fold(r, event(0).setFailed(JobEvent.Failed.newBuilder().setReason("boom")).build(), 4).record();
        assertEquals(JobState.FAILED, r.getState());
        assertEquals("boom", r.getError());
        JobRecord after = EventFolder.fold(r, event(0).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 5).record();
        assertSame(r, after);
    }
}
