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
import dev.diffq.proto.Progress;

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

    private static JobEvent progress(int shard, long step, long total, double imagesPerSec, double eta) {
        return event(shard).setProgress(Progress.newBuilder().setStep(step).setTotal(total)
                .setImagesPerSec(imagesPerSec).setEtaSeconds(eta).setPhase("sampling")).build();
    }

    @Test
    void theProgressOfAShardedJobIsTheSumOfItsShards() {
        JobRecord r = JobTableTest.job("j", 1, 1, JobState.QUEUED).toBuilder().setShardsTotal(4).build();
        // two workers: shards 0 and 1 at 10 and 30 of 50 steps, each 2 images/s and 0.5 s per step
        r = EventFolder.fold(r, progress(0, 10, 50, 2, 20), 2).record();
        r = EventFolder.fold(r, progress(1, 30, 50, 2, 10), 3).record();
        Progress p = r.getProgress();
        assertEquals(40, p.getStep());
        assertEquals(200, p.getTotal());
        assertEquals(4.0, p.getImagesPerSec(), 1e-9);
        assertEquals(160 / 4.0, p.getEtaSeconds(), 1e-9, "160 steps left at 2 + 2 steps/s");
        assertEquals("sampling", p.getPhase());
        assertEquals(2, r.getRunningShardsCount());

        // a later report of shard 0 replaces its earlier one; it never goes backwards for the job
        r = EventFolder.fold(r, progress(0, 20, 50, 2, 15), 4).record();
        assertEquals(50, r.getProgress().getStep());
        assertEquals(2, r.getRunningShardsCount());

        // shard 1 succeeds: it counts in full and leaves the running list
        r = EventFolder.fold(r, event(1).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 5).record();
        assertEquals(70, r.getProgress().getStep());
        assertEquals(1, r.getRunningShardsCount());
        assertEquals(0, r.getRunningShards(0).getShardIndex());

        // a late progress event of a shard that already succeeded changes nothing
        JobRecord late = EventFolder.fold(r, progress(1, 40, 50, 2, 5), 6).record();
        assertEquals(70, late.getProgress().getStep());
        assertEquals(1, late.getRunningShardsCount());

        // shard 2 starts on the freed worker
        r = EventFolder.fold(late, progress(2, 5, 50, 2, 22.5), 7).record();
        assertEquals(75, r.getProgress().getStep());
        for (int shard : new int[] {0, 2, 3}) {
            r = EventFolder.fold(r, event(shard).setSucceeded(JobEvent.Succeeded.getDefaultInstance()).build(), 8)
                    .record();
        }
        assertEquals(200, r.getProgress().getStep());
        assertEquals(200, r.getProgress().getTotal());
        assertEquals(0, r.getRunningShardsCount());
    }

    @Test
    void aJobOfOneShardReportsItsProgressAsItIs() {
        JobRecord r = JobTableTest.job("j", 1, 1, JobState.QUEUED).toBuilder().setShardsTotal(1).build();
        r = EventFolder.fold(r, progress(0, 7, 50, 3, 9), 2).record();
        assertEquals(progress(0, 7, 50, 3, 9).getProgress(), r.getProgress());
        assertEquals(0, r.getRunningShardsCount());
    }
}
